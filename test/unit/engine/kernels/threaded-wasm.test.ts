// The multithreaded wasm build, started in a child process of its own (one wasm module per
// process): it must report its threads, compute what the cpu backend computes, and let the
// process exit on its own.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

const child = fileURLToPath(new URL('./threaded-wasm-child.ts', import.meta.url));

function runChild(
  threads: string,
): Promise<{ threads: number; reason: string; err: number; helperJobs: number; xnnpackThreads: number }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', child],
      {
        cwd: root,
        env: { ...process.env, SCEDIT_BACKEND: 'wasm', SCEDIT_WASM_THREADS: threads },
        timeout: 90_000,
      },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`child failed: ${stderr.slice(-2000)}`));
        const line = stdout.trim().split('\n').pop() ?? '';
        resolve(JSON.parse(line));
      },
    );
  });
}

describe('the multithreaded wasm build', () => {
  it('runs on 2 threads, matches the cpu backend and lets the process exit', async () => {
    const result = await runChild('2');
    expect(result.threads).toBe(2);
    expect(result.reason).toMatch(/2 threads/);
    expect(result.err).toBeLessThanOrEqual(1e-5);
    // Our matrix product split its rows with a helper thread on the shared heap.
    expect(result.helperJobs).toBeGreaterThan(0);
    // XNNPACK's pool stays at one thread: its spinning workers would take our helper's core.
    expect(result.xnnpackThreads).toBe(1);
  });
});
