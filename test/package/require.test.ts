import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { repo } from '../support/cli.js';

const run = promisify(execFile);

/**
 * The built package, as a CommonJS project (what `npm init -y` makes) sees it: node_modules/seekable
 * links to this repository, so Node resolves it through package.json's `exports`, as after an install.
 */
describe('the package from a CommonJS project', () => {
  let project: string;
  // Plain node, not this test's tsx loader: a user's project has none.
  const env = { ...process.env, NODE_OPTIONS: '' };
  const node = (...args: string[]) => run(process.execPath, args, { cwd: project, env });

  before(async () => {
    await run('npm', ['run', 'build'], { cwd: repo });
    project = await mkdtemp(path.join(tmpdir(), 'seekable-consumer-'));
    await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', main: 'index.js' }));
    await mkdir(path.join(project, 'node_modules'));
    await symlink(repo, path.join(project, 'node_modules/seekable'), 'dir');
  });
  after(() => rm(project, { recursive: true }));

  // Each entry point and a function it must export.
  const entries = [
    ['seekable', 'createHandler'],
    ['seekable/app', 'createApp'],
    ['seekable/engine', 'decide'],
    ['seekable/metrics', 'createMetrics'],
  ] as const;

  // Node 20.19+ and 22.12+ load an ES module through require(); older ones cannot, whatever exports says.
  const noRequireEsm = !process.features.require_module && 'this Node cannot require() an ES module';
  for (const [entry, name] of entries) {
    it(`require('${entry}').${name} is a function`, { skip: noRequireEsm }, async () => {
      const { stdout, stderr } = await node('-e', `console.log(typeof require('${entry}').${name})`);
      assert.equal(stdout, 'function\n');
      assert.equal(stderr, ''); // no warning either
    });

    it(`import('${entry}') gives ${name}, from CommonJS and from a module`, async () => {
      const fromCommonJs = await node('-e', `import('${entry}').then((m) => console.log(typeof m.${name}))`);
      assert.equal(fromCommonJs.stdout, 'function\n');
      const fromModule = await node('--input-type=module', '-e', `import { ${name} } from '${entry}'; console.log(typeof ${name})`);
      assert.equal(fromModule.stdout, 'function\n');
    });
  }
});
