/** Where an `s3://bucket/prefix` argument points. */
export interface S3Location {
  bucket: string;
  /** '' or a key prefix ending in '/'. */
  prefix: string;
}

/**
 * Reads `s3://<bucket>[/<prefix>]`; undefined when the text is not an s3:// URL at all, and a
 * TypeError when it is one with a bucket name no store accepts (3 to 63 lower-case letters, digits,
 * dots and hyphens, the rule AWS and the S3-compatible stores share), so a typo is named at once
 * instead of failing at the first request.
 */
export function parseS3Url(text: string): S3Location | undefined {
  if (!text.startsWith('s3://')) return undefined;
  const rest = text.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new TypeError(`'${bucket}' is not a bucket name (3-63 of a-z, 0-9, "." and "-")`);
  const path = slash < 0 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '');
  return { bucket, prefix: path === '' ? '' : `${path}/` };
}
