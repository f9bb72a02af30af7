// Where the annotator networks that come with the studio live: assets/annotators/<name>/ in the
// source tree; SCEDIT_ANNOTATORS_DIR (the packaged app's resources/annotators) wins when set.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function shippedAnnotatorModelsDir(): string {
  return (
    process.env.SCEDIT_ANNOTATORS_DIR ?? fileURLToPath(new URL('../../assets/annotators', import.meta.url))
  );
}

/** The figure world's depth network (scedit-depth-convnet). */
export function figuresDepthModelPath(): string {
  return join(shippedAnnotatorModelsDir(), 'figures-depth', 'weights.safetensors');
}

/** The figure world's pose network (scedit-pose-heatmap). */
export function figuresPoseModelPath(): string {
  return join(shippedAnnotatorModelsDir(), 'figures-pose', 'weights.safetensors');
}
