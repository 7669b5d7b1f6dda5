/**
 * Writes objects straight into s3rver's directory, in the layout of its filesystem store
 * (node_modules/s3rver/lib/stores/filesystem.js): for key "a/b.mp4" of bucket B, the files
 * `B/a/b.mp4._S3rver_object` (the bytes), `…_object.md5` (their MD5 in hex: the ETag) and
 * `…_metadata.json` (Content-Type). Putting thousands of objects through PutObject takes s3rver
 * minutes; this takes a second, and hard links make 10,000 objects cost one file's disk space.
 */
import { createHash } from 'node:crypto';
import { linkSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const OBJECT = 'object';
const MD5 = 'object.md5';
const METADATA = 'metadata.json';

/** The path of one of an object's files (s3rver's getResourcePath, on a platform that needs no escaping). */
function resourcePath(root: string, bucket: string, key: string, resource: string): string {
  const parts = key.split('/');
  const name = parts.pop()!;
  return path.join(root, bucket, ...parts, `${name}._S3rver_${resource}`);
}

/** Writes one object with its ETag (MD5) and type, as PutObject would have left it. */
export function writeObject(root: string, bucket: string, key: string, bytes: Buffer, contentType: string): void {
  const objectPath = resourcePath(root, bucket, key, OBJECT);
  mkdirSync(path.dirname(objectPath), { recursive: true });
  writeFileSync(objectPath, bytes);
  writeFileSync(resourcePath(root, bucket, key, MD5), createHash('md5').update(bytes).digest('hex'));
  writeFileSync(resourcePath(root, bucket, key, METADATA), JSON.stringify({ 'content-type': contentType }));
}

/** Makes `key` a copy of `source` (same bytes, ETag and type) out of hard links to its files. */
export function linkObject(root: string, bucket: string, source: string, key: string): void {
  const objectPath = resourcePath(root, bucket, key, OBJECT);
  mkdirSync(path.dirname(objectPath), { recursive: true });
  for (const resource of [OBJECT, MD5, METADATA]) {
    linkSync(resourcePath(root, bucket, source, resource), resourcePath(root, bucket, key, resource));
  }
}
