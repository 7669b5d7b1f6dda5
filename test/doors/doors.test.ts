import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { getRequestListener } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { Hono } from 'hono';
import { createFetchHandler } from '../../src/adapters/fetch.js';
import seekable from '../../src/adapters/fastify.js';
import { seekable as koaSeekable } from '../../src/adapters/koa.js';
import { createHandler } from '../../src/serve/handler.js';
import { FileSource } from '../../src/source/file/file-source.js';
import { repo } from '../support/cli.js';
import { leakedDescriptors, startServer, waitFor } from '../support/http.js';
import { startStore } from '../support/s3.js';
import { abortDownloads, cases, check, type Door, type Fixture, makeFixture, PASSED_ON, type RunningDoor, validatorsOf } from './conformance.js';

/** A node:http listener on a loopback port, serving at `mount` ('/' or '/media/'). */
async function listening(listener: Parameters<typeof startServer>[0], mount: string, source: RunningDoor['source']): Promise<RunningDoor> {
  const server = await startServer(listener);
  return { base: `${server.url}${mount}`, source, close: () => server.close() };
}

const nodeHttp = async (root: string) => {
  const handler = createHandler(root);
  return listening((req, res) => handler(req, res), '/', handler.source);
};

const expressMiddleware = async (root: string) => {
  const handler = createHandler(root);
  const app = express();
  app.use('/media', handler);
  app.use((_req, res) => void res.status(PASSED_ON.status).set(PASSED_ON.header, PASSED_ON.value).send('passed on'));
  return listening(app, '/media/', handler.source);
};

const fastifyPlugin = async (root: string) => {
  const source = new FileSource(root); // given, not made from a path: the abort case counts its descriptors
  const app = Fastify();
  await app.register(seekable, { root: source, prefix: '/media' });
  // What the plugin does not have goes to the app's not-found handler, as Fastify's own routes do.
  app.setNotFoundHandler((_request, reply) => reply.code(404).type('text/plain; charset=utf-8').send('Not Found\n'));
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { base: `${address}/media/`, source, close: () => app.close() };
};

const koaMiddleware = async (root: string) => {
  const media = koaSeekable(root, { prefix: '/media' });
  const app = new Koa();
  app.use(media);
  app.use((ctx) => {
    ctx.status = PASSED_ON.status;
    ctx.set(PASSED_ON.header, PASSED_ON.value);
    ctx.body = 'passed on';
  });
  return listening(app.callback(), '/media/', media.source);
};

const honoOnNode = async (root: string) => {
  const handle = createFetchHandler(root, { prefix: '/media' });
  const app = new Hono();
  app.all('/media/*', (c) => handle(c.req.raw));
  return listening(getRequestListener(app.fetch), '/media/', handle.source);
};

/** createHandler over an S3Source: the folder is put in a bucket of a real S3-protocol server first. */
const nodeHttpOverS3 = async (root: string) => {
  const store = await startStore();
  await store.putFolder(root);
  const handler = createHandler(store.source());
  const door = await listening((req, res) => handler(req, res), '/', handler.source);
  return {
    ...door,
    close: async () => {
      await door.close();
      handler.source.close?.();
      await store.close();
    },
  };
};

/** A runtime from node_modules/.bin (.ci/run installs bun and deno with --no-save), or why it is absent. */
const runtime = (name: string) => {
  const bin = path.join(repo, 'node_modules/.bin', name);
  return { bin, missing: spawnSync(bin, ['--version']).status === 0 ? (false as const) : `${name} is not installed (npm install --no-save ${name})` };
};
const bun = runtime('bun');
const deno = runtime('deno');

// The examples import seekable/fetch, the compiled package: built once, by the first door that needs it.
let built: Promise<unknown> | undefined;
const build = () => (built ??= promisify(execFile)('npm', ['run', 'build'], { cwd: repo }));

/** Runs an example in another runtime with PORT=0 and MEDIA_ROOT, and serves at the URL it prints. */
const example = (command: string, args: string[]) => async (root: string) => {
  await build();
  const child = spawn(command, args, { cwd: repo, env: { ...process.env, PORT: '0', MEDIA_ROOT: root }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const [line] = (await Promise.race([once(child.stdout, 'data'), exited.then(() => assert.fail(`${command} exited before listening`))])) as [Buffer];
  return {
    base: new URL('.', line.toString().trim()).href,
    pid: child.pid,
    close: async () => {
      child.kill();
      await exited;
    },
  };
};

/** The files under `dir` that process `pid` holds open, by its descriptors in /proc (Linux). */
const descriptorsOn = (pid: number, dir: string): string[] =>
  readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      return target.startsWith(`${dir}${path.sep}`) ? [target] : [];
    } catch {
      return []; // closed between the listing and the look
    }
  });

/** Every door, one line each: the same table runs against all of them. */
const doors: Door[] = [
  { name: 'createHandler on node:http', start: nodeHttp },
  { name: 'createHandler as Express middleware', start: expressMiddleware, passesOn: true },
  { name: 'createHandler over an S3 bucket (s3rver)', start: nodeHttpOverS3 },
  { name: 'the Fetch door in Hono on @hono/node-server', start: honoOnNode },
  { name: 'the Fastify plugin', start: fastifyPlugin },
  { name: 'the Koa middleware', start: koaMiddleware, passesOn: true },
  {
    name: 'the Fetch door on Bun (examples/bun.ts)',
    start: example(bun.bin, ['examples/bun.ts']),
    skip: bun.missing,
    dropsStreamLength: 'oven-sh/bun#10507',
  },
  {
    name: 'the Fetch door on Deno (examples/deno.ts)',
    start: example(deno.bin, ['run', '-A', '--node-modules-dir=manual', 'examples/deno.ts']),
    skip: deno.missing,
  },
];

let fixture: Fixture;
before(async () => {
  fixture = await makeFixture();
});
after(() => fixture.remove());

for (const door of doors) {
  describe(door.name, { skip: door.skip }, () => {
    let running: RunningDoor;
    let validators: Awaited<ReturnType<typeof validatorsOf>>;
    before(async () => {
      running = await door.start(fixture.root);
      validators = await validatorsOf(running);
    });
    after(() => running.close());

    for (const c of cases) {
      it(c.name, () => check(running, door, c, validators, fixture));
    }

    it('downloads cut mid-body leave no descriptor open', async (t) => {
      if (running.source !== undefined) {
        await abortDownloads(running);
        assert.equal(await leakedDescriptors({ source: running.source }), 0, 'descriptors left open');
        return;
      }
      if (running.pid === undefined || process.platform !== 'linux') return t.skip('another process, and no /proc to count its descriptors in');
      const pid = running.pid;
      const root = realpathSync(fixture.root); // as /proc names them
      await abortDownloads(running);
      // Its source keeps a file open for a second after the last answer (the open-file cache), then
      // closes it: what is still open a few seconds later was never released.
      const open = await waitFor(
        () => descriptorsOn(pid, root),
        (paths) => paths.length === 0,
        8000,
      );
      assert.deepEqual(open, [], 'descriptors left open');
    });
  });
}
