// A process killed (SIGKILL) in the middle of an import or a write leaves the database consistent
// and no half file visible.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Library } from '../../../main/library/library.ts';
import { tempDir, writeTunerFile } from './tuner-fixture.ts';

const child = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

function expectConsistent(lib: Library): void {
  expect(lib.db.pragma('integrity_check', { simple: true })).toBe('ok');
  expect(lib.db.pragma('foreign_key_check')).toEqual([]);
  for (const hash of lib.store.scan().hashes) {
    const bytes = readFileSync(lib.store.pathOf(hash));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(hash); // no half file under a final name
  }
  expect(lib.store.hasIncoming()).toBe(false);
}

describe('killed mid-import', () => {
  for (const point of ['copy', 'stored', 'inserting'] as const) {
    it(`at "${point}": no row, no visible file, and the import works afterwards`, async () => {
      // ~3 MB, so the copy is killed after its first MiB
      const tuner = await writeTunerFile(join(t.dir, 'big.safetensors'), { channels: [512, 512, 512] });
      const dataDir = join(t.dir, 'data');
      const run = spawnSync(process.execPath, ['--import', 'tsx', child, 'import', dataDir, tuner, point], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.signal, run.stderr).toBe('SIGKILL');
      expect(run.stdout).not.toContain('finished');
      const lib = Library.open({ dataDir });
      try {
        const report = lib.startupReport!;
        expect(report.missingFiles).toEqual([]);
        expect(report.removedTemporaries).toBe(point === 'copy' ? 1 : 0);
        // the file reached the store but no row commits it: reported, not lost silently
        expect(report.unreferencedFiles.length).toBe(point === 'copy' ? 0 : 1);
        expectConsistent(lib);
        expect(lib.tuners.list().total).toBe(0);
        expect(lib.db.prepare('SELECT count(*) FROM tuner_tags').pluck().get()).toBe(0);
        expect(lib.removeUnreferencedFiles(0).length).toBe(point === 'copy' ? 0 : 1);
        const again = await lib.importTuner(tuner, { tags: ['a'] });
        expect(again.tuner.tags).toEqual(['a']);
        expect(lib.checkIntegrity().ok).toBe(true);
      } finally {
        lib.close();
      }
    });
  }
});

describe('killed while writing generations and training progress', () => {
  it('leaves whole rows with their files and whole loss batches', async () => {
    const dataDir = join(t.dir, 'data');
    const proc = spawn(process.execPath, ['--import', 'tsx', child, 'churn', dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    proc.stderr.on('data', (d) => {
      stderr += d;
    });
    // Kill at a chosen moment: after the 25th write, while it is busy with the next ones.
    await new Promise<void>((resolve, reject) => {
      let seen = 0;
      proc.stdout.on('data', (d: Buffer) => {
        seen += (d.toString().match(/written/g) ?? []).length;
        if (seen >= 25 && !proc.killed) proc.kill('SIGKILL');
      });
      proc.on('exit', (_code, signal) =>
        signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited: ${stderr}`)),
      );
    });
    const lib = Library.open({ dataDir });
    try {
      expect(lib.startupReport!.missingFiles).toEqual([]);
      expectConsistent(lib);
      const generations = lib.generations.list({ limit: 500 });
      expect(generations.total).toBeGreaterThanOrEqual(25);
      for (const g of generations.items) expect(lib.store.has(g.imageHash)).toBe(true);
      const losses = lib.db.prepare('SELECT count(*) FROM training_losses').pluck().get() as number;
      expect(losses % 100).toBe(0);
      const run = lib.trainingRuns.list()[0]!;
      expect(run.step).toBe(losses);
      // at most one picture (stored, not yet recorded) is left over
      expect(lib.startupReport!.unreferencedFiles.length).toBeLessThanOrEqual(1);
    } finally {
      lib.close();
    }
  });
});
