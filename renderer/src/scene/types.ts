// The scene is plain, immutable data: React and Konva only read it; actions replace it.

export type Point = readonly [number, number];

/** Kinds of condition layer; each renders to the map its condition tuner was trained on. */
export type LayerKind = 'edge' | 'scribble' | 'depth' | 'pose';

export const LAYER_KINDS: readonly LayerKind[] = ['edge', 'scribble', 'depth', 'pose'];

/** A region the layer applies to; outside it the layer's condition has no effect. */
export interface RegionMask {
  readonly shape: 'rect' | 'ellipse';
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** true: the layer applies everywhere except inside the shape. */
  readonly inverted: boolean;
}

/** A picture (usually an annotator's output) painted under a layer's own strokes. */
export interface LayerImage {
  /** PNG data URL, so a scene can be saved, restored and sent as it is. */
  readonly dataUrl: string;
  readonly width: number;
  readonly height: number;
  /** Annotator that produced it, with its settings, so a recipe can say where it came from. */
  readonly source?: { readonly annotator: string; readonly settings: Readonly<Record<string, unknown>> };
}

export interface EdgeStroke {
  readonly id: string;
  readonly tool: 'brush' | 'eraser';
  /** Flat x,y pairs in canvas pixels; a straight line is two points. */
  readonly points: readonly number[];
  readonly width: number;
}

export interface DepthStroke {
  readonly id: string;
  readonly type: 'stroke';
  readonly points: readonly number[];
  readonly width: number;
  /** 0 = far (black), 1 = near (white), as depth-conditioned models expect. */
  readonly value: number;
  /** 0 = hard edge, 1 = the whole radius fades. */
  readonly softness: number;
}

export interface DepthGradient {
  readonly id: string;
  readonly type: 'gradient';
  readonly shape: 'linear' | 'radial';
  readonly from: Point;
  readonly to: Point;
  readonly fromValue: number;
  readonly toValue: number;
}

export type DepthOp = DepthStroke | DepthGradient;

/** One person: 18 OpenPose body points, null where a point is missing. */
export interface PosePerson {
  readonly id: string;
  readonly keypoints: readonly (Point | null)[];
}

interface LayerCommon {
  readonly id: string;
  readonly name: string;
  /** Condition strength a_m for this layer's CSC-Tuner. */
  readonly weight: number;
  readonly enabled: boolean;
  /** Fraction of the sampling steps during which the condition is applied, [start, end] in 0..1. */
  readonly stepRange: readonly [number, number];
  readonly mask: RegionMask | null;
  /** Display opacity over the generated image; does not change the condition map. */
  readonly opacity: number;
  /** Library id of the CSC-Tuner this layer drives, chosen in the tuner mixer. */
  readonly tunerId: string | null;
  readonly image: LayerImage | null;
}

export interface EdgeLayer extends LayerCommon {
  readonly kind: 'edge' | 'scribble';
  readonly strokes: readonly EdgeStroke[];
}

export interface DepthLayer extends LayerCommon {
  readonly kind: 'depth';
  /** Value of untouched pixels (0 = far). */
  readonly background: number;
  readonly ops: readonly DepthOp[];
}

export interface PoseLayer extends LayerCommon {
  readonly kind: 'pose';
  readonly people: readonly PosePerson[];
}

export type ConditionLayer = EdgeLayer | DepthLayer | PoseLayer;

export interface SceneState {
  /** Canvas size in pixels: the size condition maps are exported at. */
  readonly width: number;
  readonly height: number;
  /** Bottom to top. */
  readonly layers: readonly ConditionLayer[];
  readonly activeLayerId: string | null;
}
