// A masked condition layer through the library and back: the history's recipe and a dropped PNG
// both give the mask picture and the shape it was drawn as; pictures from another library say
// what they could not restore.
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StudioContext } from '../../../main/api/context.ts';
import { historyGet, recipeFromImage } from '../../../main/api/handlers/library-handlers.ts';
import { encodePng } from '../../../main/engine/io/image.ts';
import { Library } from '../../../main/library/library.ts';
import { BASE_HASH } from '../../unit/library/tuner-fixture.ts';

let dir: string;
let library: Library;
let studio: StudioContext;

async function png(value: number): Promise<Uint8Array> {
  return encodePng({ width: 8, height: 8, data: new Uint8ClampedArray(8 * 8 * 4).fill(value) });
}

const region = { shape: 'ellipse' as const, x: 1.5, y: 2, width: 5, height: 4, inverted: true };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'scedit-recipe-masks-'));
  library = Library.open({ dataDir: dir });
  // The handlers here read only the library.
  studio = { library } as StudioContext;
});

afterAll(() => {
  library?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a masked layer in a recipe', () => {
  let picture: Uint8Array;
  let generationId = '';

  beforeAll(async () => {
    const imageHash = await library.storeFile(await png(255), 'png');
    const maskHash = await library.storeFile(await png(128), 'png');
    const record = await library.recordGeneration({
      png: await png(40),
      recipe: {
        prompt: 'masked',
        seed: 1,
        sampler: 'euler-a',
        steps: 4,
        guidance: 7,
        width: 64,
        height: 64,
        baseModel: { name: 'tiny-sd', hash: BASE_HASH },
        conditions: [
          { kind: 'scribble', weight: 0.5, imageHash, maskHash, region, start: 0, end: 0.8 },
          { kind: 'canny', weight: 1, imageHash, maskHash },
        ],
      },
    });
    generationId = String(record.id);
    picture = await readFile(library.store.pathOf(record.imageHash));
  });

  it('comes back from the history with its mask picture and shape', async () => {
    const g = await historyGet({ id: generationId }, studio, {});
    expect(g.recipe.layers[0]).toMatchObject({ kind: 'scribble', weight: 0.5, end: 0.8, region });
    expect(g.recipe.layers[0]!.mask).not.toBeNull();
    // A recipe stored before shapes were kept has the picture only.
    expect(g.recipe.layers[1]!.mask).not.toBeNull();
    expect(g.recipe.layers[1]!.region).toBeNull();
  });

  it('comes back from the dropped PNG, its maps found in the library', async () => {
    const back = await recipeFromImage({ image: Buffer.from(picture).toString('base64') }, studio, {});
    expect(back.layers).toHaveLength(2);
    expect(back.layers[0]).toMatchObject({ kind: 'scribble', weight: 0.5, region });
    expect(back.layers[0]!.image.storePath).toMatch(/^[0-9a-f]{2}\/[0-9a-f]{64}$/);
    expect(back.warnings).toEqual([]);
  });

  it('names the layers another library cannot give back', async () => {
    const other = Library.open({ dataDir: join(dir, 'other') });
    try {
      const back = await recipeFromImage(
        { image: Buffer.from(picture).toString('base64') },
        { library: other } as StudioContext,
        {},
      );
      expect(back.prompt).toBe('masked');
      expect(back.layers).toEqual([]);
      expect(back.warnings).toEqual([
        expect.stringMatching(/layer 1 \(scribble\) was not restored: its map is not in this library/),
        expect.stringMatching(/layer 2 \(canny\) was not restored/),
      ]);
    } finally {
      other.close();
    }
  });
});
