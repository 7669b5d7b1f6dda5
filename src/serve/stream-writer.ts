import type { Resource } from '../source/types.js';
import type { BodyWriter, WriteOutcome } from './body-writer.js';
import { type BytesBody, sendBody } from './send-body.js';

/**
 * A plan's body as a web ReadableStream that pulls: nothing is read before the consumer asks, each
 * chunk is read when the one before it has been taken, and cancelling the stream (the client went
 * away) ends the body at its next step. `done` runs once the body is over, however it ended: the
 * caller releases the resource there.
 */
export function bodyStream(body: BytesBody, resource: Resource, done: () => void): ReadableStream<Uint8Array> {
  let writer: StreamWriter;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        writer = new StreamWriter(controller);
      },
      pull() {
        // The first pull starts the body; each later one makes room for the chunk after the last.
        if (writer.start()) {
          sendBody(body, resource, writer).then(
            () => done(),
            (err: unknown) => {
              writer.fail(err);
              done();
            },
          );
        }
      },
      cancel() {
        writer.cancel();
      },
    },
    // No chunk is read ahead of the consumer: the stream asks (pull) only when a read is waiting.
    { highWaterMark: 0 },
  );
}

/**
 * The executor's side of the stream. A web stream's consumer may keep every chunk it is given, so
 * chunks are never reused (`reusable: false`), and every write waits for the consumer's next read.
 */
class StreamWriter implements BodyWriter {
  gone = false;
  carried = 0;
  pending = 0;
  readonly reusable = false;
  private started = false;
  private room: (() => void) | undefined;

  constructor(private readonly controller: ReadableStreamDefaultController<Uint8Array>) {}

  /** True the first time: the body starts. Later: the consumer has taken what it was given. */
  start(): boolean {
    if (!this.started) {
      this.started = true;
      return true;
    }
    this.pending = 0;
    this.wake();
    return false;
  }

  write(text: readonly string[], chunk: Buffer | undefined, _free: (() => void) | undefined, last: boolean): WriteOutcome {
    // `_free` is never given: reusable is false, as a consumer may keep any chunk.
    if (this.gone) return 'full';
    for (const piece of text) this.enqueue(Buffer.from(piece));
    if (chunk !== undefined) this.enqueue(chunk);
    if (last) this.controller.close();
    return (this.controller.desiredSize ?? 0) > 0 ? 'taken' : 'full';
  }

  onRoom(callback: () => void): void {
    this.room = callback;
    if (this.gone) this.wake();
  }

  cancel(): void {
    this.gone = true;
    this.wake();
  }

  fail(err: unknown): void {
    if (this.gone) return;
    this.gone = true;
    this.controller.error(err);
  }

  private enqueue(bytes: Uint8Array): void {
    this.carried += bytes.length;
    this.pending += bytes.length;
    this.controller.enqueue(bytes);
  }

  private wake(): void {
    const room = this.room;
    this.room = undefined;
    room?.();
  }
}
