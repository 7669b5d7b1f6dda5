/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The URL path of a key under a route prefix, each segment percent-encoded. */
export function urlFor(prefix: string, key: string): string {
  return `${prefix}${key.split('/').map(encodeURIComponent).join('/')}`;
}
