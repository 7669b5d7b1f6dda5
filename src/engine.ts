/**
 * seekable/engine: the HTTP decisions alone, as pure functions. `decide(request, representation,
 * options)` returns a Plan (status, headers, and which byte ranges to send) without touching a file or
 * a socket; its parts (Range parsing, preconditions, ETags, HTTP dates, multipart framing) are here too.
 */
export * from './http/index.js';
