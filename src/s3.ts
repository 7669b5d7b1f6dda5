/**
 * seekable/s3: media in S3-compatible object storage (AWS S3, MinIO, Ceph RGW, Cloudflare R2,
 * Backblaze B2) as a Source, for createHandler, any door, and the app. Needs `@aws-sdk/client-s3`
 * (and `@aws-sdk/s3-request-presigner` for redirect mode and posters), loaded at the first request.
 */
export { S3Source, type S3SourceOptions, type StoreOperation } from './source/s3/s3-source.js';
export { parseS3Url, type S3Location } from './source/s3/s3-url.js';
export { StoreRefusedError, StoreUnavailableError } from './source/errors.js';
