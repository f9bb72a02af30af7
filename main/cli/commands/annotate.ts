import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parseOpenPoseJson, serializeOpenPoseJson } from '../../../shared/pose/openpose-json.ts';
import type { AnnotatorKind, AnnotatorOptions } from '../../annotators/annotate.ts';
import { ANNOTATOR_KINDS, annotate } from '../../annotators/annotate.ts';
import { renderSkeletonMap } from '../../annotators/pose/skeleton-map.ts';
import { initBackend } from '../../engine/backend.ts';
import { writeFileAtomic } from '../../engine/io/atomic-write.ts';
import { readImage, writePng } from '../../engine/io/image.ts';
import { numberFlag, sizeFlag } from '../args.ts';
import { type CliCommand, UsageError } from '../command.ts';

async function drawPoseJson(
  path: string,
  out: string,
  size: { width?: number; height?: number },
): Promise<number> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const { document, coordinates } = parseOpenPoseJson(text, {
    name: path,
    defaultCanvas: size.width ? { width: size.width, height: size.height ?? size.width } : undefined,
  });
  const map = renderSkeletonMap(
    document,
    size.width ?? document.canvasWidth,
    size.height ?? document.canvasHeight,
  );
  await writePng(out, map);
  console.log(
    `pose map ${map.width}x${map.height} -> ${out} (people: ${document.people.length}; ${coordinates} coordinates)`,
  );
  return 0;
}

export const annotateCommand: CliCommand = {
  name: 'annotate',
  summary: 'make a condition map (canny, pose, depth, scribble) from a picture',
  usage: [
    'scedit annotate --kind canny|pose|depth|scribble <image> --out map.png [options]',
    '  --size N | WxH          map size (default: the picture size); --fit cover|contain|fill (default cover)',
    '  canny:    --low 100 --high 200 [--blur <sigma>] [--l2] [--gray]',
    '  pose:     [--estimator movenet|figures] [--json pose.json] [--min-score 0.3] [--max-people 6] [--models <folder>]',
    'scedit annotate --kind pose --from-json pose.json --out map.png [--size N | WxH]   (draw an OpenPose JSON)',
    '  depth:    [--estimator grayscale|figures|model] [--model <folder or file>] [--invert]',
    '  scribble: [--source auto|sketch|photo] [--threshold 0..255] [--stroke-width 3]',
  ].join('\n'),
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        kind: { type: 'string' },
        out: { type: 'string', short: 'o' },
        json: { type: 'string' },
        'from-json': { type: 'string' },
        size: { type: 'string' },
        fit: { type: 'string' },
        low: { type: 'string' },
        high: { type: 'string' },
        blur: { type: 'string' },
        l2: { type: 'boolean' },
        gray: { type: 'boolean' },
        'min-score': { type: 'string' },
        'max-people': { type: 'string' },
        models: { type: 'string' },
        estimator: { type: 'string' },
        model: { type: 'string' },
        invert: { type: 'boolean' },
        source: { type: 'string' },
        threshold: { type: 'string' },
        'stroke-width': { type: 'string' },
      },
    });
    const kind = values.kind as AnnotatorKind | undefined;
    if (!kind || !(ANNOTATOR_KINDS as readonly string[]).includes(kind))
      throw new UsageError(
        `--kind must be one of ${ANNOTATOR_KINDS.join(', ')}${kind ? `, got "${kind}"` : ''}`,
      );
    if (!values.out) throw new UsageError('--out <map.png> is required');
    if (values['from-json']) {
      if (kind !== 'pose') throw new UsageError('--from-json is for --kind pose');
      if (positionals.length) throw new UsageError('give either an image or --from-json, not both');
      return drawPoseJson(values['from-json'], values.out, sizeFlag(values.size) ?? {});
    }
    if (positionals.length !== 1) throw new UsageError('give exactly one input image');
    if (values.json && kind !== 'pose') throw new UsageError('--json is for --kind pose');
    const input = positionals[0]!;
    const common = { ...(sizeFlag(values.size) ?? {}), ...(values.fit ? { fit: values.fit } : {}) };
    const options: Record<string, unknown> = { ...common };
    const set = (key: string, value: unknown) => {
      if (value !== undefined) options[key] = value;
    };
    if (kind === 'canny') {
      set('low', numberFlag(values.low, '--low'));
      set('high', numberFlag(values.high, '--high'));
      set('blurSigma', numberFlag(values.blur, '--blur'));
      if (values.l2) options.l2Gradient = true;
      if (values.gray) options.color = false;
    } else if (kind === 'pose') {
      set('minKeypointScore', numberFlag(values['min-score'], '--min-score'));
      set('maxPeople', numberFlag(values['max-people'], '--max-people'));
      set('modelsFolder', values.models);
      set('estimator', values.estimator);
    } else if (kind === 'depth') {
      set('estimator', values.estimator ?? (values.model ? 'model' : undefined));
      set('model', values.model);
      if (values.invert) options.invert = true;
    } else {
      set('source', values.source);
      set('threshold', numberFlag(values.threshold, '--threshold'));
      set('strokeWidth', numberFlag(values['stroke-width'], '--stroke-width'));
    }
    const image = await readImage(input);
    if (kind === 'pose' || kind === 'depth') await initBackend();
    const t0 = performance.now();
    const result = await annotate(kind, image, options as AnnotatorOptions[typeof kind]);
    const ms = performance.now() - t0;
    await writePng(values.out, result.map);
    if (values.json && result.pose)
      await writeFileAtomic(values.json, `${serializeOpenPoseJson(result.pose)}\n`);
    const notes = result.notes.length ? ` (${result.notes.join('; ')})` : '';
    console.log(
      `${kind} map ${result.map.width}x${result.map.height} -> ${values.out} in ${ms.toFixed(0)} ms${notes}`,
    );
    if (values.json) console.log(`pose -> ${values.json}`);
    return 0;
  },
};
