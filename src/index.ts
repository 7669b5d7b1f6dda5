/**
 * seekable: video over plain HTTP, exactly per RFC 9110.
 *
 * This entry point is for serving: `createHandler` (node:http and Express), `sendFile`, the sources
 * and their contract, and signed links. The engine alone is `seekable/engine`; the app that
 * `seekable serve` runs is `seekable/app`; an S3-compatible store as a source is `seekable/s3`.
 */
export { createHandler, sendFile, sendResource, type Handler, type HandlerOptions, type SendResourceOptions } from './serve/handler.js';
export { createMediaServer, createSecureMediaServer, DEFAULT_LIMITS, type ServerLimits, type TlsCredentials } from './serve/create-server.js';
export type { SendOptions } from './serve/plan-for.js';
export { signQuery, verifyQuery, type SignOptions, type Verdict } from './serve/signing.js';
export { FileSource, type FileSourceOptions } from './source/file/file-source.js';
export { openFile } from './source/file/file-resource.js';
export { isSafeKey } from './source/keys.js';
export { bufferResource } from './source/buffer-resource.js';
export { listAll } from './source/list-all.js';
export { ChangedError, ShortReadError, StoreRefusedError, StoreUnavailableError } from './source/errors.js';
export type { ListableSource, ListedFile, ListPage, LookupOptions, RangeReader, Resource, Source, SourceObserver } from './source/types.js';
