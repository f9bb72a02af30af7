// Draws one figure scene from a seed: pose, colours, object, ground, time of day, camera and
// light. The named choices are the labels (and the caption); the rest is geometry.
import type { OpenPoseKeypointName } from '../../../shared/pose/openpose.ts';
import { Prng } from '../prng.ts';
import type { Mannequin } from './mannequin.ts';
import { buildMannequin } from './mannequin.ts';
import type { PoseAngles, PoseClass } from './pose-families.ts';
import { POSE_CLASSES, SIDE_VIEW_POSES, samplePose } from './pose-families.ts';
import type { Camera, Lighting, Rgb, TraceScene } from './ray-tracer.ts';
import { lookAt } from './ray-tracer.ts';
import type { Shape, Solid } from './shapes.ts';
import type { Vec3 } from './vec3.ts';
import { deg, vec3 } from './vec3.ts';

export const FIGURE_COLORS = {
  red: '#d42a2a',
  orange: '#f0861e',
  yellow: '#f2d22e',
  green: '#3aa845',
  blue: '#2a62d8',
  purple: '#8446c8',
  pink: '#f27ab6',
  white: '#ececec',
} as const;
export type ColorName = keyof typeof FIGURE_COLORS;
export const COLOR_NAMES = Object.keys(FIGURE_COLORS) as ColorName[];

export const OBJECT_KINDS = ['ball', 'box', 'cone', 'cylinder'] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

export const GROUNDS = {
  green: '#5a8c34',
  sandy: '#d8c088',
  grey: '#8c8c88',
  brown: '#7c5a3a',
  snowy: '#eef1f5',
} as const;
export type GroundName = keyof typeof GROUNDS;
export const GROUND_NAMES = Object.keys(GROUNDS) as GroundName[];

export const TIMES_OF_DAY = ['noon', 'evening', 'night'] as const;
export type TimeOfDay = (typeof TIMES_OF_DAY)[number];

export const FACINGS = ['viewer', 'left', 'right', 'away'] as const;
export type Facing = (typeof FACINGS)[number];

/** Figure colours that would vanish into a ground. */
const CLASHES: Partial<Record<ColorName, GroundName>> = { green: 'green', white: 'snowy', yellow: 'sandy' };

export interface FigureSceneLabels {
  pose: PoseClass;
  figureColor: ColorName;
  object: ObjectKind | 'none';
  objectColor: ColorName | null;
  /** Where the object is in the picture: 'left' or 'right' of the figure. */
  objectSide: 'left' | 'right' | null;
  ground: GroundName;
  timeOfDay: TimeOfDay;
  facing: Facing;
  /** Turn of the figure from facing the camera, degrees (positive turns it to the picture's right). */
  yawDeg: number;
}

export interface FigureScene {
  labels: FigureSceneLabels;
  angles: PoseAngles;
  mannequin: Mannequin;
  trace: TraceScene;
  fovDeg: number;
}

export function srgbHexToLinear(hex: string, rng?: Prng, jitter = 0): Rgb {
  const n = Number.parseInt(hex.slice(1), 16);
  const channel = (v: number) => {
    const c = Math.min(1, Math.max(0, (v + (rng ? rng.jitter(jitter) : 0)) / 255));
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return [channel((n >> 16) & 255), channel((n >> 8) & 255), channel(n & 255)];
}

export function facingOf(yawDeg: number): Facing {
  const a = Math.abs(yawDeg);
  if (a <= 35) return 'viewer';
  if (a >= 145) return 'away';
  return yawDeg > 0 ? 'right' : 'left';
}

function sampleYaw(rng: Prng, pose: PoseClass): number {
  const sign = rng.chance(0.5) ? 1 : -1;
  if (rng.chance(0.12)) return rng.range(-180, 180);
  return sign * (SIDE_VIEW_POSES.has(pose) ? rng.range(40, 110) : rng.range(0, 50));
}

function lightingFor(time: TimeOfDay, rng: Prng): Lighting {
  const toLight = (elevationDeg: number): Vec3 => {
    const az = deg(rng.range(-110, 110));
    const el = deg(elevationDeg);
    return vec3(Math.sin(az) * Math.cos(el), Math.sin(el), Math.cos(az) * Math.cos(el));
  };
  switch (time) {
    case 'noon':
      return {
        toLight: toLight(rng.range(45, 75)),
        lightColor: [1.25, 1.2, 1.1],
        skyAmbient: [0.34, 0.4, 0.52],
        groundAmbient: [0.16, 0.15, 0.13],
        skyZenith: [0.16, 0.36, 0.85],
        skyHorizon: [0.6, 0.76, 0.95],
        sunGlow: 0.2,
        fogDistance: 120,
      };
    case 'evening':
      return {
        toLight: toLight(rng.range(6, 20)),
        lightColor: [1.2, 0.8, 0.52],
        skyAmbient: [0.42, 0.36, 0.44],
        groundAmbient: [0.16, 0.12, 0.1],
        skyZenith: [0.12, 0.1, 0.32],
        skyHorizon: [1.0, 0.46, 0.2],
        sunGlow: 1.2,
        fogDistance: 90,
      };
    case 'night':
      return {
        toLight: toLight(rng.range(25, 55)),
        lightColor: [0.42, 0.5, 0.78],
        skyAmbient: [0.17, 0.2, 0.34],
        groundAmbient: [0.06, 0.06, 0.08],
        skyZenith: [0.004, 0.008, 0.035],
        skyHorizon: [0.035, 0.055, 0.13],
        sunGlow: 0.3,
        fogDistance: 70,
      };
  }
}

function objectShape(kind: ObjectKind, at: Vec3, rng: Prng): { shape: Shape; radius: number } {
  switch (kind) {
    case 'ball': {
      const r = rng.range(0.16, 0.34);
      return { shape: { kind: 'sphere', center: vec3(at.x, r, at.z), radius: r }, radius: r };
    }
    case 'box': {
      const h = rng.range(0.15, 0.34);
      const half = vec3(h * rng.range(0.9, 1.4), h * rng.range(0.8, 1.2), h * rng.range(0.9, 1.4));
      return {
        shape: { kind: 'box', base: at, half, yaw: deg(rng.range(0, 90)) },
        radius: Math.hypot(half.x, half.z),
      };
    }
    case 'cone': {
      const r = rng.range(0.16, 0.3);
      return { shape: { kind: 'cone', base: at, radius: r, height: r * rng.range(2, 3.2) }, radius: r };
    }
    case 'cylinder': {
      const r = rng.range(0.12, 0.24);
      return { shape: { kind: 'cylinder', base: at, radius: r, height: rng.range(0.35, 0.9) }, radius: r };
    }
  }
}

/**
 * The scene for sample `index` of a dataset built with `seed`. Every sample draws from its own
 * stream, so it does not depend on how many samples are built.
 */
export function sampleFigureScene(seed: number, index: number, aspect = 1): FigureScene {
  const rng = new Prng(seed, index);
  const pose = rng.pick(POSE_CLASSES);
  const timeOfDay = rng.pick(TIMES_OF_DAY);
  const figureColor = rng.pick(COLOR_NAMES);
  const ground = rng.pick(GROUND_NAMES.filter((g) => CLASHES[figureColor] !== g));
  const yawDeg = sampleYaw(rng, pose);
  const angles = samplePose(rng, pose);
  const mannequin = buildMannequin(angles, deg(yawDeg), srgbHexToLinear(FIGURE_COLORS[figureColor], rng, 10));

  // Frame the figure: it fills 55-80% of the picture's height.
  const fovDeg = rng.range(36, 50);
  const tanHalf = Math.tan(deg(fovDeg) / 2);
  const { min, max } = mannequin;
  const height = max.y - min.y;
  const halfWidth = Math.max(Math.abs(min.x), Math.abs(max.x));
  const fill = rng.range(0.55, 0.8);
  const distance =
    max.z + Math.max(height / 2 / (fill * tanHalf), halfWidth / (0.85 * tanHalf * aspect)) + 0.3;
  const targetY = (min.y + max.y) / 2 + rng.jitter(0.08 * height);
  const targetX = (min.x + max.x) / 2 + rng.jitter(0.12 * (max.x - min.x));
  const camHeight = Math.max(0.35, targetY + rng.range(-0.6, 0.9));
  const camera: Camera = lookAt(vec3(targetX, camHeight, distance), vec3(targetX, targetY, 0), fovDeg);

  const solids: Solid[] = [...mannequin.solids];
  let object: ObjectKind | 'none' = 'none';
  let objectColor: ColorName | null = null;
  let objectSide: 'left' | 'right' | null = null;
  if (rng.chance(0.85)) {
    const kind = rng.pick(OBJECT_KINDS);
    const color = rng.pick(COLOR_NAMES.filter((c) => c !== figureColor));
    const side = rng.chance(0.5) ? 1 : -1;
    const z = rng.range(-1.4, 0.5);
    const probe = objectShape(kind, vec3(0, 0, z), new Prng(seed, index + 0x40000000));
    const r = probe.radius;
    const figureEdge = side > 0 ? max.x : -min.x;
    const minX = figureEdge + r + rng.range(0.08, 0.35);
    const maxX = (distance - z) * tanHalf * aspect - 0.4 * r + side * targetX;
    if (minX <= maxX) {
      const x = side * rng.range(minX, Math.min(maxX, minX + 0.6));
      const placed = objectShape(kind, vec3(x, 0, z), new Prng(seed, index + 0x40000000));
      solids.push({
        shape: placed.shape,
        albedo: srgbHexToLinear(FIGURE_COLORS[color], rng, 8),
        group: 'object',
      });
      object = kind;
      objectColor = color;
      objectSide = side > 0 ? 'right' : 'left';
    }
  }

  const trace: TraceScene = {
    solids,
    groundAlbedo: srgbHexToLinear(GROUNDS[ground], rng, 10),
    lighting: lightingFor(timeOfDay, rng),
    camera,
  };
  return {
    labels: {
      pose,
      figureColor,
      object,
      objectColor,
      objectSide,
      ground,
      timeOfDay,
      facing: facingOf(yawDeg),
      yawDeg: Math.round(yawDeg * 10) / 10,
    },
    angles,
    mannequin,
    trace,
    fovDeg,
  };
}

export type FigureJoints = Record<OpenPoseKeypointName, Vec3>;
