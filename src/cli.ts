#!/usr/bin/env node
import cluster from 'node:cluster';
import { parseCommandLine, USAGE } from './cli/options.js';
import { serve, servePrimary } from './cli/serve.js';
import { signedLink } from './cli/sign.js';
import { HELP_POINTER, UsageError } from './cli/usage-error.js';

async function main(argv: string[]): Promise<void> {
  const config = parseCommandLine(argv, process.env);
  if (config === 'help') console.log(USAGE);
  else if (config.command === 'sign') console.log(signedLink(config));
  else if (config.workers > 1 && cluster.isPrimary) await servePrimary(config);
  else await serve(config);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  // Usage errors and start-up failures alike: one line naming the problem, no stack trace.
  console.error(`seekable: ${err instanceof Error ? err.message : String(err)}`);
  if (err instanceof UsageError && err.pointToHelp) console.error(HELP_POINTER);
  process.exit(2);
});
