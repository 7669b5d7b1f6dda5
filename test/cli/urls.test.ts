import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { NetworkInterfaceInfo } from 'node:os';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isEveryInterface, servingUrls } from '../../src/cli/urls.js';
import { startCli } from '../support/cli.js';
import { request } from '../support/http.js';

const address = (family: 'IPv4' | 'IPv6', address: string, internal = false) =>
  ({ family, address, internal, netmask: '', mac: '', cidr: null, ...(family === 'IPv6' ? { scopeid: 0 } : {}) }) as NetworkInterfaceInfo;

/** A laptop on Wi-Fi and a docker bridge, with loopback and link-local addresses that no phone can use. */
const interfaces = {
  lo: [address('IPv4', '127.0.0.1', true), address('IPv6', '::1', true)],
  wlan0: [address('IPv6', 'fe80::1c2d:3e4f:5a6b:7c8d'), address('IPv6', '2001:db8::42'), address('IPv4', '192.168.1.20')],
  docker0: [address('IPv4', '172.17.0.1')],
};

describe('servingUrls', () => {
  it('a specific host: its one URL, IPv6 in brackets', () => {
    assert.deepEqual(servingUrls('127.0.0.1', 8080, interfaces), ['http://127.0.0.1:8080/']);
    assert.deepEqual(servingUrls('localhost', 8080, interfaces), ['http://localhost:8080/']);
    assert.deepEqual(servingUrls('::1', 8080, interfaces), ['http://[::1]:8080/']);
  });

  it('0.0.0.0: loopback, then every external IPv4 address (IPv6 cannot reach an IPv4 wildcard)', () => {
    assert.deepEqual(servingUrls('0.0.0.0', 8080, interfaces), ['http://127.0.0.1:8080/', 'http://192.168.1.20:8080/', 'http://172.17.0.1:8080/']);
  });

  it(':: : loopback, IPv4 addresses first, then global IPv6 ones in brackets; no link-local', () => {
    assert.deepEqual(servingUrls('::', 8080, interfaces), [
      'http://127.0.0.1:8080/',
      'http://192.168.1.20:8080/',
      'http://172.17.0.1:8080/',
      'http://[2001:db8::42]:8080/',
    ]);
  });

  it('a machine with no network: the loopback URL alone', () => {
    assert.deepEqual(servingUrls('0.0.0.0', 80, { lo: interfaces.lo }), ['http://127.0.0.1:80/']);
  });

  it('knows the wildcard in its spellings', () => {
    for (const host of ['0.0.0.0', '::', '::0', '0:0:0:0:0:0:0:0']) assert.equal(isEveryInterface(host), true, host);
    for (const host of ['127.0.0.1', '::1', 'localhost', '0.0.0.1', 'example.org']) assert.equal(isEveryInterface(host), false, host);
  });
});

describe('seekable serve --host 0.0.0.0', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'seekable-urls-'));
    await writeFile(path.join(dir, 'a.mp4'), 'bytes');
  });
  after(() => rm(dir, { recursive: true }));

  it('prints a URL per address, the loopback one first, and the loopback one works', async () => {
    const p = startCli(['serve', dir, '--host', '0.0.0.0', '--port', '0', '--cache-dir', path.join(dir, '.cache'), '--quiet']);
    try {
      const [message, , port] = await p.waitForStderr(
        /^seekable: serving .* on every interface, at:\n {2}(http:\/\/127\.0\.0\.1:(\d+)\/)\n((?: {2}http:\/\/\S+\n)*)/m,
      );
      assert.doesNotMatch(message, /0\.0\.0\.0/);
      for (const url of message.split('\n').slice(1, -1)) {
        assert.match(url, new RegExp(`^ {2}http://(\\d+\\.\\d+\\.\\d+\\.\\d+):${port}/$`)); // IPv4 only for an IPv4 wildcard
      }
      // Requests go to the loopback address only.
      assert.equal((await request(`http://127.0.0.1:${port}/healthz`)).status, 200);
    } finally {
      p.child.kill('SIGTERM');
    }
    assert.equal(await p.exited, 0);
  });
});
