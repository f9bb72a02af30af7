import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pickSamples, readSplit, writeTrainingFolder } from '../../bench/control/datasets.ts';

function builtDataset(): string {
  const root = mkdtempSync(join(tmpdir(), 'control-bench-data-'));
  const dir = join(root, 'figures', 'heldout');
  mkdirSync(join(dir, 'conditions', 'depth'), { recursive: true });
  mkdirSync(join(dir, 'conditions', 'pose'), { recursive: true });
  const rows: string[] = [];
  for (let i = 0; i < 6; i++) {
    const name = `00000${i}.png`;
    writeFileSync(join(dir, name), `picture ${i}`);
    const conditions: Record<string, string> = { depth: `conditions/depth/${name}` };
    writeFileSync(join(dir, 'conditions', 'depth', name), `depth ${i}`);
    // Every other sample has a pose; sample 4 lists one that is not on disk.
    if (i % 2 === 0) {
      conditions.pose = `conditions/pose/00000${i}.json`;
      if (i !== 4) writeFileSync(join(dir, 'conditions', 'pose', `00000${i}.json`), '{}');
    }
    rows.push(JSON.stringify({ file_name: name, text: `caption ${i}`, conditions }));
  }
  writeFileSync(join(dir, 'metadata.jsonl'), `${rows.join('\n')}\n`);
  return root;
}

describe('control bench datasets', () => {
  it('reads a split with absolute condition paths, and says how to build a missing one', () => {
    const root = builtDataset();
    const samples = readSplit('figures', 'heldout', root);
    expect(samples).toHaveLength(6);
    expect(samples[2]).toEqual({
      file: join(root, 'figures', 'heldout', '000002.png'),
      caption: 'caption 2',
      conditions: {
        depth: join(root, 'figures', 'heldout', 'conditions', 'depth', '000002.png'),
        pose: join(root, 'figures', 'heldout', 'conditions', 'pose', '000002.json'),
      },
    });
    expect(() => readSplit('emoji', 'train', root)).toThrow(
      /emoji.*metadata\.jsonl is missing: build the emoji dataset/,
    );
  });

  it('picks a seeded subset, keeping only samples whose needed maps exist', () => {
    const samples = readSplit('figures', 'heldout', builtDataset());
    const withPose = pickSamples(samples, 10, 3, ['depth', 'pose']);
    expect(withPose.map((s) => s.caption).sort()).toEqual(['caption 0', 'caption 2']);
    const a = pickSamples(samples, 3, 7);
    expect(a).toHaveLength(3);
    expect(pickSamples(samples, 3, 7)).toEqual(a);
    expect(pickSamples(samples, 6, 8).map((s) => s.caption)).not.toEqual(samples.map((s) => s.caption));
  });

  it('writes a training folder of exactly the samples: pictures, captions and maps by the picture stem', () => {
    const root = builtDataset();
    const samples = pickSamples(readSplit('figures', 'heldout', root), 2, 1, ['pose']);
    const out = join(root, 'train-folder');
    writeTrainingFolder(out, readSplit('figures', 'heldout', root), null);
    writeTrainingFolder(out, samples, 'pose');
    const files = readdirSync(out).sort();
    expect(files.filter((f) => f.endsWith('.png'))).toHaveLength(2);
    expect(files.filter((f) => f.endsWith('.txt'))).toHaveLength(2);
    for (const s of samples) {
      const stem = s.file.split('/').at(-1)!.replace('.png', '');
      expect(readFileSync(join(out, `${stem}.txt`), 'utf8')).toBe(s.caption);
      expect(existsSync(join(out, 'conditions', 'pose', `${stem}.json`))).toBe(true);
    }
    expect(existsSync(join(out, 'conditions', 'depth'))).toBe(false);
  });
});
