// Registers the depth estimators that come with the studio.
import { AnnotatorError } from '../annotator-error.ts';
import { figuresDepthModelPath } from '../shipped-annotator-models.ts';
import { ConvNetDepth } from './conv-net-depth.ts';
import { depthEstimatorEntries, registerDepthEstimator } from './depth-estimator.ts';
import { grayscaleDepth } from './grayscale-depth.ts';
import { loadDepthModel } from './model-depth.ts';

export function registerBuiltinDepthEstimators(): void {
  if (depthEstimatorEntries().some((e) => e.name === 'grayscale')) return;
  registerDepthEstimator({
    name: 'grayscale',
    description: 'the picture is already a depth map (near = bright)',
    create: async () => grayscaleDepth,
  });
  registerDepthEstimator({
    name: 'figures',
    description:
      "the figure world's depth network, trained on the figure-scene renderer's exact depth (for the embedded model's pictures)",
    create: async () => ConvNetDepth.load(figuresDepthModelPath(), 'figures'),
  });
  registerDepthEstimator({
    name: 'model',
    description: 'a depth model you provide: a TF.js graph model folder, or safetensors + config.json',
    create: async ({ model }) => {
      if (!model)
        throw new AnnotatorError('the "model" depth estimator needs the model folder or file (option model)');
      return loadDepthModel(model);
    },
  });
}
