import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** openssl makes the tests' certificates; tests that need one skip, saying why, without it. */
export const opensslMissing = spawnSync('openssl', ['version']).status === 0 ? false : 'openssl is not installed (apt-get install openssl)';

export interface TestCertificate {
  /** The folder holding cert.pem and key.pem. */
  dir: string;
  certPath: string;
  keyPath: string;
  cert: Buffer;
  key: Buffer;
}

/**
 * A fresh self-signed certificate for 127.0.0.1 (as its subjectAltName, which clients check), in a
 * temp folder of its own: clients trust it by passing `cert` as their `ca`.
 */
export async function selfSignedCertificate(): Promise<TestCertificate> {
  const dir = await mkdtemp(path.join(tmpdir(), 'seekable-tls-'));
  const certPath = path.join(dir, 'cert.pem');
  const keyPath = path.join(dir, 'key.pem');
  const made = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyPath,
      '-out',
      certPath,
    ],
    { encoding: 'utf8' },
  );
  if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr}`);
  return { dir, certPath, keyPath, cert: await readFile(certPath), key: await readFile(keyPath) };
}
