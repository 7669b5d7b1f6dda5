#!/usr/bin/env node
import cluster from 'node:cluster';
import { FASTSTART_USAGE, parseFaststartArgs, runFaststart } from './cli/faststart.js';
import { parseCommandLine, USAGE } from './cli/options.js';
import { PROBE_USAGE, parseProbeArgs, runProbe } from './cli/probe.js';
import { signedLink } from './cli/sign.js';
import { HELP_POINTER, UsageError } from './cli/usage-error.js';

async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'faststart') {
    const config = parseFaststartArgs(argv.slice(1));
    if (config === 'help') console.log(FASTSTART_USAGE);
    else process.exitCode = await runFaststart(config, process.stderr);
    return;
  }
  if (argv[0] === 'probe') {
    const probe = parseProbeArgs(argv.slice(1));
    if (probe === 'help') console.log(PROBE_USAGE);
    else process.exitCode = await runProbe(probe, { stdout: process.stdout, stderr: process.stderr });
    return;
  }
  const config = parseCommandLine(argv, process.env);
  if (config === 'help') console.log(USAGE);
  else if (config.command === 'sign') console.log(signedLink(config));
  else {
    // Loaded only to serve: the other commands stay small (faststart's memory is measured).
    const { serve, servePrimary } = await import('./cli/serve.js');
    if (config.workers > 1 && cluster.isPrimary) await servePrimary(config);
    else await serve(config);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  // Usage errors and start-up failures alike: one line naming the problem, no stack trace.
  console.error(`seekable: ${err instanceof Error ? err.message : String(err)}`);
  if (err instanceof UsageError && err.pointToHelp) console.error(HELP_POINTER);
  process.exit(2);
});
