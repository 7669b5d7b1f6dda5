/**
 * The pixel size a JPEG declares in its start-of-frame segment (any SOFn but DHT, JPG and DAC), or
 * undefined when the bytes are not a JPEG with one.
 */
export function jpegSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  for (let pos = 2; pos + 9 < bytes.length; ) {
    if (bytes[pos] !== 0xff) return undefined;
    const marker = bytes[pos + 1]!;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: bytes.readUInt16BE(pos + 5), width: bytes.readUInt16BE(pos + 7) };
    }
    pos += 2 + bytes.readUInt16BE(pos + 2);
  }
  return undefined;
}
