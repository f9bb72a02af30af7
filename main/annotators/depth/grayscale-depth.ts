// A grayscale picture taken as the depth map itself (near = bright, as depth maps are drawn).
import type { RgbaImage } from '../../engine/io/image.ts';
import { checkAnnotatorImage } from '../annotator-error.ts';
import { rgbaToGray } from '../gray.ts';
import type { DepthEstimator, DepthMap } from './depth-estimator.ts';

export const grayscaleDepth: DepthEstimator = {
  name: 'grayscale',
  async estimate(image: RgbaImage): Promise<DepthMap> {
    checkAnnotatorImage(image);
    return {
      width: image.width,
      height: image.height,
      values: Float32Array.from(rgbaToGray(image)),
      levels: true,
    };
  },
};
