// The engine worker's annotate task: picture bytes in, condition map PNG (and pose JSON) out.
import type { AnnotateResult } from '../../shared/api/annotation-schemas.ts';
import { StudioError } from '../../shared/api/errors.ts';
import type { MethodParams } from '../../shared/api/methods.ts';
import { toOpenPoseJson } from '../../shared/pose/openpose-json.ts';
import { type AnnotatorOptions, annotate } from '../annotators/annotate.ts';
import { AnnotatorError } from '../annotators/annotator-error.ts';
import { encodePng, ImageError, readImage } from '../engine/io/image.ts';
import type { JobContext } from './engine-host.ts';

/** The StudioApi request -> the annotator's own options (sizes and defaults as it defines them). */
export function annotatorOptions(req: MethodParams<'annotate'>): AnnotatorOptions[typeof req.kind] {
  const size = {
    ...(req.width !== null ? { width: req.width } : {}),
    ...(req.height !== null ? { height: req.height } : {}),
    ...(req.fit ? { fit: req.fit } : {}),
  };
  switch (req.kind) {
    case 'canny':
      return { ...size, low: req.low, high: req.high };
    case 'pose':
      return {
        ...size,
        minKeypointScore: req.minConfidence,
        maxPeople: req.maxPeople,
        ...(req.estimator ? { estimator: req.estimator } : {}),
      };
    case 'depth':
      return {
        ...size,
        ...(req.estimator ? { estimator: req.estimator } : req.model ? { estimator: 'model' } : {}),
        ...(req.model ? { model: req.model } : {}),
        ...(req.invert !== undefined ? { invert: req.invert } : {}),
      };
    case 'scribble':
      return { ...size, ...(req.threshold !== null ? { threshold: req.threshold } : {}) };
  }
}

export async function runAnnotateTask(
  req: MethodParams<'annotate'>,
  ctx: JobContext,
): Promise<AnnotateResult> {
  try {
    return await annotatePicture(req, ctx);
  } catch (err) {
    // A picture or setting the annotator cannot use is the caller's input, not an engine failure.
    if (err instanceof AnnotatorError || err instanceof ImageError)
      throw new StudioError('invalid-input', err.message);
    throw err;
  }
}

async function annotatePicture(req: MethodParams<'annotate'>, ctx: JobContext): Promise<AnnotateResult> {
  const started = performance.now();
  ctx.progress({ fraction: 0, message: 'reading the picture' });
  const image = await readImage(Buffer.from(req.image, 'base64'), { name: 'the picture to annotate' });
  ctx.signal.throwIfAborted();
  ctx.progress({ fraction: 0.2, message: `running the ${req.kind} annotator` });
  const result = await annotate(req.kind, image, annotatorOptions(req));
  ctx.signal.throwIfAborted();
  ctx.progress({ fraction: 0.9, message: 'encoding the map' });
  const png = await encodePng(result.map);
  ctx.progress({ fraction: 1 });
  return {
    map: png.toString('base64'),
    width: result.map.width,
    height: result.map.height,
    pose: result.pose ? toOpenPoseJson(result.pose) : null,
    durationMs: Math.round(performance.now() - started),
    notes: result.notes,
  };
}
