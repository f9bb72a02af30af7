import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodePng, readImage } from '../../../main/engine/io/image.ts';
import { parseOpenPoseJson } from '../../../shared/pose/openpose-json.ts';
import { skimagePhoto } from '../../unit/annotators/skimage-photos.ts';
import { shapesImage } from '../../unit/annotators/synthetic-images.ts';

const dir = mkdtempSync(join(tmpdir(), 'scedit-annotate-'));
const shapes = join(dir, 'shapes.png');

function scedit(args: string[]) {
  return spawnSync(process.execPath, ['bin/scedit.mjs', 'annotate', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });
}

beforeAll(async () => {
  writeFileSync(shapes, await encodePng(shapesImage(160, 2)));
});

describe('scedit annotate', () => {
  it('writes a canny map at the asked size with the asked thresholds', async () => {
    const out = join(dir, 'canny.png');
    const run = scedit([
      '--kind',
      'canny',
      shapes,
      '--out',
      out,
      '--size',
      '128x96',
      '--low',
      '50',
      '--high',
      '150',
    ]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/canny map 128x96 -> .*canny\.png in \d+ ms/);
    const map = await readImage(out);
    expect([map.width, map.height]).toEqual([128, 96]);
  });

  it('writes the skeleton map and OpenPose JSON for a photo of a person', async () => {
    const out = join(dir, 'pose.png');
    const json = join(dir, 'pose.json');
    const run = scedit([
      '--kind',
      'pose',
      skimagePhoto('astronaut.png'),
      '--out',
      out,
      '--json',
      json,
      '--size',
      '256',
    ]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/people found: [1-6]/);
    const { document } = parseOpenPoseJson(readFileSync(json, 'utf8'), { name: json });
    expect(document.canvasWidth).toBe(256);
    const nose = document.people[0]!.body[0]!;
    expect(nose.x).toBeGreaterThan(85);
    expect(nose.x).toBeLessThan(143);
    const map = await readImage(out);
    const o = (Math.round(nose.y) * 256 + Math.round(nose.x)) * 4;
    expect([map.data[o], map.data[o + 1], map.data[o + 2]]).toEqual([255, 0, 0]);

    // The JSON draws the same map again (as a pose editor's file would).
    const again = join(dir, 'again.png');
    const draw = scedit(['--kind', 'pose', '--from-json', json, '--out', again]);
    expect(draw.status, draw.stderr).toBe(0);
    expect(draw.stdout).toMatch(/pose map 256x256 .*people: [1-6]; pixels coordinates/);
    expect(Buffer.from((await readImage(again)).data).equals(Buffer.from(map.data))).toBe(true);
  });

  it('explains mistakes: usage errors exit 2, bad files exit 1', () => {
    const noKind = scedit([shapes, '--out', join(dir, 'x.png')]);
    expect(noKind.status).toBe(2);
    expect(noKind.stderr).toMatch(/--kind must be one of canny, pose, depth, scribble/);
    const text = join(dir, 'notes.png');
    writeFileSync(text, 'not a picture');
    const notImage = scedit(['--kind', 'canny', text, '--out', join(dir, 'x.png')]);
    expect(notImage.status).toBe(1);
    expect(notImage.stderr).toMatch(/notes\.png: not a PNG, JPEG, WebP or BMP image/);
  });
});
