// The few vector operations scene construction needs (the ray tracer's inner loop works on
// plain numbers instead, to stay allocation-free).

export interface Vec3 {
  x: number;
  y: number;
  z: number;
}

export const vec3 = (x: number, y: number, z: number): Vec3 => ({ x, y, z });
export const add = (a: Vec3, b: Vec3): Vec3 => ({ x: a.x + b.x, y: a.y + b.y, z: a.z + b.z });
export const sub = (a: Vec3, b: Vec3): Vec3 => ({ x: a.x - b.x, y: a.y - b.y, z: a.z - b.z });
export const scale = (a: Vec3, s: number): Vec3 => ({ x: a.x * s, y: a.y * s, z: a.z * s });
export const dot = (a: Vec3, b: Vec3): number => a.x * b.x + a.y * b.y + a.z * b.z;
export const cross = (a: Vec3, b: Vec3): Vec3 => ({
  x: a.y * b.z - a.z * b.y,
  y: a.z * b.x - a.x * b.z,
  z: a.x * b.y - a.y * b.x,
});
export const length = (a: Vec3): number => Math.sqrt(dot(a, a));
export const normalize = (a: Vec3): Vec3 => scale(a, 1 / (length(a) || 1));
/** a + d * s */
export const along = (a: Vec3, d: Vec3, s: number): Vec3 => ({
  x: a.x + d.x * s,
  y: a.y + d.y * s,
  z: a.z + d.z * s,
});

/** Rotation about the vertical axis; yaw > 0 turns +z towards +x. */
export function rotateY(v: Vec3, yaw: number): Vec3 {
  const c = Math.cos(yaw);
  const s = Math.sin(yaw);
  return { x: v.x * c + v.z * s, y: v.y, z: -v.x * s + v.z * c };
}

/** Rotation about the x axis; pitch > 0 turns +y towards +z (a forward lean of an upright thing). */
export function rotateX(v: Vec3, pitch: number): Vec3 {
  const c = Math.cos(pitch);
  const s = Math.sin(pitch);
  return { x: v.x, y: v.y * c - v.z * s, z: v.y * s + v.z * c };
}

export const deg = (d: number): number => (d * Math.PI) / 180;
