// One complete figure sample: picture, depth map, keypoints and caption, all from one scene.
import type { PoseDocument } from '../../../shared/pose/openpose-json.ts';
import type { RgbaImage } from '../../engine/io/image.ts';
import { figureCaption } from './caption.ts';
import type { FigureScene } from './figure-scene.ts';
import { sampleFigureScene } from './figure-scene.ts';
import type { ProjectedKeypoint } from './keypoints.ts';
import { projectKeypoints, toPoseKeypoints } from './keypoints.ts';
import { SceneTracer } from './ray-tracer.ts';

export interface FigureSample {
  scene: FigureScene;
  image: RgbaImage;
  /**
   * Grey depth map: value = round(255 * nearestDepth / depth) with depth the planar distance
   * along the camera's axis (near = bright, sky = 0); averaged over each pixel's rays.
   */
  depth: RgbaImage;
  nearestDepth: number;
  /** Per pixel: fraction of the pixel's rays that met the figure first. */
  figureCoverage: Float32Array;
  keypoints: ProjectedKeypoint[];
  pose: PoseDocument;
  caption: string;
}

export const DEFAULT_SUPERSAMPLE = 3;

export function renderFigureSample(
  seed: number,
  index: number,
  size: number,
  supersample = DEFAULT_SUPERSAMPLE,
): FigureSample {
  const scene = sampleFigureScene(seed, index);
  const tracer = new SceneTracer(scene.trace);
  const result = tracer.render(size, size, supersample);
  const depthData = new Uint8ClampedArray(size * size * 4);
  for (let i = 0; i < size * size; i++) {
    const v = Math.round(255 * result.inverseDepth[i]!);
    depthData[i * 4] = v;
    depthData[i * 4 + 1] = v;
    depthData[i * 4 + 2] = v;
    depthData[i * 4 + 3] = 255;
  }
  const keypoints = projectKeypoints(scene.mannequin.joints, scene.trace.camera, tracer, size, size);
  return {
    scene,
    image: { width: size, height: size, data: result.rgba },
    depth: { width: size, height: size, data: depthData },
    nearestDepth: result.nearestDepth,
    figureCoverage: result.figureCoverage,
    keypoints,
    pose: { canvasWidth: size, canvasHeight: size, people: [{ body: toPoseKeypoints(keypoints) }] },
    caption: figureCaption(scene.labels),
  };
}
