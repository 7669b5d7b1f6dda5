/**
 * KeySigner signs each key's GET URL from a template instead of running a command through the SDK's
 * middleware: its URLs must be the SDK's own, byte for byte, at the same signing time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as sdk from '@aws-sdk/client-s3';
import * as presigner from '@aws-sdk/s3-request-presigner';
import { KeySigner, rebuildable } from '../../src/source/s3/key-signer.js';

const KEYS = ['a.mp4', 'films/a b ü.mp4', "x!'()*+,;=&$@~#?.mp4", 'deep/er/%41.mp4', 'sp ace/ü/😀.webm', 'tab\tand%20.mkv'];
const AT = new Date('2026-11-30T02:00:00Z');

function client(options: Partial<sdk.S3ClientConfig>): sdk.S3Client {
  return new sdk.S3Client({
    region: 'eu-west-3',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...options,
  });
}

async function compare(c: sdk.S3Client, bucket: string): Promise<void> {
  const signer = await KeySigner.create(sdk, presigner, c, bucket);
  for (const key of KEYS) {
    const theirs = await presigner.getSignedUrl(c, new sdk.GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 900, signingDate: AT });
    assert.equal(await signer.url(key, 900, AT), theirs, key);
  }
  c.destroy();
}

describe('KeySigner', () => {
  it("signs what the SDK's getSignedUrl signs, path-style, for every kind of key", () =>
    compare(client({ endpoint: 'http://127.0.0.1:9000', forcePathStyle: true }), 'videos'));

  it('and virtual-hosted on AWS itself', () => compare(client({}), 'videos'));

  it('and with a session token, and checksum mode asked for (a query parameter of the request, not the signer)', () =>
    compare(
      client({
        credentials: { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token/with+chars=' },
        responseChecksumValidation: 'WHEN_SUPPORTED',
      }),
      'my.bucket-1',
    ));

  it('leaves to the SDK the URLs it cannot rebuild: SigV4a, S3 Express sessions, a key not last in the path', () => {
    const plain =
      'https://b.s3.amazonaws.com/seekable-url-template?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=A%2F20261130%2Feu-west-3%2Fs3%2Faws4_request&x-id=GetObject';
    assert.equal(rebuildable(new URL(plain)), true);
    assert.equal(rebuildable(new URL(plain.replace('AWS4-HMAC-SHA256', 'AWS4-ECDSA-P256-SHA256'))), false);
    assert.equal(rebuildable(new URL(`${plain}&X-Amz-S3session-Token=t`)), false);
    assert.equal(rebuildable(new URL(plain.replace('/seekable-url-template?', '/seekable-url-template/more?'))), false);
  });

  it('and each URL still expires as asked', async () => {
    const c = client({ endpoint: 'http://127.0.0.1:9000', forcePathStyle: true });
    const url = new URL(await (await KeySigner.create(sdk, presigner, c, 'videos')).url('a.mp4', 42));
    assert.equal(url.searchParams.get('X-Amz-Expires'), '42');
    c.destroy();
  });
});
