#!/usr/bin/env node
// The `scedit` command. The sources are TypeScript; tsx compiles them on the fly.
import { register } from 'tsx/esm/api';

// `scedit … | head` closes the pipe early; that is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

register();
const { main } = await import('../main/cli/index.ts');
process.exitCode = await main(process.argv.slice(2));
