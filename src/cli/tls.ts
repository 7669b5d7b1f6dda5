import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import type { TlsCredentials } from '../serve/create-server.js';
import { UsageError } from './usage-error.js';

/**
 * Reads --tls-cert and --tls-key and checks that they make a usable pair, so that a wrong path or a
 * wrong file is one line naming it (exit code 2), before anything listens.
 */
export async function loadTls(paths: { certPath: string; keyPath: string }): Promise<TlsCredentials> {
  const read = async (flag: string, file: string) => {
    try {
      return await readFile(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new UsageError(
        `cannot read ${flag} ${file} (${code === 'ENOENT' ? 'ENOENT: no such file' : code === 'EISDIR' ? 'EISDIR: a directory' : code})`,
      );
    }
  };
  const cert = await read('--tls-cert', paths.certPath);
  const key = await read('--tls-key', paths.keyPath);
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    // OpenSSL's words, e.g. "error:05800074:x509 certificate routines::key values mismatch".
    throw new UsageError(
      `--tls-cert ${paths.certPath} and --tls-key ${paths.keyPath} are not a PEM certificate and its private key (${(err as Error).message})`,
    );
  }
  return { cert, key };
}
