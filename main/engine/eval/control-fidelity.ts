// One generated picture against its condition: runs the annotator of the condition's kind on the
// picture (canny with SCEdit's 100/200 thresholds, the figure world's depth network, MoveNet) and
// scores the result with control-metrics.ts. The control benchmark calls this per picture.
import type { PoseDocument } from '../../../shared/pose/openpose-json.ts';
import { annotate } from '../../annotators/annotate.ts';
import type { RgbaImage } from '../io/image.ts';
import {
  DEFAULT_EDGE_TOLERANCE_PX,
  depthRmse,
  type EdgeScores,
  edgeF1,
  edgeF1InsideOutside,
  MetricInputError,
  planeFromRgba,
  posePck,
} from './control-metrics.ts';

export type ControlKind = 'canny' | 'depth' | 'pose';

export interface ControlCondition {
  kind: ControlKind;
  /** The condition map (edges, depth levels near = bright, or the skeleton map). */
  map: RgbaImage;
  /** Pose: the condition's keypoints (the skeleton map alone is not scored). */
  pose?: PoseDocument;
}

export interface FidelityOptions {
  /** Canny: pixels an edge may be off (default 1). */
  tolerance?: number;
  /** Canny thresholds for the generated picture's edges (default 100 / 200, as the condition's). */
  cannyLow?: number;
  cannyHigh?: number;
  /** Depth: estimator name (default 'figures') and fit (default 'affine'). */
  depthEstimator?: string;
  depthFit?: 'affine' | 'none';
  /**
   * Pose: estimator (default 'movenet': on the held-out figure scenes its PCK@0.1 was 0.860, the
   * figure network's 0.813; see assets/annotators/README.md).
   */
  poseEstimator?: 'figures' | 'movenet';
  alpha?: number;
  /** Canny: also score inside and outside this region (mask ≥ 128). */
  region?: RgbaImage;
}

export interface Fidelity {
  kind: ControlKind;
  metric: 'edge-f1' | 'depth-rmse' | 'pck';
  /** F1 (higher is better), RMSE in levels (lower is better) or PCK (higher is better). */
  value: number;
  edges?: EdgeScores;
  inside?: EdgeScores;
  outside?: EdgeScores;
}

/** Scores how well `generated` follows `condition`; the picture is annotated at the map's size. */
export async function controlFidelity(
  condition: ControlCondition,
  generated: RgbaImage,
  options: FidelityOptions = {},
): Promise<Fidelity> {
  const size = { width: condition.map.width, height: condition.map.height, fit: 'fill' as const };
  switch (condition.kind) {
    case 'canny': {
      const { map } = await annotate('canny', generated, {
        ...size,
        low: options.cannyLow ?? 100,
        high: options.cannyHigh ?? 200,
      });
      const tolerance = options.tolerance ?? DEFAULT_EDGE_TOLERANCE_PX;
      const c = planeFromRgba(condition.map);
      const g = planeFromRgba(map);
      const edges = edgeF1(c, g, { tolerance });
      if (!options.region) return { kind: 'canny', metric: 'edge-f1', value: edges.f1, edges };
      const split = edgeF1InsideOutside(c, g, planeFromRgba(options.region), { tolerance });
      return { kind: 'canny', metric: 'edge-f1', value: edges.f1, edges, ...split };
    }
    case 'depth': {
      const { map } = await annotate('depth', generated, {
        ...size,
        estimator: options.depthEstimator ?? 'figures',
      });
      const s = depthRmse(planeFromRgba(condition.map), planeFromRgba(map), {
        fit: options.depthFit ?? 'affine',
      });
      return { kind: 'depth', metric: 'depth-rmse', value: s.rmse };
    }
    case 'pose': {
      if (!condition.pose)
        throw new MetricInputError(
          'pose fidelity needs the condition keypoints (OpenPose JSON), not only the map',
        );
      const { pose } = await annotate('pose', generated, {
        ...size,
        estimator: options.poseEstimator ?? 'movenet',
        maxPeople: Math.max(1, condition.pose.people.length),
      });
      const s = posePck(condition.pose, pose!, { alpha: options.alpha });
      return { kind: 'pose', metric: 'pck', value: s.pck ?? Number.NaN };
    }
  }
  throw new MetricInputError(`unknown condition kind "${String((condition as { kind: unknown }).kind)}"`);
}
