import { urlFor } from '../app/html.js';
import { signQuery } from '../serve/signing.js';
import type { SignConfig } from './options.js';

/** `seekable sign`: a link to one file, or the query string that opens a whole folder. */
export function signedLink(config: SignConfig): string {
  const expires = Math.floor(Date.now() / 1000) + config.ttl;
  const key = config.path.replace(/^\/+/, '').replace(/^media\//, '');
  if (config.prefix) {
    const prefix = key === '' || key.endsWith('/') ? key : `${key}/`;
    return `?${signQuery('', config.secrets[0]!, { expires, prefix })}`;
  }
  return `${config.baseUrl}${urlFor('/media/', key)}?${signQuery(key, config.secrets[0]!, { expires })}`;
}
