import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function scedit(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['bin/scedit.mjs', ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
}

describe('scedit info', () => {
  it('names the chosen backend and why the others were not used', () => {
    const run = scedit(['info']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/backend: (tensorflow-gpu|tensorflow|wasm|cpu)/);
    expect(run.stdout).toMatch(/tensorflow-gpu: /);
    expect(run.stdout).toMatch(/cores/);
  });

  it('says whether wasm has the fused multiply-add, and SCEDIT_RELAXED_SIMD=0 turns it off', () => {
    const on = JSON.parse(scedit(['info', '--json'], { SCEDIT_BACKEND: 'wasm' }).stdout);
    // Node 20 has relaxed SIMD behind a V8 flag, which the engine sets; Electron ships it.
    expect(on.backend.fusedMultiplyAdd).toBe(true);
    const off = JSON.parse(
      scedit(['info', '--json'], { SCEDIT_BACKEND: 'wasm', SCEDIT_RELAXED_SIMD: '0' }).stdout,
    );
    expect(off.backend.fusedMultiplyAdd).toBe(false);
    expect(scedit(['info'], { SCEDIT_BACKEND: 'wasm' }).stdout).toMatch(
      /fused multiply-add \(relaxed SIMD\): yes/,
    );
  });

  it('honours SCEDIT_BACKEND', () => {
    const run = scedit(['info', '--json'], { SCEDIT_BACKEND: 'cpu' });
    expect(run.status, run.stderr).toBe(0);
    const info = JSON.parse(run.stdout);
    expect(info.backend.chosen).toBe('cpu');
    expect(info.backend.source).toBe('env');
  });

  it('refuses an unknown backend with a readable message and exit code 1', () => {
    const run = scedit(['info'], { SCEDIT_BACKEND: 'quantum' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/Unknown backend "quantum"/);
  });

  it('prints help and rejects unknown commands with exit code 2', () => {
    expect(scedit(['--help']).stdout).toMatch(/usage: scedit <command>/);
    const bad = scedit(['frobnicate']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown command "frobnicate"/);
  });
});
