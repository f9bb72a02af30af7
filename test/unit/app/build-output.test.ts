// The production build (electron-vite, electron.config.ts) must carry every file the main process
// loads from disk beside its bundles, not only what the bundler follows through imports.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('npm run build', () => {
  it('puts the wasm thread bootstrap next to the engine worker bundle', () => {
    execFileSync(
      process.execPath,
      ['node_modules/electron-vite/bin/electron-vite.js', 'build', '--config', 'electron.config.ts'],
      {
        stdio: 'pipe',
      },
    );
    expect(existsSync('out/main/engine-worker.js')).toBe(true);
    const built = 'out/main/pthread-worker.cjs';
    expect(existsSync(built)).toBe(true);
    expect(readFileSync(built, 'utf8')).toBe(
      readFileSync('main/engine/kernels/wasm/threads/pthread-worker.cjs', 'utf8'),
    );
    // The bundle looks for it relative to itself.
    expect(readFileSync('out/main/engine-worker.js', 'utf8')).toContain('"./pthread-worker.cjs"');
  }, 120_000);
});
