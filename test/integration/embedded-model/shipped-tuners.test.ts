// The tuners the studio ships (assets/tuners, when its manifest is there): every entry registers
// into a fresh library without a warning, with the manifest's name, kind and condition, and loads
// onto the shipped embedded model (its base model hash and skip layout match). Skipped until the
// manifest is committed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../main/engine/backend.ts';
import {
  EMBEDDED_MODEL_DIR,
  embeddedModelAvailable,
  loadDefaultModel,
} from '../../../main/engine/pipeline/default-model.ts';
import type { LatentDiffusionModel } from '../../../main/engine/pipeline/latent-diffusion-model.ts';
import { loadTuner } from '../../../main/engine/tuners/tuner-file.ts';
import { Library } from '../../../main/library/library.ts';
import { registerShippedTuners, SHIPPED_TAG } from '../../../main/library/shipped-tuners.ts';
import {
  loadShippedTunersManifest,
  SHIPPED_TUNERS_MANIFEST,
  SOURCE_TREE_TUNERS_DIR,
} from '../../../main/library/shipped-tuners-manifest.ts';
import { tempDir } from '../../unit/library/tuner-fixture.ts';

const shipped = existsSync(join(SOURCE_TREE_TUNERS_DIR, SHIPPED_TUNERS_MANIFEST));

describe.skipIf(!shipped)('the shipped tuners in assets/tuners', () => {
  let t: ReturnType<typeof tempDir>;
  let lib: Library;
  let model: LatentDiffusionModel;

  beforeAll(async () => {
    t = tempDir('scedit-shipped-assets-');
    lib = Library.open({ dataDir: join(t.dir, 'data') });
    await initBackend();
    model = await loadDefaultModel();
  });
  afterAll(() => {
    model?.dispose();
    lib?.close();
    t?.cleanup();
  });

  it('all register without a warning, as the manifest describes them', async () => {
    const manifest = (await loadShippedTunersManifest(SOURCE_TREE_TUNERS_DIR))!;
    const report = await registerShippedTuners(lib, { dir: SOURCE_TREE_TUNERS_DIR });
    expect(report.warnings).toEqual([]);
    expect(report.registered).toHaveLength(manifest.tuners.length);
    for (const entry of manifest.tuners) {
      const tuner = lib.tuners.require(report.registered.find((r) => r.file.endsWith(entry.file))!.tunerId);
      expect(tuner).toMatchObject({ name: entry.name, kind: entry.kind, condition: entry.condition ?? null });
      expect(tuner.tags).toContain(SHIPPED_TAG);
    }
  });

  it.skipIf(!embeddedModelAvailable(EMBEDDED_MODEL_DIR))(
    'all load onto the shipped embedded model',
    async () => {
      const manifest = (await loadShippedTunersManifest(SOURCE_TREE_TUNERS_DIR))!;
      for (const entry of manifest.tuners) {
        const { tuner } = await loadTuner(join(SOURCE_TREE_TUNERS_DIR, entry.file), {
          baseModel: { id: model.id, hash: model.hash },
          layout: { skips: model.unet.skipInfo },
        });
        tuner.dispose();
      }
    },
  );
});
