#!/usr/bin/env node
// `npm start`: the studio in its Electron window. Electron's binary is downloaded on first use
// (npm ci does not fetch it); without it, or without a display, the same studio is served to a
// browser by `npm run web`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const electronDir = dirname(require.resolve('electron/package.json'));

function electronBinary() {
  const pathFile = join(electronDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const bin = join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

function hasDisplay() {
  if (process.platform !== 'linux') return true;
  return Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

function runWeb(reason) {
  console.log(`${reason}\nStarting the studio in browser mode instead (npm run web).\n`);
  const child = spawn(process.execPath, ['scripts/web.mjs', ...process.argv.slice(2)], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
}

let bin = electronBinary();
if (!bin) {
  console.log('Electron is not downloaded yet; fetching it once (about 100 MB)...');
  const dl = spawnSync(process.execPath, [join(electronDir, 'install.js')], { stdio: 'inherit' });
  bin = dl.status === 0 ? electronBinary() : null;
}
if (!bin) {
  runWeb('Electron could not be downloaded (no internet?).');
} else if (!hasDisplay()) {
  runWeb('No display found (DISPLAY / WAYLAND_DISPLAY unset).');
} else {
  const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  const child = spawn(bin, ['.'], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
}
