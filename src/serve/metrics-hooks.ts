import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plan } from '../http/decide.js';
import type { SourceObserver } from '../source/types.js';

/**
 * What a file answer is, as metrics count it: the whole file, one range, several ranges, or one of the
 * answers without the file's bytes that the engine gives for validators and ranges.
 */
export type ResponseKind = 'full' | 'range' | 'multipart' | '304' | '412' | '416';

/**
 * What a door tells whoever counts its work (seekable/metrics' `Metrics` is one). The doors call these
 * only when they were given hooks: without them, a request costs one check of an undefined field at
 * each point below, and nothing else.
 */
export interface MetricsHooks {
  /**
   * A request for `route`, a route class (a fixed name such as 'media' or 'library', never a path), is
   * being answered: called once, as soon as the door knows it is its own to answer; the hooks watch
   * the response to its close. `startedAt` (performance.now()): when it arrived, if not now.
   */
  request(req: IncomingMessage, res: ServerResponse, route: string, startedAt?: number): void;
  /**
   * The response's status line and headers go out now (with the first bytes of its body, if any):
   * `kind` says what a file answer is, undefined for any other answer (pages, refusals, errors).
   */
  headers(req: IncomingMessage, kind: ResponseKind | undefined): void;
  /** The body executor starts sending a body. */
  streamStarted(): void;
  /** ...and is over with it: sent, cut, or abandoned by the client. */
  streamEnded(): void;
  /** A failure that is not the client going away: answered with a 500 or 503, or cutting a body. */
  failed(err: unknown): void;
  /** What a source made by the door reports to (its caches, a store's requests). */
  readonly source: SourceObserver;
}

/** The kind of a file answer, from its plan; undefined for a status that is no file answer (404, 405). */
export function responseKind(plan: Plan): ResponseKind | undefined {
  switch (plan.status) {
    case 200:
      return 'full';
    case 206:
      return plan.headers['Content-Type']?.startsWith('multipart/byteranges') ? 'multipart' : 'range';
    case 304:
      return '304';
    case 412:
      return '412';
    case 416:
      return '416';
    default:
      return undefined;
  }
}
