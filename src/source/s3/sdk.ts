/**
 * The AWS SDK, loaded at the first use of an S3 source: it is an optional peer dependency (a user who
 * never touches S3 installs and loads none of its weight), so a missing one gets an error that says
 * what to install instead of a bare ERR_MODULE_NOT_FOUND.
 */
export type S3Sdk = typeof import('@aws-sdk/client-s3');
export type Presigner = typeof import('@aws-sdk/s3-request-presigner');

async function load<T>(name: string, importer: () => Promise<T>): Promise<T> {
  try {
    return await importer();
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new Error(`seekable: serving from S3 needs ${name}: npm install ${name}`, { cause: err });
  }
}

/** @aws-sdk/client-s3. */
export const loadSdk = (): Promise<S3Sdk> => load('@aws-sdk/client-s3', () => import('@aws-sdk/client-s3'));
/** @aws-sdk/s3-request-presigner, for presigned URLs (redirect mode, ffmpeg reading a poster's frame). */
export const loadPresigner = (): Promise<Presigner> => load('@aws-sdk/s3-request-presigner', () => import('@aws-sdk/s3-request-presigner'));
