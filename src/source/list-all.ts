import type { ListableSource, ListedFile } from './types.js';

/** Every file a listable source holds under `prefix`, page after page, one page in memory at a time. */
export async function* listAll(source: ListableSource, prefix = ''): AsyncGenerator<ListedFile> {
  let cursor: string | undefined;
  do {
    const page = await source.list(prefix, { cursor });
    yield* page.files;
    cursor = page.next;
  } while (cursor !== undefined);
}
