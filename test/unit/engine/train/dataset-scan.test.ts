import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanTrainingFolder, TrainingDataError } from '../../../../main/engine/train/dataset-scan.ts';
import { parseSamplePrompts } from '../../../../main/engine/train/sample-prompts.ts';
import { patternImage, tempDir, writeImage, writeText } from './folders.ts';

describe('scanning a training folder', () => {
  it('reports counts, resolution spread, caption sources and every skipped file with its reason', async () => {
    const dir = await tempDir();
    await writeImage(join(dir, 'a.png'), patternImage(32, 32, 0));
    writeText(join(dir, 'a.txt'), 'a red apple\nsecond line is ignored\n');
    await writeImage(join(dir, 'b.png'), patternImage(48, 20, 1)); // odd size: kept, cropped later
    writeText(join(dir, 'b.caption'), 'striped cloth');
    await writeImage(join(dir, 'c.png'), patternImage(40, 40, 2));
    writeText(join(dir, 'c.txt'), '   \n'); // empty caption file: reported, falls through
    writeText(
      join(dir, 'metadata.jsonl'),
      `${JSON.stringify({ file_name: 'c.png', text: 'checks from metadata' })}\n`,
    );
    await writeImage(join(dir, 'blue_sky.png'), patternImage(32, 32, 3));
    await writeImage(join(dir, '000042.png'), patternImage(32, 32, 3));
    await writeImage(join(dir, 'tiny.png'), patternImage(6, 30, 0));
    writeText(
      join(dir, 'broken.png'),
      new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]),
    );
    writeText(join(dir, 'notes.gif'), 'GIF89a');
    writeText(join(dir, 'empty.jpg'), '');

    const scan = await scanTrainingFolder(dir, { minSide: 8 });
    expect(scan.layout).toBe('flat');
    const byFile = new Map(scan.images.map((i) => [i.file, i]));
    expect([...byFile.keys()].sort()).toEqual(['000042.png', 'a.png', 'b.png', 'blue_sky.png', 'c.png']);
    expect(byFile.get('a.png')).toMatchObject({ caption: 'a red apple', captionSource: 'txt', repeats: 1 });
    expect(byFile.get('b.png')).toMatchObject({
      caption: 'striped cloth',
      captionSource: 'caption',
      width: 48,
    });
    expect(byFile.get('c.png')).toMatchObject({ caption: 'checks from metadata', captionSource: 'metadata' });
    expect(byFile.get('blue_sky.png')).toMatchObject({ caption: 'blue sky', captionSource: 'filename' });
    expect(byFile.get('000042.png')).toMatchObject({ caption: '', captionSource: 'none' });
    const reasons = Object.fromEntries(scan.skipped.map((s) => [s.file, s.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['broken.png', 'empty.jpg', 'notes.gif', 'tiny.png']);
    expect(reasons['tiny.png']).toMatch(/too small \(6x30/);
    expect(reasons['broken.png']).toMatch(/corrupt|unreadable/i);
    expect(reasons['empty.jpg']).toMatch(/empty/);
    expect(reasons['notes.gif']).toMatch(/unsupported file type \(\.gif\)/);
    expect(scan.notes.join('\n')).toMatch(/c\.txt: empty caption file/);
    expect(scan.summary[0]).toMatch(/^5 usable image\(s\), 4 skipped; 5 sample\(s\) per epoch/);
    expect(scan.summary[1]).toMatch(/32–48 wide, 20–40 high; most common 32x32 \(3\)/);
    expect(scan.summary[2]).toMatch(
      /captions: 4\/5 \(80%\): 1 from \.txt files, 1 from \.caption files, 1 from metadata\.jsonl, 1 from file names/,
    );
  });

  it('reads <repeats>_<words> folders: repeats per epoch, folder words as the fallback caption', async () => {
    const dir = await tempDir();
    await writeImage(join(dir, '10_red apple', 'one.png'), patternImage(32, 32, 0));
    await writeImage(join(dir, '10_red apple', 'two.png'), patternImage(32, 32, 1));
    writeText(join(dir, '10_red apple', 'two.txt'), 'own caption');
    await writeImage(join(dir, '3_blue', 'x.png'), patternImage(32, 32, 2));
    await writeImage(join(dir, '3_blue', 'deeper', 'lost.png'), patternImage(32, 32, 2));
    await writeImage(join(dir, 'misc', 'm.png'), patternImage(32, 32, 2));
    const scan = await scanTrainingFolder(dir);
    expect(scan.layout).toBe('repeat-folders');
    expect(scan.samplesPerEpoch).toBe(23);
    const one = scan.images.find((i) => i.file.endsWith('one.png'))!;
    expect(one).toMatchObject({ caption: 'red apple', captionSource: 'folder', repeats: 10 });
    expect(scan.images.find((i) => i.file.endsWith('two.png'))!.caption).toBe('own caption');
    const reasons = Object.fromEntries(scan.skipped.map((s) => [s.file, s.reason]));
    expect(reasons['3_blue/deeper/']).toMatch(/one level too deep \(1 image/);
    expect(reasons['misc/']).toMatch(/without the <repeats>_ prefix/);
    // The folder words are what a tuner trained here answers to, in the folders' order.
    expect([...scan.folderWords].sort()).toEqual(['blue', 'red apple']);
    expect(scan.summary.at(-1)).toMatch(/^trigger words \(from the folder names\): /);
  });

  it('takes trigger words only from folders that gave images, each once', async () => {
    const dir = await tempDir();
    await writeImage(join(dir, '5_ink  wash', 'a.png'), patternImage(32, 32, 0));
    await writeImage(join(dir, '2_ink wash', 'b.png'), patternImage(32, 32, 1));
    mkdirSync(join(dir, '4_empty words'));
    await writeImage(join(dir, '3_', 'c.png'), patternImage(32, 32, 2));
    const scan = await scanTrainingFolder(dir);
    expect(scan.folderWords).toEqual(['ink wash']);
    const flat = await tempDir();
    await writeImage(join(flat, 'a.png'), patternImage(32, 32, 0));
    const plain = await scanTrainingFolder(flat);
    expect(plain.folderWords).toEqual([]);
    expect(plain.summary.join('\n')).not.toMatch(/trigger words/);
  });

  it('explains sub-folders without the N_ prefix and images one level too deep', async () => {
    const dir = await tempDir();
    await writeImage(join(dir, 'cats', 'c.png'), patternImage(32, 32, 0));
    await writeImage(join(dir, 'dogs', 'photos', 'd.png'), patternImage(32, 32, 0));
    const err = await scanTrainingFolder(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingDataError);
    const message = (err as Error).message;
    expect(message).toMatch(
      /sub-folder "cats\/" with 1 image\(s\) but without the <repeats>_ prefix \(rename it to e\.g\. "10_cats"\)/,
    );
    expect(message).toMatch(/sub-folder "dogs\/" whose 1 image\(s\) lie one or more levels deeper/);
    expect(message).toMatch(/Expected: images .* or sub-folders named <repeats>_<words>/);
  });

  it('refuses an empty folder and a folder of unusable files, creating nothing', async () => {
    const dir = await tempDir();
    await expect(scanTrainingFolder(dir)).rejects.toThrow(
      /No usable training images .*\nFound: an empty folder/,
    );
    writeText(join(dir, 'bad.png'), 'not a png');
    await expect(scanTrainingFolder(dir)).rejects.toThrow(/1 file\(s\) skipped\.\nbad\.png: not a PNG/);
    expect(readdirSync(dir)).toEqual(['bad.png']);
    await expect(scanTrainingFolder(join(dir, 'missing'))).rejects.toThrow(/no such folder/);
  });

  it('reads a built dataset: its train/ split, metadata captions and paired condition maps', async () => {
    const dir = await tempDir();
    writeText(join(dir, 'dataset.json'), '{}');
    const train = join(dir, 'train');
    for (const stem of ['000000', '000001']) {
      await writeImage(join(train, `${stem}.png`), patternImage(32, 32, 1));
      await writeImage(join(train, 'conditions', 'depth', `${stem}.png`), patternImage(32, 32, 3));
      writeText(
        join(train, 'conditions', 'pose', `${stem}.json`),
        JSON.stringify({ canvas_width: 32, canvas_height: 32, people: [] }),
      );
    }
    writeText(
      join(train, 'metadata.jsonl'),
      ['000000', '000001']
        .map((s) =>
          JSON.stringify({
            file_name: `${s}.png`,
            text: `figure ${s}`,
            conditions: { depth: `conditions/depth/${s}.png` },
          }),
        )
        .join('\n'),
    );
    mkdirSync(join(dir, 'heldout'));
    const depth = await scanTrainingFolder(dir, { condition: 'depth' });
    expect(depth.root).toBe(train);
    expect(depth.images.map((i) => i.caption)).toEqual(['figure 000000', 'figure 000001']);
    expect(depth.images[0]!.conditions.depth).toBe(join(train, 'conditions', 'depth', '000000.png'));
    expect(depth.summary.at(-1)).toBe('depth maps: 2 paired');
    const pose = await scanTrainingFolder(dir, { condition: 'pose' });
    expect(pose.images[1]!.conditions.pose).toBe(join(train, 'conditions', 'pose', '000001.json'));
    const scribble = await scanTrainingFolder(dir, { condition: 'scribble', canExtractCondition: true });
    expect(scribble.summary.at(-1)).toBe('scribble maps: 0 paired, 2 to extract with the annotator');
    await expect(scanTrainingFolder(dir, { condition: 'normal' })).rejects.toThrow(
      /none has a paired normal map\. normal training needs paired maps in conditions\/normal\/ .*there is no normal annotator/,
    );
    expect(existsSync(join(dir, '.scedit-cache'))).toBe(false);
  });
});

describe('sample prompts', () => {
  it('reads prompts with --n --w --h --d --l --s, skips comments, and names the bad line', () => {
    const prompts = parseSamplePrompts(
      '# previews\na red apple --n blurry, dark --w 64 --h 48 --d 5 --l 4.5 --s 12\n\nblue figure\n',
    );
    expect(prompts).toEqual([
      {
        prompt: 'a red apple',
        negativePrompt: 'blurry, dark',
        width: 64,
        height: 48,
        seed: 5,
        guidance: 4.5,
        steps: 12,
      },
      { prompt: 'blue figure' },
    ]);
    expect(() => parseSamplePrompts('x --s many', 'p.txt')).toThrow(
      /p\.txt line 1: --s needs a whole number/,
    );
    expect(() => parseSamplePrompts('ok\nx --q 1', 'p.txt')).toThrow(/line 2: unknown option --q/);
  });
});
