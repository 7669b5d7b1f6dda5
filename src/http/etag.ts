/** Entity tags (RFC 9110 §8.8.3): making ours, reading the client's lists, comparing. */

export interface EntityTag {
  weak: boolean;
  /** The opaque-tag with its quotes, e.g. `"abc"`. */
  opaque: string;
}

/**
 * A strong ETag from size and modification time.
 *
 * Strong because If-Range only works with strong validators (§13.1.5): a weak tag would turn every
 * resumed download and every cached-range revalidation into a restart from byte 0. Size plus mtime to
 * the microsecond changes whenever the bytes are rewritten through the filesystem; the inode is left
 * out (unlike Apache's old default) so that every node holding a copy of the same file agrees.
 * Cost: a rewrite that keeps size and mtime (touch -r) is not noticed, as with nginx and Apache.
 */
export function makeEtag(size: number, mtimeMs: number): string {
  return `"${size.toString(16)}-${Math.round(mtimeMs * 1000).toString(16)}"`;
}

function isEtagc(code: number): boolean {
  return code === 0x21 || (code >= 0x23 && code <= 0x7e) || code >= 0x80;
}

/**
 * Reads an If-Match / If-None-Match value: `'*'`, or the list of entity tags in it. Elements that are
 * not valid entity-tags are dropped (they can never match); commas inside quotes are part of the tag.
 */
export function parseEtagList(value: string): '*' | EntityTag[] {
  const v = value.trim();
  if (v === '*') return '*';
  const tags: EntityTag[] = [];
  let i = 0;
  while (i < v.length) {
    const c = v[i];
    if (c === ',' || c === ' ' || c === '\t') {
      i++;
      continue;
    }
    let weak = false;
    if (v.startsWith('W/', i)) {
      weak = true;
      i += 2;
    }
    if (v[i] !== '"') {
      // Not an entity-tag: skip to the next comma.
      const next = v.indexOf(',', i);
      i = next < 0 ? v.length : next + 1;
      continue;
    }
    let j = i + 1;
    while (j < v.length && isEtagc(v.charCodeAt(j))) j++;
    if (v[j] === '"') {
      tags.push({ weak, opaque: v.slice(i, j + 1) });
      i = j + 1;
    } else {
      const next = v.indexOf(',', j);
      i = next < 0 ? v.length : next + 1;
    }
  }
  return tags;
}

/** Parses one entity-tag (our own ETag, or an If-Range value); undefined when it is not one. */
export function parseEtag(value: string): EntityTag | undefined {
  const v = value.trim();
  const list = parseEtagList(v);
  if (list === '*' || list.length !== 1) return undefined;
  const tag = list[0]!;
  return (tag.weak ? 2 : 0) + tag.opaque.length === v.length ? tag : undefined;
}

/** §8.8.3.2 strong comparison: both strong and character-for-character equal. */
export function strongMatch(a: EntityTag, b: EntityTag): boolean {
  return !a.weak && !b.weak && a.opaque === b.opaque;
}

/** §8.8.3.2 weak comparison: equal opaque-tags, weakness ignored. */
export function weakMatch(a: EntityTag, b: EntityTag): boolean {
  return a.opaque === b.opaque;
}
