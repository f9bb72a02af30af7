// The trainer (another process, its own connection) writes progress as fast as it can while the
// UI's connection reads and edits: no "database is locked" (SQLITE_BUSY) on either side.
import { spawn } from 'node:child_process';
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

describe('trainer writes while the UI reads', () => {
  it('two processes, two connections, no SQLITE_BUSY, readers always see committed state', async () => {
    const dataDir = join(t.dir, 'data');
    const ui = Library.open({ dataDir });
    try {
      const { tuner } = await ui.importTuner(await writeTunerFile(join(t.dir, 'a.safetensors')));
      const run = ui.trainingRuns.create({ name: 'cats', kind: 'sc', totalSteps: 1_000_000 });
      const trainer = spawn(
        process.execPath,
        ['--import', 'tsx', child, 'trainer', dataDir, String(run), '2500'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      let err = '';
      trainer.stdout.on('data', (d) => {
        out += d;
      });
      trainer.stderr.on('data', (d) => {
        err += d;
      });
      const exited = new Promise<number | null>((resolve) => trainer.on('exit', (code) => resolve(code)));
      let done = false;
      void exited.then(() => {
        done = true;
      });
      let reads = 0;
      let writes = 0;
      let lastStep = 0;
      const errors: string[] = [];
      while (!done) {
        try {
          const { r, losses } = ui.snapshot(() => {
            const r = ui.trainingRuns.get(run)!;
            return { r, losses: ui.trainingRuns.losses(run, Math.max(0, r.step - 20)) };
          });
          expect(r.step).toBeGreaterThanOrEqual(lastStep); // progress never goes backwards
          lastStep = r.step;
          // one snapshot: the step and its loss were committed together
          if (r.status === 'running') expect(losses.at(-1)?.step ?? 0).toBe(r.step);
          ui.tuners.list({ search: 'a' });
          reads++;
          if (reads % 20 === 0) {
            ui.tuners.setNotes(tuner.id, `edited ${reads}`); // the UI writes too
            writes++;
          }
        } catch (e) {
          errors.push((e as Error).message);
          if (errors.length > 5) break;
        }
        await new Promise((r) => setImmediate(r));
      }
      expect(await exited, err).toBe(0);
      expect(errors).toEqual([]);
      const { steps } = JSON.parse(out) as { steps: number };
      expect(steps).toBeGreaterThan(50);
      expect(reads).toBeGreaterThan(50);
      expect(writes).toBeGreaterThan(2);
      const final = ui.trainingRuns.get(run)!;
      expect(final.status).toBe('completed');
      expect(ui.trainingRuns.losses(run).length).toBe(steps);
    } finally {
      ui.close();
    }
  });

  it('a reader on a second connection sees the last commit while a write transaction is open', () => {
    const dataDir = join(t.dir, 'data');
    const a = Library.open({ dataDir });
    const b = Library.open({ dataDir, checkIntegrity: false });
    try {
      const run = a.trainingRuns.create({ name: 'r', kind: 'sc', totalSteps: 10 });
      a.db.exec('BEGIN IMMEDIATE');
      a.db.prepare('UPDATE training_runs SET step = 5 WHERE id = ?').run(run);
      expect(b.trainingRuns.get(run)!.step).toBe(0); // not blocked, not dirty
      a.db.exec('COMMIT');
      expect(b.trainingRuns.get(run)!.step).toBe(5);
    } finally {
      a.close();
      b.close();
    }
  });
});
