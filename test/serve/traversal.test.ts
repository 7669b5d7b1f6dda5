import assert from 'node:assert/strict';
import { link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createHandler } from '../../src/serve/handler.js';
import { rawRequest, startServer, type TestServer } from '../support/http.js';

const CANARY = 'CANARY-f6a1c0de';
const HIDDEN = 'HIDDEN-9b2e';

describe('path traversal never reaches a byte outside the root', () => {
  let base: string;
  let root: string;
  let server: TestServer;
  const logs: string[] = [];

  before(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'seekable-jail-'));
    root = path.join(base, 'root');
    await mkdir(path.join(root, 'sub'), { recursive: true });
    await mkdir(path.join(root, '.git'));
    await writeFile(path.join(base, 'secret.txt'), CANARY);
    await writeFile(path.join(root, 'ok.mp4'), 'fine');
    await writeFile(path.join(root, 'sub', 'ok.mp4'), 'fine too');
    await writeFile(path.join(root, '.hidden.mp4'), HIDDEN);
    await writeFile(path.join(root, '.git', 'config'), HIDDEN);
    await symlink(path.join(base, 'secret.txt'), path.join(root, 'link.txt'));
    await symlink(base, path.join(root, 'uplink'));
    await symlink('../secret.txt', path.join(root, 'relative-link.txt'));
    await symlink(path.join(root, '.hidden.mp4'), path.join(root, 'to-hidden.mp4'));
    await symlink(path.join(root, 'ok.mp4'), path.join(root, 'inside-link.mp4'));
    await link(path.join(base, 'secret.txt'), path.join(root, 'hardlink.txt'));
    // The root is served through a symlink to it, as with a library on a mounted drive.
    await symlink(root, path.join(base, 'root-link'));
    server = await startServer(createHandler(path.join(base, 'root-link'), { log: (l) => logs.push(l), hardLinks: false }));
  });
  after(async () => {
    await server.close();
    await rm(base, { recursive: true });
  });

  const get = (target: string) => rawRequest(server.port, Buffer.from(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 'latin1'));

  const attempts = () => [
    '/../secret.txt',
    '/sub/../../secret.txt',
    '/..%2fsecret.txt',
    '/%2e%2e/secret.txt',
    '/%2e%2e%2fsecret.txt',
    '/%2E%2E%2Fsecret.txt',
    '/sub/%2e%2e/%2e%2e/secret.txt',
    '/%252e%252e/secret.txt', // double-encoded: decoded once it is "%2e%2e", a name that does not exist
    '/%252e%252e%252fsecret.txt',
    '/..\\secret.txt',
    '/..%5csecret.txt',
    '/sub%5c..%5c..%5csecret.txt',
    '/secret.txt%00.mp4',
    '/ok.mp4%00',
    '/%00',
    `/${path.join(base, 'secret.txt')}`, // "//tmp/…": absolute after the leading slash
    `/${encodeURIComponent(path.join(base, 'secret.txt'))}`,
    '/%c0%ae%c0%ae/secret.txt', // overlong UTF-8 dots
    '/%e0%80%ae%e0%80%ae/secret.txt',
    '/%', // malformed encoding
    '/link.txt',
    '/relative-link.txt',
    '/uplink/secret.txt',
    '/.hidden.mp4',
    '/%2ehidden.mp4',
    '/.git/config',
    '/%2egit/config',
    '/to-hidden.mp4',
    '/sub/./../.hidden.mp4',
    '/./ok.mp4',
    '/sub//ok.mp4',
    'http://x/../secret.txt', // absolute-form: the same rules once scheme and host are dropped
    'http://x/%2e%2e/secret.txt',
    'http://x/.hidden.mp4',
    `http://x/${path.join(base, 'secret.txt')}`,
    '/',
    '/sub',
    `/${'a/'.repeat(2000)}x.mp4`, // longer than PATH_MAX
    `/${'b'.repeat(300)}.mp4`, // longer than NAME_MAX
    '/hardlink.txt', // the canary itself under a second name (refused with hardLinks: false)
    '/C:/secret.txt', // Windows drive and UNC forms
    '/C:%5csecret.txt',
    '/c:\\secret.txt',
    '/%5c%5cserver%5cshare%5csecret.txt',
    '/\\\\server\\share\\secret.txt',
    '/.HIDDEN.MP4', // case tricks: still a dot name, and Linux names are case-sensitive
    '/.Git/config',
    '/OK.MP4',
    '/%2E%2Fsecret.txt',
    '/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd',
    `/${'../'.repeat(40)}etc/passwd`,
    `/${'%2e%2e%2f'.repeat(40)}etc/passwd`,
    '/sub/..%2f..%2fsecret.txt',
    '/sub%2f..%2f..%2fsecret.txt',
    '/%2fetc%2fpasswd',
    '/%252fetc%252fpasswd',
    '/file:%2f%2f%2fetc%2fpasswd',
    '/ok.mp4/../../secret.txt',
    '/ok.mp4%2f..%2f..%2fsecret.txt',
    '/uplink/secret.txt%00',
    '/uplink%2fsecret.txt',
    '/%2e/%2e%2e/secret.txt',
    '/.%2e/secret.txt',
    '/%2e./secret.txt',
    '/...//secret.txt',
    '/..../secret.txt',
    '/.../.../secret.txt',
  ];

  /** Dot-segment spellings × separator spellings × depths: the generated part of the corpus. */
  const generated = () => {
    const dots = ['..', '%2e%2e', '%2E%2E', '.%2e', '%2e.', '%252e%252e', '%c0%ae%c0%ae', '%e0%80%ae%e0%80%ae', '..%00', '%uff0e%uff0e', '..;'];
    const seps = ['/', '%2f', '%2F', '\\', '%5c', '%5C', '%255c', '%c0%af', '//', '/./'];
    const out: string[] = [];
    for (const dot of dots) for (const sep of seps) for (const depth of [1, 3]) out.push(`/${`${dot}${sep}`.repeat(depth)}secret.txt`);
    return out;
  };

  it('each of 250+ attempts gets a plain 404 (or the HTTP parser refuses it with 400), never the canary', async () => {
    const outcomes: string[] = [];
    const corpus = [...attempts(), ...generated()];
    assert.ok(corpus.length >= 250, `${corpus.length} attempts`);
    for (const target of corpus) {
      const reply = await get(target);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1]);
      assert.ok(!reply.includes(CANARY), `canary leaked for ${target}`);
      assert.ok(!reply.includes(HIDDEN), `hidden file leaked for ${target}`);
      assert.ok(!reply.includes(base), `a path outside the root appeared for ${target}`);
      assert.ok(status === 404 || status === 400, `${target} answered ${status}`);
      outcomes.push(`${status} ${target.slice(0, 40)}`);
    }
    // Node's parser refuses only malformed request lines; everything else must reach the jail.
    const refusedByParser = outcomes.filter((o) => o.startsWith('400'));
    assert.ok(refusedByParser.length <= 30, refusedByParser.join('\n'));
    console.log(
      `# traversal corpus: ${corpus.length} attempts, ${outcomes.length - refusedByParser.length} answered 404 by the jail, ${refusedByParser.length} refused 400 by the HTTP parser`,
    );
    assert.deepEqual(logs, []);
  });

  it('what is inside the root is still served, through links too', async () => {
    // "/uplink/root/ok.mp4" leaves the root through a link and comes back: its real path is inside.
    const targets = [
      '/ok.mp4',
      '/sub/ok.mp4',
      '/inside-link.mp4',
      '/sub%2fok.mp4',
      '/uplink/root/ok.mp4',
      'http://x/ok.mp4',
      'HTTP://x:80/sub/ok.mp4',
    ];
    for (const target of targets) {
      const reply = await get(target);
      assert.match(reply, /^HTTP\/1\.1 200/, target);
    }
  });

  it('hard links are served by default (they are files in the root), refused with hardLinks: false', async () => {
    const open = await startServer(createHandler(root));
    try {
      const reply = await rawRequest(open.port, 'GET /hardlink.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      assert.match(reply, /^HTTP\/1\.1 200/);
    } finally {
      await open.close();
    }
    assert.match(await get('/hardlink.txt'), /^HTTP\/1\.1 404/);
  });

  it('dotfiles are served only when allowed', async () => {
    const open = await startServer(createHandler(root, { dotfiles: true }));
    try {
      const reply = await rawRequest(open.port, 'GET /.hidden.mp4 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      assert.match(reply, /^HTTP\/1\.1 200/);
      assert.ok(reply.includes(HIDDEN));
      const out = await rawRequest(open.port, 'GET /../secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      assert.ok(!out.includes(CANARY));
    } finally {
      await open.close();
    }
  });
});
