/** The one rule of what a key may be, for every source: a folder's and a bucket's keys alike. */

/**
 * Whether a decoded key may name a file under the root. Refused: empty keys, NUL, backslashes (a
 * separator on Windows and never part of a name we serve), absolute paths, empty, "." and ".."
 * segments, and dot-names unless allowed. Refusing instead of normalising means one file has one URL.
 */
export function isSafeKey(key: string, dotfiles = false): boolean {
  if (key === '' || key.includes('\0') || key.includes('\\')) return false;
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') return false;
    if (!dotfiles && segment.startsWith('.')) return false;
  }
  return true;
}
