/** seekable: video over plain HTTP, exactly per RFC 9110. */
export * from './http/index.js';
export { createHandler, sendFile, type Handler, type HandlerOptions } from './serve/handler.js';
export { keyFromPath } from './serve/request-target.js';
export type { SendOptions } from './serve/responder.js';
export { signQuery, verifyQuery, type SignOptions, type Verdict } from './serve/signing.js';
export { FileSource, type FileSourceOptions } from './source/file/file-source.js';
export { isSafeKey } from './source/file/jail.js';
export { openFile } from './source/file/file-resource.js';
export { ShortReadError, ChangedError } from './source/errors.js';
export type { ListableSource, ListedFile, ListPage, LookupOptions, RangeReader, Resource, Source } from './source/types.js';
export { createApp, type App, type AppOptions } from './app/app.js';
