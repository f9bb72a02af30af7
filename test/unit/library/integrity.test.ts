import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodePng } from '../../../main/engine/io/image.ts';
import { Library } from '../../../main/library/library.ts';
import { tempDir, writeTunerFile } from './tuner-fixture.ts';

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

describe('startup integrity check', () => {
  it('flags rows whose files are missing, files nothing references, and strays', async () => {
    const dataDir = join(t.dir, 'data');
    let lib = Library.open({ dataDir });
    const { tuner } = await lib.importTuner(await writeTunerFile(join(t.dir, 'a.safetensors')));
    const png = await encodePng({ width: 2, height: 2, data: new Uint8ClampedArray(16).fill(3) });
    const preview = await lib.addPreview(tuner.id, png);
    const orphan = await lib.store.putBytes(Buffer.from('left by a crash'));
    lib.close();

    rmSync(join(dataDir, 'store', preview.slice(0, 2), preview));
    writeFileSync(join(dataDir, 'store', 'notes.txt'), 'someone put this here');
    mkdirSync(join(dataDir, 'store', '.incoming'), { recursive: true });
    writeFileSync(join(dataDir, 'store', '.incoming', '1-x.part'), 'half');

    lib = Library.open({ dataDir });
    try {
      const r = lib.startupReport!;
      expect(r.ok).toBe(false);
      expect(r.missingFiles).toEqual([{ hash: preview, usedBy: [`tuner_previews ${tuner.id}`] }]);
      expect(r.unreferencedFiles).toEqual([orphan.hash]);
      expect(r.strays).toEqual(['notes.txt']);
      expect(r.removedTemporaries).toBe(1);
      expect(r.databaseProblems).toEqual([]);
      // young unreferenced files are left alone (an import in another process may own them)
      expect(lib.removeUnreferencedFiles()).toEqual([]);
      const old = Date.now() / 1000 - 3600;
      utimesSync(lib.store.pathOf(orphan.hash), old, old);
      expect(lib.removeUnreferencedFiles()).toEqual([orphan.hash]);
      expect(lib.store.has(orphan.hash)).toBe(false);
      expect(lib.checkIntegrity().unreferencedFiles).toEqual([]);
    } finally {
      lib.close();
    }
  });

  it('refuses a data folder that is a file', () => {
    const file = join(t.dir, 'file');
    writeFileSync(file, '');
    expect(() => Library.open({ dataDir: file })).toThrow(/file: the data folder is a file/);
  });
});
