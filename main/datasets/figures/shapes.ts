// The primitive solids a figure scene is made of, as plain data.
import type { Vec3 } from './vec3.ts';

export type Shape =
  | { kind: 'sphere'; center: Vec3; radius: number }
  | { kind: 'capsule'; a: Vec3; b: Vec3; radius: number }
  /** `axes` are orthonormal; `radii` are the half-lengths along them. */
  | { kind: 'ellipsoid'; center: Vec3; axes: [Vec3, Vec3, Vec3]; radii: [number, number, number] }
  /** Upright box standing on `base` (the centre of its bottom face), turned by `yaw` radians. */
  | { kind: 'box'; base: Vec3; half: Vec3; yaw: number }
  /** Upright cone or cylinder standing on `base`. */
  | { kind: 'cone'; base: Vec3; radius: number; height: number }
  | { kind: 'cylinder'; base: Vec3; radius: number; height: number };

export type SolidGroup = 'figure' | 'object';

export interface Solid {
  shape: Shape;
  /** Linear RGB reflectance, 0..1. */
  albedo: [number, number, number];
  group: SolidGroup;
  /** Which body part (figure solids only), e.g. "right_forearm". */
  part?: string;
}

/** Lowest and highest points of a shape (exact for the upright kinds, conservative otherwise). */
export function shapeBounds(shape: Shape): { min: Vec3; max: Vec3 } {
  switch (shape.kind) {
    case 'sphere': {
      const { center: c, radius: r } = shape;
      return { min: { x: c.x - r, y: c.y - r, z: c.z - r }, max: { x: c.x + r, y: c.y + r, z: c.z + r } };
    }
    case 'capsule': {
      const { a, b, radius: r } = shape;
      return {
        min: { x: Math.min(a.x, b.x) - r, y: Math.min(a.y, b.y) - r, z: Math.min(a.z, b.z) - r },
        max: { x: Math.max(a.x, b.x) + r, y: Math.max(a.y, b.y) + r, z: Math.max(a.z, b.z) + r },
      };
    }
    case 'ellipsoid': {
      // Extent along each world axis: sqrt(sum_i (r_i * axis_i.component)^2).
      const ext = (pick: (v: Vec3) => number) =>
        Math.sqrt(shape.axes.reduce((s, ax, i) => s + (shape.radii[i]! * pick(ax)) ** 2, 0));
      const ex = ext((v) => v.x);
      const ey = ext((v) => v.y);
      const ez = ext((v) => v.z);
      const c = shape.center;
      return {
        min: { x: c.x - ex, y: c.y - ey, z: c.z - ez },
        max: { x: c.x + ex, y: c.y + ey, z: c.z + ez },
      };
    }
    case 'box': {
      const r = Math.hypot(shape.half.x, shape.half.z);
      const b = shape.base;
      return {
        min: { x: b.x - r, y: b.y, z: b.z - r },
        max: { x: b.x + r, y: b.y + 2 * shape.half.y, z: b.z + r },
      };
    }
    case 'cone':
    case 'cylinder': {
      const b = shape.base;
      const r = shape.radius;
      return {
        min: { x: b.x - r, y: b.y, z: b.z - r },
        max: { x: b.x + r, y: b.y + shape.height, z: b.z + r },
      };
    }
  }
}
