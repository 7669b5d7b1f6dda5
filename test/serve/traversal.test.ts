import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
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
    server = await startServer(createHandler(root, { log: (l) => logs.push(l) }));
  });
  after(async () => {
    await server.close();
    await rm(base, { recursive: true });
  });

  const get = (target: string) =>
    rawRequest(server.port, Buffer.from(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 'latin1'));

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
  ];

  it('each attempt gets a plain 404 (or the HTTP parser refuses it with 400), never the canary', async () => {
    const outcomes: string[] = [];
    for (const target of attempts()) {
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
    assert.ok(refusedByParser.length <= 3, refusedByParser.join('\n'));
    assert.deepEqual(logs, []);
  });

  it('what is inside the root is still served, through links too', async () => {
    // "/uplink/root/ok.mp4" leaves the root through a link and comes back: its real path is inside.
    const targets = ['/ok.mp4', '/sub/ok.mp4', '/inside-link.mp4', '/sub%2fok.mp4', '/uplink/root/ok.mp4', 'http://x/ok.mp4', 'HTTP://x:80/sub/ok.mp4'];
    for (const target of targets) {
      const reply = await get(target);
      assert.match(reply, /^HTTP\/1\.1 200/, target);
    }
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
