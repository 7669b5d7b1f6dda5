/**
 * Content-Disposition for downloads (RFC 6266), with the file name in two forms:
 * `filename="…"`, an ASCII fallback for old clients, and `filename*=UTF-8''…` (RFC 8187) carrying the
 * exact name, sent only when the two differ. Browsers prefer filename* when both are present (§4.3).
 */
import { utf8 } from './utf8.js';

// RFC 8187 §3.2.1 attr-char: what may stand unencoded in an ext-value.
const ATTR_CHAR = /[A-Za-z0-9!#$&+\-.^_`|~]/;

function encodeExtValue(name: string): string {
  let out = '';
  for (const byte of utf8(name)) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && ATTR_CHAR.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * The ASCII fallback: printable ASCII kept, everything else (non-ASCII, controls) and the characters
 * that quoted-string escaping and some browsers treat oddly (`"`, `\`, `%`) replaced with "_".
 */
function asciiFallback(name: string): string {
  return name.replace(/[^\x20-\x7e]|["\\%]/gu, '_');
}

/** `attachment; filename="…"[; filename*=UTF-8''…]` for the last path segment of `name`. */
export function contentDisposition(name: string, type: 'attachment' | 'inline' = 'attachment'): string {
  const base = name.slice(name.lastIndexOf('/') + 1) || 'download';
  const fallback = asciiFallback(base);
  const value = `${type}; filename="${fallback}"`;
  return fallback === base ? value : `${value}; filename*=UTF-8''${encodeExtValue(base)}`;
}
