import { open } from 'node:fs/promises';

/**
 * Files whose bytes encode their own offsets: each 8-byte little-endian word holds the offset it
 * starts at, so any misplaced byte in a response shows as a wrong value at a known position.
 */
export async function writeOffsetFile(path: string, size: number): Promise<void> {
  const chunk = 8 * 1024 * 1024;
  const file = await open(path, 'w');
  try {
    for (let offset = 0; offset < size; offset += chunk) {
      const length = Math.min(chunk, size - offset);
      await file.write(offsetBytes(offset, length), 0, length, offset);
    }
  } finally {
    await file.close();
  }
}

/** The bytes an offset file holds at [start, start + length). */
export function offsetBytes(start: number, length: number): Buffer {
  const first = start - (start % 8);
  const words = Math.ceil((start + length - first) / 8);
  const buffer = Buffer.allocUnsafeSlow(words * 8); // own ArrayBuffer: aligned for the Uint32Array view
  const view = new Uint32Array(buffer.buffer, buffer.byteOffset, words * 2);
  for (let i = 0; i < words; i++) {
    const value = first + i * 8;
    view[2 * i] = value % 0x1_0000_0000;
    view[2 * i + 1] = Math.floor(value / 0x1_0000_0000);
  }
  return buffer.subarray(start - first, start - first + length);
}
