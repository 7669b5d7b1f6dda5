import type { FileHandle } from 'node:fs/promises';
import type { ByteReader } from './media-info.js';
import type { Relocation } from './mp4/relocation.js';

/** Bytes per read and write: two of these are all the copy holds, whatever the file's size. */
const BUFFER_SIZE = 2 * 1024 * 1024;

/** A ByteReader over an open file: reads by position (pread), so nothing else moves a file pointer. */
export function fileHandleReader(handle: FileHandle, size: number): ByteReader {
  return {
    size,
    async read(start, length) {
      const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - start)));
      const filled = await readFully(handle, buffer, buffer.length, start);
      return buffer.subarray(0, filled);
    },
  };
}

/** Reads until `length` bytes are in or the file ends; resolves how many came. */
async function readFully(handle: FileHandle, buffer: Buffer, length: number, position: number): Promise<number> {
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

async function writeFully(handle: FileHandle, bytes: Buffer, position: number): Promise<void> {
  for (let done = 0; done < bytes.length; ) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}

/**
 * Writes the faststart copy a relocation describes from `input` to `output` (both open, the output
 * empty): the new moov from memory, everything else copied through two fixed buffers, the read of one
 * overlapping the write of the other, so memory stays constant whatever the file's size. A buffer of
 * zeros is skipped rather than written, leaving a hole where the input most likely had one (a sparse
 * file stays sparse); the final truncate gives the output its exact size either way.
 * `onProgress` receives the bytes of output done so far.
 */
export async function writeFaststart(
  input: FileHandle,
  relocation: Relocation,
  output: FileHandle,
  onProgress: (done: number) => void = () => {},
): Promise<void> {
  const buffers = [Buffer.allocUnsafe(BUFFER_SIZE), Buffer.allocUnsafe(BUFFER_SIZE)];
  const zeros = Buffer.alloc(BUFFER_SIZE);
  let written: Promise<void> = Promise.resolve();
  let turn = 0;
  let at = 0;
  for (const segment of relocation.segments) {
    if (segment.kind === 'moov') {
      await written;
      written = writeFully(output, relocation.moov, at);
      at += segment.length;
      continue;
    }
    for (let pos = segment.start, end = segment.start + segment.length; pos < end; ) {
      const buffer = buffers[turn++ % 2]!;
      const length = Math.min(BUFFER_SIZE, end - pos);
      const got = await readFully(input, buffer, length, pos);
      if (got < length) throw new Error(`the input ended at byte ${pos + got}, before its ${end} bytes (did it shrink while being copied?)`);
      await written; // the other buffer's write: this one's turn to be written, that one's to be read into
      const chunk = buffer.subarray(0, length);
      written = chunk.equals(zeros.subarray(0, length)) ? Promise.resolve() : writeFully(output, chunk, at);
      pos += length;
      at += length;
      onProgress(at);
    }
  }
  await written;
  await output.truncate(at);
  onProgress(at);
}
