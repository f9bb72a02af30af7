#!/usr/bin/env node
// `npm run web`: build the renderer for the browser, then serve the studio on 127.0.0.1.
import { spawnSync } from 'node:child_process';

const build = spawnSync(
  process.execPath,
  ['node_modules/vite/bin/vite.js', 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'],
  {
    stdio: 'inherit',
  },
);
if (build.status !== 0) process.exit(build.status ?? 1);
const serve = spawnSync(process.execPath, ['bin/scedit.mjs', 'serve', ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(serve.status ?? 0);
