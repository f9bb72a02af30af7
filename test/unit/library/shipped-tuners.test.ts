// Shipped tuners joining a library: real tuner files, a real manifest, a real SQLite library.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodePng } from '../../../main/engine/io/image.ts';
import { Library } from '../../../main/library/library.ts';
import { registerShippedTuners } from '../../../main/library/shipped-tuners.ts';
import {
  loadShippedTunersManifest,
  SHIPPED_TUNERS_ENV_VAR,
  SOURCE_TREE_TUNERS_DIR,
  shippedTunersDir,
} from '../../../main/library/shipped-tuners-manifest.ts';
import {
  type ShippedFixture,
  sha256Of,
  writeManifest,
  writeShippedTuners,
} from './shipped-tuners-fixture.ts';
import { BASE_HASH, tempDir, writeTunerFile } from './tuner-fixture.ts';

let t: ReturnType<typeof tempDir>;
let shipped: ShippedFixture;
let dataDir: string;
const libraries: Library[] = [];

function open(): Library {
  const lib = Library.open({ dataDir });
  libraries.push(lib);
  return lib;
}

beforeEach(async () => {
  t = tempDir('scedit-shipped-');
  dataDir = join(t.dir, 'data');
  shipped = await writeShippedTuners(join(t.dir, 'tuners'));
});
afterEach(() => {
  for (const lib of libraries.splice(0)) lib.close();
  t.cleanup();
});

describe('registerShippedTuners', () => {
  it('gives a new library the shipped tuners with the manifest name, tags and notes', async () => {
    const lib = open();
    const report = await registerShippedTuners(lib, { dir: shipped.dir });
    expect(report.warnings).toEqual([]);
    expect(report.registered.map((r) => r.name)).toEqual(['Ink style', 'Canny edges (embedded model)']);
    const canny = lib.tuners.find('Canny edges (embedded model)');
    expect(canny).toMatchObject({
      kind: 'csc',
      condition: 'canny',
      tags: ['canny', 'condition', 'shipped'],
      notes: 'Follows the edges of a canny map.',
      fileHash: shipped.canny.sha256,
      baseModel: { hash: BASE_HASH },
    });
    expect(lib.tuners.find('Ink style')).toMatchObject({
      kind: 'sc',
      condition: null,
      tags: ['shipped', 'style'],
      notes: 'Black ink on paper.',
    });
    expect(lib.tuners.list({ tag: 'shipped' }).total).toBe(2);
    expect(lib.checkIntegrity().ok).toBe(true);
  });

  it('adds nothing on the second open, and a deleted shipped tuner stays deleted', async () => {
    const first = open();
    await registerShippedTuners(first, { dir: shipped.dir });
    const style = first.tuners.find('Ink style')!;
    first.deleteTuner(style.id);
    first.close();

    const second = open();
    const report = await registerShippedTuners(second, { dir: shipped.dir });
    expect(report).toMatchObject({ registered: [], alreadyPresent: [], skipped: [], warnings: [] });
    expect(second.tuners.list().items.map((x) => x.name)).toEqual(['Canny edges (embedded model)']);
    expect(second.store.has(shipped.style.sha256)).toBe(false);
  });

  it('names a changed, a truncated and a missing file in its warnings and registers the good one', async () => {
    const tampered = join(shipped.dir, shipped.style.file);
    const original = readFileSync(tampered);
    const bytes = Buffer.from(original);
    bytes[bytes.length - 1]! ^= 0xff;
    writeFileSync(tampered, bytes);
    // A file broken before it was shipped: its hash is right, its contents are not a tuner.
    await writeTunerFile(join(shipped.dir, 'depth.safetensors'), { kind: 'csc', seed: 23 });
    const whole = readFileSync(join(shipped.dir, 'depth.safetensors'));
    writeFileSync(join(shipped.dir, 'depth.safetensors'), whole.subarray(0, whole.length >> 1));
    const truncated = {
      ...shipped.canny,
      file: 'depth.safetensors',
      name: 'Depth',
      sha256: sha256Of(join(shipped.dir, 'depth.safetensors')),
    };
    const missing = { ...shipped.canny, file: 'pose.safetensors', name: 'Pose', sha256: 'e'.repeat(64) };
    writeManifest(shipped.dir, [shipped.style, truncated, missing, shipped.canny]);

    const lib = open();
    const report = await registerShippedTuners(lib, { dir: shipped.dir });
    expect(report.registered.map((r) => r.name)).toEqual(['Canny edges (embedded model)']);
    expect(report.skipped.map((s) => s.file)).toEqual([
      tampered,
      join(shipped.dir, 'depth.safetensors'),
      join(shipped.dir, 'pose.safetensors'),
    ]);
    expect(report.warnings).toHaveLength(3);
    expect(report.warnings[0]).toContain(`shipped tuner "Ink style" (${tampered}) not registered`);
    expect(report.warnings[0]).toMatch(/its sha256 is [0-9a-f]{64}, the manifest says .*changed or damaged/);
    expect(report.warnings[1]).toContain('depth.safetensors');
    expect(report.warnings[1]).toMatch(/not a usable tuner file: .*(truncated|ends|short|past the end)/i);
    expect(report.warnings[2]).toMatch(/pose\.safetensors\) not registered: the file is missing/);
    expect(lib.tuners.list().total).toBe(1);
    expect(lib.checkIntegrity()).toMatchObject({ ok: true, unreferencedFiles: [] });

    // Skipped files are not remembered as offered: once repaired, the next start registers them.
    writeFileSync(tampered, original);
    const again = await registerShippedTuners(lib, { dir: shipped.dir });
    expect(again.registered.map((r) => r.name)).toEqual(['Ink style']);
    expect(again.warnings).toHaveLength(2);
  });

  it('refuses a file whose kind or condition is not what the manifest says', async () => {
    writeManifest(shipped.dir, [
      { ...shipped.style, kind: 'csc', condition: 'pose' },
      { ...shipped.canny, condition: 'depth' },
    ]);
    const lib = open();
    const report = await registerShippedTuners(lib, { dir: shipped.dir });
    expect(report.registered).toEqual([]);
    expect(report.warnings[0]).toMatch(
      /ink-style\.safetensors\) not registered: the file is a sc tuner, the manifest says csc \(pose\)/,
    );
    expect(report.warnings[1]).toMatch(/the file is a csc \(canny\) tuner, the manifest says csc \(depth\)/);
  });

  it("starts a shipped tuner at the manifest's weight, also in a library that registered it before", async () => {
    // A library from before the manifest gave weights: the canny tuner registered without one.
    const before = open();
    await registerShippedTuners(before, { dir: shipped.dir });
    expect(before.tuners.find('Canny edges (embedded model)')?.preferredWeight).toBeNull();
    before.tuners.setPreferredWeight(before.tuners.find('Ink style')!.id, 0.8); // the artist's own
    before.close();

    writeManifest(shipped.dir, [
      { ...shipped.style, weight: 1.5 },
      { ...shipped.canny, weight: 2 },
    ]);
    const after = open();
    const report = await registerShippedTuners(after, { dir: shipped.dir });
    expect(report).toMatchObject({ registered: [], warnings: [] });
    expect(after.tuners.find('Canny edges (embedded model)')?.preferredWeight).toBe(2);
    expect(after.tuners.find('Ink style')?.preferredWeight).toBe(0.8);

    const fresh = Library.open({ dataDir: join(t.dir, 'fresh') });
    libraries.push(fresh);
    await registerShippedTuners(fresh, { dir: shipped.dir });
    expect(fresh.tuners.find('Canny edges (embedded model)')?.preferredWeight).toBe(2);
    expect(fresh.tuners.find('Ink style')?.preferredWeight).toBe(1.5);
  });

  it("gives a shipped tuner the manifest's preview picture, also in a library that registered it before; a broken one is a warning", async () => {
    // A library from before the manifest named previews: the canny tuner registered without one.
    const before = open();
    await registerShippedTuners(before, { dir: shipped.dir });
    expect(before.tuners.find('Canny edges (embedded model)')?.previews).toEqual([]);
    before.close();

    const preview = join(shipped.dir, 'canny.preview.png');
    writeFileSync(
      preview,
      await encodePng({ width: 4, height: 2, data: new Uint8ClampedArray(32).fill(200) }),
    );
    writeManifest(shipped.dir, [shipped.style, { ...shipped.canny, preview: 'canny.preview.png' }]);
    const after = open();
    const report = await registerShippedTuners(after, { dir: shipped.dir });
    expect(report).toMatchObject({ registered: [], warnings: [] });
    const [hash] = after.tuners.find('Canny edges (embedded model)')!.previews;
    expect(readFileSync(after.store.pathOf(hash!))).toEqual(readFileSync(preview));
    expect(after.tuners.find('Ink style')?.previews).toEqual([]);
    // Once is enough: a third start adds no second copy.
    await registerShippedTuners(after, { dir: shipped.dir });
    expect(after.tuners.find('Canny edges (embedded model)')!.previews).toHaveLength(1);

    // A new library with a preview that is not a PNG: the tuner registers, the warning names the file.
    writeFileSync(preview, 'not a picture');
    const fresh = Library.open({ dataDir: join(t.dir, 'fresh') });
    libraries.push(fresh);
    const broken = await registerShippedTuners(fresh, { dir: shipped.dir });
    expect(broken.registered.map((r) => r.name)).toContain('Canny edges (embedded model)');
    expect(fresh.tuners.find('Canny edges (embedded model)')?.previews).toEqual([]);
    expect(broken.warnings).toEqual([
      expect.stringMatching(
        /"Canny edges \(embedded model\)": preview .*canny\.preview\.png not used: not a PNG file/,
      ),
    ]);
    writeManifest(shipped.dir, [{ ...shipped.canny, preview: '../canny.preview.png' }]);
    await expect(loadShippedTunersManifest(shipped.dir)).rejects.toThrow(/tuners\.0\.preview/);
    writeManifest(shipped.dir, [{ ...shipped.canny, preview: 'canny.safetensors' }]);
    await expect(loadShippedTunersManifest(shipped.dir)).rejects.toThrow(
      /tuners\.0\.preview: must be a \.png file/,
    );
  });

  it('refuses a manifest weight outside (0, 4], naming the entry', async () => {
    writeManifest(shipped.dir, [{ ...shipped.canny, weight: 0 }]);
    await expect(loadShippedTunersManifest(shipped.dir)).rejects.toThrow(/tuners\.0\.weight/);
    writeManifest(shipped.dir, [{ ...shipped.canny, weight: 4.5 }]);
    await expect(loadShippedTunersManifest(shipped.dir)).rejects.toThrow(/tuners\.0\.weight/);
  });

  it('records a shipped file the artist had imported already, leaving their tuner as it was', async () => {
    const lib = open();
    const mine = await lib.importTuner(join(shipped.dir, shipped.canny.file), { name: 'my edges' });
    const report = await registerShippedTuners(lib, { dir: shipped.dir });
    expect(report.alreadyPresent).toEqual([
      { file: join(shipped.dir, shipped.canny.file), tunerId: mine.tuner.id },
    ]);
    expect(lib.tuners.require(mine.tuner.id)).toMatchObject({ name: 'my edges', tags: [] });
    // A manifest weight added later does not reach the artist's own copy either.
    writeManifest(shipped.dir, [shipped.style, { ...shipped.canny, weight: 2 }]);
    await registerShippedTuners(lib, { dir: shipped.dir });
    expect(lib.tuners.require(mine.tuner.id).preferredWeight).toBeNull();
    lib.deleteTuner(mine.tuner.id);
    expect((await registerShippedTuners(lib, { dir: shipped.dir })).registered).toEqual([]);
  });

  it('says which manifest is broken and why, and the library stays usable', async () => {
    const manifest = join(shipped.dir, 'manifest.json');
    const cases: [string, RegExp][] = [
      ['{ "format": "scedit-studio.shipped-tuners/1", "tuners": [', /not valid JSON/],
      [JSON.stringify({ format: 'scedit-studio.shipped-tuners/9', tuners: [] }), /format:/],
      [
        JSON.stringify({
          format: 'scedit-studio.shipped-tuners/1',
          tuners: [{ ...shipped.canny, condition: undefined }],
        }),
        /tuners\.0\.condition: a csc tuner needs its condition/,
      ],
      [
        JSON.stringify({
          format: 'scedit-studio.shipped-tuners/1',
          tuners: [{ ...shipped.style, file: '../x.safetensors' }],
        }),
        /tuners\.0\.file: must be a file name/,
      ],
      [
        JSON.stringify({
          format: 'scedit-studio.shipped-tuners/1',
          tuners: [{ ...shipped.canny, condition: 'sketch' }],
        }),
        /tuners\.0\.condition: Invalid option: expected one of "canny"\|"depth"\|"pose"\|"scribble"/,
      ],
      [
        JSON.stringify({ format: 'scedit-studio.shipped-tuners/1', tuners: [shipped.style, shipped.style] }),
        /same file ink-style\.safetensors as entry 0/,
      ],
      [
        JSON.stringify({
          format: 'scedit-studio.shipped-tuners/1',
          tuners: [{ ...shipped.style, sha: 'x' }],
        }),
        /tuners\.0: Unrecognized key/i,
      ],
    ];
    const lib = open();
    for (const [text, why] of cases) {
      writeFileSync(manifest, text);
      const report = await registerShippedTuners(lib, { dir: shipped.dir });
      expect(report.warnings).toHaveLength(1);
      expect(report.warnings[0]).toContain(`shipped tuners not registered: ${manifest}: `);
      expect(report.warnings[0]).toMatch(why);
      await expect(loadShippedTunersManifest(shipped.dir)).rejects.toThrow(manifest);
    }
    expect(lib.tuners.list().total).toBe(0);
    const mine = await lib.importTuner(join(shipped.dir, shipped.style.file));
    expect(lib.tuners.require(mine.tuner.id).name).toBe('ink-style');
  });

  it('takes an absent folder, an absent manifest or an empty list as no shipped tuners, silently', async () => {
    const lib = open();
    rmSync(join(shipped.dir, 'manifest.json'));
    for (const dir of [join(t.dir, 'nowhere'), shipped.dir, null]) {
      const report = await registerShippedTuners(lib, { dir });
      expect(report).toMatchObject({ dir, registered: [], skipped: [], warnings: [] });
    }
    writeManifest(shipped.dir, []);
    expect((await registerShippedTuners(lib, { dir: shipped.dir })).warnings).toEqual([]);
    expect(lib.tuners.list().total).toBe(0);
  });
});

describe('shippedTunersDir', () => {
  it('is the source tree folder, SCEDIT_TUNERS_DIR when set, and off when that is empty', () => {
    expect(SOURCE_TREE_TUNERS_DIR).toMatch(/assets[/\\]tuners$/);
    expect(shippedTunersDir({})).toBe(SOURCE_TREE_TUNERS_DIR);
    expect(shippedTunersDir({ [SHIPPED_TUNERS_ENV_VAR]: '/opt/scedit/resources/tuners' })).toBe(
      '/opt/scedit/resources/tuners',
    );
    expect(shippedTunersDir({ [SHIPPED_TUNERS_ENV_VAR]: '' })).toBeNull();
  });

  it('is what registerShippedTuners reads when no folder is given', async () => {
    const saved = process.env[SHIPPED_TUNERS_ENV_VAR];
    process.env[SHIPPED_TUNERS_ENV_VAR] = shipped.dir;
    try {
      const report = await registerShippedTuners(open());
      expect(report.dir).toBe(shipped.dir);
      expect(report.registered).toHaveLength(2);
    } finally {
      if (saved === undefined) delete process.env[SHIPPED_TUNERS_ENV_VAR];
      else process.env[SHIPPED_TUNERS_ENV_VAR] = saved;
    }
  });
});
