import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { normalizeBasePath } from '../app/routes.js';
import { normalizeAccelPrefix } from '../http/accel-redirect.js';
import type { ServerLimits } from '../serve/create-server.js';
import { parseDuration } from '../serve/signing.js';
import type { S3SourceOptions } from '../source/s3/s3-source.js';
import { parseS3Url, type S3Location } from '../source/s3/s3-url.js';
import { UsageError } from './usage-error.js';

export const USAGE = `Usage:
  seekable serve <dir> [--host 127.0.0.1] [--port 8080] [--cache-dir <dir>] [--secret <s>]
                       [--tls-cert <pem> --tls-key <pem>]
  seekable serve s3://<bucket>[/<prefix>] [--s3-endpoint <url>] [--s3-region <r>] [--s3-path-style]
  seekable sign <path> [--ttl 1h] [--prefix] [--base-url http://127.0.0.1:8080] [--secret <s>]
  seekable faststart <in> <out> | <in> --in-place [--progress]   (seekable faststart --help)
  seekable probe <file|dir> [--json]      what each file holds and where it plays (probe --help)

serve: serves the videos in <dir> (or in an S3-compatible bucket) over HTTP with full range
  and conditional support:
  /                 the library page
  /watch/<path>     a player page
  /media/<path>     the file's bytes (?download=1 to download)
  /stream/<path>    what the player plays: the file, or its faststart copy made on the fly
  /api/library      the catalog as JSON
  /healthz          200 ok when the folder (or the store) can be listed
  /readyz           200 once the library is listed, 503 before it and while shutting down
  stdout carries only the access log, one JSON object per line; everything else (where it
  serves, the scan, warnings, errors) goes to stderr.

sign: prints a link to /media/<path> that works until --ttl from now, or with --prefix,
  the query string that opens every file under the folder <path> (append it to their URLs).

Options:
  --host <addr>     address to listen on (default 127.0.0.1; 0.0.0.0 or :: for every interface,
                    and then the URLs of this machine's addresses are printed)
  --port <n>        port to listen on (default 8080; 0 picks a free one)
  --base-path <path>        serve everything under this path (e.g. /videos), for a reverse proxy
                    that forwards /videos/... as it is
  --cache-dir <dir> where the catalog cache and posters are kept
                    (default $XDG_CACHE_HOME/seekable, else ~/.cache/seekable)
  --no-posters      do not make poster images with ffmpeg
  --dotfiles        also serve files and folders whose name starts with "."
  --no-hardlinks    refuse files that have other hard links (for roots others can write to)
  --workers <n|auto>        processes serving the same port (default 1; auto: one per core)
  --file-cache <time>       keep looked-up files open this long for the next requests (default 1s;
                    0 turns it off, and reads on the event loop too, as network filesystems need)
  --secret <s>      require signed links for file bytes; repeat it (or set SEEKABLE_SECRET to
                    "new,old") to accept old links while rotating; the first one signs
  --ttl <time>      how long a signed link works: 90s, 15m, 1h, 7d (default 1h)
  --tls-cert <pem>  serve HTTPS with this certificate (PEM, its chain after it): HTTP/2 for
                    browsers, HTTP/1.1 for clients that do not offer it (ALPN); needs --tls-key
  --tls-key <pem>   the certificate's private key (PEM, not encrypted)
  --metrics [<host:port>]   Prometheus metrics: at /metrics on the main port, or alone, on a
                    listener of its own at <host:port> (needs the prom-client package)
  --shutdown-timeout <time> on SIGTERM or SIGINT, how long active downloads may take to finish
                    before they are cut (default 30s); /readyz answers 503 meanwhile
  --accel-redirect <prefix> let nginx send the bytes: answer allowed requests for files with
                    X-Accel-Redirect: <prefix>/<path> (see deploy/nginx/)
  --quiet           no access log (stdout stays empty)
S3 (credentials from the AWS chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ~/.aws):
  --s3-endpoint <url>       the store's URL, for stores other than AWS (MinIO, Ceph, R2, ...)
  --s3-region <region>      the bucket's region (default AWS_REGION, else us-east-1)
  --s3-path-style   address the bucket as <endpoint>/<bucket> (most self-hosted stores need it)
  --s3-redirect     answer /media/ with a 307 to a presigned URL (15 min): the store sends the bytes
  --s3-connect-timeout <time>     to connect to the store (default 3s)
  --s3-first-byte-timeout <time>  from a request to the store's answer (default 10s)
  --s3-stall-timeout <time>       a body silent this long is reopened from its next byte (default 10s)
  --s3-max-sockets <n>      connections to the store at once, kept alive; each viewer streaming
                    holds one (default 1024)
  --headers-timeout <time>  time a client has to send its request headers (default 10s)
  --idle-timeout <time>     close connections with nothing moving for this long (default 60s; 0: never)
  --max-connections <n>     refuse connections beyond this many (default 10000)
  -h, --help        this text

Through npm start, options go after "--": npm start -- --port 8081`;

export interface ServeConfig {
  command: 'serve';
  root: string;
  host: string;
  port: number;
  /** "" or "/videos": the prefix of every route and link. */
  basePath: string;
  dotfiles: boolean;
  hardLinks: boolean;
  fileCacheMs: number;
  workers: number;
  cacheDir: string | undefined;
  posters: boolean;
  secrets: string[];
  quiet: boolean;
  /** Given ones only; createMediaServer fills in the rest. */
  limits: ServerLimits;
  /** HTTPS (HTTP/2 with HTTP/1.1 fallback): the PEM files' paths, as given. */
  tls: { certPath: string; keyPath: string } | undefined;
  /** When <dir> is s3://bucket/prefix: the S3 source's options (`root` is then the URL as given). */
  s3: S3SourceOptions | undefined;
  /** `--metrics`: served on the main port (no `listen`), or on a listener of their own. */
  metrics: { listen?: { host: string; port: number } } | undefined;
  /** How long active responses may go on after SIGTERM/SIGINT before they are cut. */
  shutdownTimeoutMs: number;
  /** `--accel-redirect`: the nginx location prefix files are handed over under. */
  accelRedirect: string | undefined;
}

export interface SignConfig {
  command: 'sign';
  path: string;
  ttl: number;
  prefix: boolean;
  baseUrl: string;
  secrets: string[];
}

const OPTIONS = {
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '8080' },
  'base-path': { type: 'string', default: '' },
  dotfiles: { type: 'boolean', default: false },
  'no-hardlinks': { type: 'boolean', default: false },
  'file-cache': { type: 'string', default: '1s' },
  workers: { type: 'string', default: '1' },
  'cache-dir': { type: 'string' },
  'no-posters': { type: 'boolean', default: false },
  secret: { type: 'string', multiple: true },
  ttl: { type: 'string', default: '1h' },
  prefix: { type: 'boolean', default: false },
  'base-url': { type: 'string', default: 'http://127.0.0.1:8080' },
  quiet: { type: 'boolean', default: false },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'headers-timeout': { type: 'string', default: '10s' },
  'idle-timeout': { type: 'string', default: '60s' },
  'max-connections': { type: 'string', default: '10000' },
  metrics: { type: 'string' },
  'shutdown-timeout': { type: 'string', default: '30s' },
  'accel-redirect': { type: 'string' },
  's3-endpoint': { type: 'string' },
  's3-region': { type: 'string' },
  's3-path-style': { type: 'boolean', default: false },
  's3-redirect': { type: 'boolean', default: false },
  's3-connect-timeout': { type: 'string', default: '3s' },
  's3-first-byte-timeout': { type: 'string', default: '10s' },
  's3-stall-timeout': { type: 'string', default: '10s' },
  's3-max-sockets': { type: 'string', default: '1024' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/**
 * Finds the first flag typed wrong: unknown, missing its value, or given one it does not take.
 * Node's parser words these for programmers (and suggests `--` tricks); this names the flag instead.
 */
function checkFlags(argv: string[]): void {
  const { tokens } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    // hasOwn: `--constructor` is not an option just because every object has one.
    if (!Object.hasOwn(OPTIONS, token.name)) throw new UsageError(`unknown option '${token.rawName}'`, true);
    const takesValue = OPTIONS[token.name as keyof typeof OPTIONS].type === 'string';
    if (takesValue && token.value === undefined) throw new UsageError(`option '${token.rawName}' needs a value`, true);
    // `--port --quiet`: the next flag was taken as the value. A value starting with "-" must be
    // attached (`--secret=-x…`), as Node's strict parser requires.
    if (takesValue && !token.inlineValue && token.value!.startsWith('-')) {
      throw new UsageError(
        `option '${token.rawName}' needs a value, not '${token.value}' (to give one starting with "-", write ${token.rawName}=<value>)`,
        true,
      );
    }
    if (!takesValue && token.value !== undefined) throw new UsageError(`option '${token.rawName}' takes no value`, true);
  }
}

function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS });
  } catch (err) {
    // checkFlags has caught what it knows; whatever else the parser refuses is still the user's to fix.
    throw new UsageError((err as Error).message, true);
  }
}

/**
 * `--metrics` takes a value only when one is given (`--metrics 127.0.0.1:9100`, `--metrics=...`): a bare
 * `--metrics` is written `--metrics=` for the parser, which knows no optional values. What follows it
 * is its value only when it looks like host:port, so `--metrics <dir>` still reads <dir> as the folder.
 */
function bareMetrics(argv: string[]): string[] {
  return argv.map((arg, i) => (arg === '--metrics' && !/^\S*:\d+$/.test(argv[i + 1] ?? '') ? '--metrics=' : arg));
}

/** `--metrics`'s value: '' for the main port, else host:port ("[::1]:9100" for IPv6). */
function parseMetrics(value: string | undefined): ServeConfig['metrics'] {
  if (value === undefined) return undefined;
  if (value === '') return {};
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  const port = Number(m?.[3]);
  if (m === null || port > 65535) throw new UsageError(`--metrics takes host:port (127.0.0.1:9100, [::1]:9100) or nothing, not '${value}'`);
  return { listen: { host: m[1] ?? m[2]!, port } };
}

/** What 0 means for the durations that take it. */
const ZERO: Readonly<Record<string, string>> = {
  'idle-timeout': ' (0: never)',
  'file-cache': ' (0: never)',
  'shutdown-timeout': ' (0: cut at once)',
};

export function parseCommandLine(argv: string[], env: NodeJS.ProcessEnv): ServeConfig | SignConfig | 'help' {
  argv = bareMetrics(argv);
  checkFlags(argv);
  const { values, positionals } = parseFlags(argv);
  if (values.help) return 'help';
  const [command, target, ...rest] = positionals;
  if (command !== 'serve' && command !== 'sign') {
    throw new UsageError(command === undefined ? 'missing command: seekable serve <dir>' : `unknown command '${command}'`, true);
  }
  if (target === undefined)
    throw new UsageError(command === 'serve' ? 'missing <dir>: seekable serve <dir>' : 'missing <path>: seekable sign <path>', true);
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`, true);
  const secrets = (values.secret ?? (env.SEEKABLE_SECRET ?? '').split(',')).map((s) => s.trim()).filter(Boolean);
  if (secrets.some((s) => s.length < 16)) throw new UsageError('a secret must be at least 16 characters long');

  if (command === 'sign') {
    const ttl = parseDuration(values.ttl);
    if (ttl === undefined || ttl === 0) throw new UsageError(`--ttl must be a duration like 90s, 15m, 1h or 7d, not '${values.ttl}'`);
    if (secrets.length === 0) throw new UsageError('no secret: pass --secret or set SEEKABLE_SECRET');
    const baseUrl = values['base-url'].replace(/\/$/, '');
    if (!/^https?:\/\/[^/]+$/.test(baseUrl)) throw new UsageError(`--base-url must be like http://host:port, not '${values['base-url']}'`);
    return { command, path: target, ttl, prefix: values.prefix, baseUrl, secrets };
  }
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, not '${values.port}'`);
  const seconds = (
    flag: 'headers-timeout' | 'idle-timeout' | 'file-cache' | 'shutdown-timeout' | `s3-${'connect' | 'first-byte' | 'stall'}-timeout`,
    min: number,
  ) => {
    const value = parseDuration(values[flag]);
    if (value === undefined || value < min)
      throw new UsageError(`--${flag} must be a duration like 10s or 2m${min > 0 ? '' : (ZERO[flag] ?? '')}, not '${values[flag]}'`);
    return value * 1000;
  };
  const maxConnections = Number(values['max-connections']);
  if (!/^\d+$/.test(values['max-connections']) || maxConnections < 1) {
    throw new UsageError(`--max-connections must be a whole number above 0, not '${values['max-connections']}'`);
  }
  let basePath: string;
  try {
    basePath = normalizeBasePath(values['base-path']);
  } catch {
    throw new UsageError(`--base-path must be a path like /videos, with no "." or ".." in it, not '${values['base-path']}'`);
  }
  const workers = values.workers === 'auto' ? availableParallelism() : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
    throw new UsageError(`--workers must be a whole number from 1 to 256, or auto, not '${values.workers}'`);
  }
  const certPath = values['tls-cert'];
  const keyPath = values['tls-key'];
  if ((certPath === undefined) !== (keyPath === undefined)) {
    throw new UsageError(
      certPath === undefined ? '--tls-key needs --tls-cert (the certificate)' : '--tls-cert needs --tls-key (its private key)',
      true,
    );
  }
  const metrics = parseMetrics(values.metrics);
  if (metrics !== undefined && workers > 1) {
    throw new UsageError('--metrics counts one process: use it with --workers 1 (run one node per core behind a proxy instead)');
  }
  let accelRedirect: string | undefined;
  try {
    accelRedirect = values['accel-redirect'] === undefined ? undefined : normalizeAccelPrefix(values['accel-redirect']);
  } catch {
    throw new UsageError(`--accel-redirect must be a path like /_seekable (an nginx internal location), not '${values['accel-redirect']}'`);
  }
  const s3 = s3Options(target, values, seconds);
  return {
    command,
    root: s3 === undefined ? path.resolve(target) : target,
    workers,
    host: values.host,
    port,
    basePath,
    dotfiles: values.dotfiles,
    hardLinks: !values['no-hardlinks'],
    fileCacheMs: seconds('file-cache', 0),
    cacheDir: values['cache-dir'] === undefined ? undefined : path.resolve(values['cache-dir']),
    posters: !values['no-posters'],
    secrets,
    quiet: values.quiet,
    limits: {
      headersTimeout: seconds('headers-timeout', 1),
      idleTimeout: seconds('idle-timeout', 0),
      maxConnections,
    },
    tls: certPath === undefined || keyPath === undefined ? undefined : { certPath: path.resolve(certPath), keyPath: path.resolve(keyPath) },
    metrics,
    shutdownTimeoutMs: seconds('shutdown-timeout', 0),
    accelRedirect,
    s3,
  };
}

/** The S3 source's options when the target is an s3:// URL (undefined for a folder, where the --s3 flags are refused). */
function s3Options(
  target: string,
  values: ReturnType<typeof parseFlags>['values'],
  seconds: (flag: `s3-${'connect' | 'first-byte' | 'stall'}-timeout`, min: number) => number,
): S3SourceOptions | undefined {
  let location: S3Location | undefined;
  try {
    location = parseS3Url(target);
  } catch (err) {
    throw new UsageError(`${target}: ${(err as Error).message}`);
  }
  if (location === undefined) {
    const given = ['s3-endpoint', 's3-region', 's3-path-style', 's3-redirect'].find((flag) => values[flag as keyof typeof values]);
    if (given !== undefined) throw new UsageError(`--${given} is for s3://<bucket> targets, not a folder`, true);
    return undefined;
  }
  const endpoint = values['s3-endpoint'];
  if (endpoint !== undefined && !/^https?:\/\/[^/]+\/?$/.test(endpoint))
    throw new UsageError(`--s3-endpoint must be like http://host:port, not '${endpoint}'`);
  const maxSockets = Number(values['s3-max-sockets']);
  if (!Number.isInteger(maxSockets) || maxSockets < 1)
    throw new UsageError(`--s3-max-sockets must be a whole number above 0, not '${values['s3-max-sockets']}'`);
  return {
    ...location,
    endpoint,
    region: values['s3-region'],
    forcePathStyle: values['s3-path-style'],
    redirect: values['s3-redirect'],
    connectTimeout: seconds('s3-connect-timeout', 0.001),
    firstByteTimeout: seconds('s3-first-byte-timeout', 0.001),
    stallTimeout: seconds('s3-stall-timeout', 0.001),
    maxSockets,
  };
}
