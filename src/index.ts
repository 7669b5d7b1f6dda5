/** seekable: video over plain HTTP, exactly per RFC 9110. */
export * from './http/index.js';
export { createHandler, keyFromPath, sendFile, serveKey, type Handler, type HandlerOptions } from './serve/handler.js';
export { respond, type SendOptions } from './serve/send.js';
export { signQuery, verifyQuery, type SignOptions, type Verdict } from './serve/signing.js';
export { FileSource, isSafeKey, type FileSourceOptions } from './source/file-source.js';
export { openFile, ShortReadError } from './source/file-resource.js';
export type { Resource, Source } from './source/types.js';
export { createApp, type AppOptions } from './app/app.js';
