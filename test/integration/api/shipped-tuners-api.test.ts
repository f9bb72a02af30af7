// The studio offers its shipped tuners to the library it opens: the first tuner list already has
// them, a deleted one stays deleted after a restart, and a broken manifest is a warning, not a
// studio that fails to start. Real studio (engine worker included), real SQLite, real tuner files.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openStudio, type Studio } from '../../../main/api/studio.ts';
import type { MethodOutput } from '../../../shared/api/methods.ts';
import { type ShippedFixture, writeShippedTuners } from '../../unit/library/shipped-tuners-fixture.ts';
import { tempDir } from '../../unit/library/tuner-fixture.ts';

let t: ReturnType<typeof tempDir>;
let shipped: ShippedFixture;
let studio: Studio | null = null;

beforeEach(async () => {
  t = tempDir('scedit-shipped-api-');
  shipped = await writeShippedTuners(join(t.dir, 'tuners'));
});
afterEach(async () => {
  await studio?.close();
  studio = null;
  vi.restoreAllMocks();
  t.cleanup();
});

const start = () => {
  studio = openStudio({ mode: 'cli', dataDir: join(t.dir, 'data'), shippedTunersDir: shipped.dir });
  return studio;
};
const list = async (s: Studio) => (await s.call('tunersList', {})) as MethodOutput<'tunersList'>;

describe('openStudio and the shipped tuners', () => {
  it('lists them on the first call, and a deleted one stays deleted after a restart', async () => {
    const first = start();
    const page = await list(first);
    expect(page.items.map((x) => [x.name, x.kind, x.condition, x.tags])).toEqual([
      ['Canny edges (embedded model)', 'csc', 'canny', ['canny', 'condition', 'shipped']],
      ['Ink style', 'sc', null, ['shipped', 'style']],
    ]);
    expect((await first.shippedTuners).registered).toHaveLength(2);
    const style = page.items.find((x) => x.name === 'Ink style')!;
    await first.call('tunersDelete', { id: style.id });
    await first.close();

    const second = start();
    expect((await second.shippedTuners).registered).toEqual([]);
    expect((await list(second)).items.map((x) => x.name)).toEqual(['Canny edges (embedded model)']);
  });

  it('starts with a broken manifest, warning which file is wrong', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    writeFileSync(join(shipped.dir, 'manifest.json'), '{"format": "scedit-studio.shipped-tuners/1"');
    const s = start();
    expect((await list(s)).total).toBe(0);
    const manifest = join(shipped.dir, 'manifest.json');
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining(`SCEdit Studio: shipped tuners not registered: ${manifest}: not valid JSON`),
    );
  });
});
