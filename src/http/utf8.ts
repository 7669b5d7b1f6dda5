const encoder = new TextEncoder();

/**
 * Text as UTF-8 bytes, without node's Buffer (the engine also runs behind Fetch). One encoder for the
 * whole engine: bodies and part headers are measured with it, download names percent-encoded.
 */
export const utf8 = (text: string): Uint8Array => encoder.encode(text);

/** The exact byte length of a text as UTF-8. */
export const utf8Length = (text: string): number => encoder.encode(text).length;
