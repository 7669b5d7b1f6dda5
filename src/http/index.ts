export { coalesceRanges } from './coalesce-ranges.js';
export { contentDisposition } from './content-disposition.js';
export { contentRange, unsatisfiedRange } from './content-range.js';
export { contentTypeFor, DEFAULT_TYPE } from './content-type.js';
export {
  decide,
  documentPlan,
  DEFAULT_CACHE_CONTROL,
  DEFAULT_MAX_RANGES,
  methodNotAllowed,
  notFound,
  textPlan,
  type DecideOptions,
  type Plan,
  type PlanBody,
} from './decide.js';
export { makeEtag, parseEtag, parseEtagList, strongMatch, weakMatch, type EntityTag } from './etag.js';
export { formatHttpDate, parseHttpDate } from './http-date.js';
export { frameMultipart, type MultipartBody, type MultipartPart } from './multipart.js';
export { parseRange, type RangeResult } from './parse-range.js';
export { evaluatePreconditions, ifRangeHolds, type Validators } from './preconditions.js';
export type { ByteRange, Representation, RequestHeaders, RequestInfo } from './types.js';
