// A small CPU ray tracer for figure scenes: analytic ray-primitive intersection, a ground plane
// and a sky, one directional light with Lambert shading, hard shadows and a hemisphere ambient
// term. Renders colour, exact planar depth and figure coverage from the same supersampled rays.
import type { Shape, Solid, SolidGroup } from './shapes.ts';
import { shapeBounds } from './shapes.ts';
import type { Vec3 } from './vec3.ts';
import { cross, dot, normalize, sub } from './vec3.ts';

export type Rgb = [number, number, number];

export interface Lighting {
  /** Unit vector pointing towards the light. */
  toLight: Vec3;
  /** Linear RGB radiance of the light. */
  lightColor: Rgb;
  /** Ambient light from the sky (surfaces facing up) and bounced off the ground (facing down). */
  skyAmbient: Rgb;
  groundAmbient: Rgb;
  skyZenith: Rgb;
  skyHorizon: Rgb;
  /** Strength of the glow around the light's direction in the sky (a low sun or the moon). */
  sunGlow: number;
  /** Distance at which the ground has faded 63% of the way into the horizon colour. */
  fogDistance: number;
}

export interface Camera {
  position: Vec3;
  forward: Vec3;
  right: Vec3;
  up: Vec3;
  /** tan(vertical field of view / 2). */
  tanHalfFov: number;
}

export interface TraceScene {
  solids: Solid[];
  groundAlbedo: Rgb;
  lighting: Lighting;
  camera: Camera;
}

export interface RenderResult {
  width: number;
  height: number;
  /** RGBA, sRGB-encoded, opaque. */
  rgba: Uint8ClampedArray;
  /** Per pixel: mean of (nearest depth / depth) over the pixel's rays; 0 where only sky was seen. */
  inverseDepth: Float32Array;
  /** The smallest planar depth any ray saw (metres along the camera's axis). */
  nearestDepth: number;
  /** Per pixel: the fraction of rays whose first hit was the figure. */
  figureCoverage: Float32Array;
}

export function lookAt(position: Vec3, target: Vec3, verticalFovDeg: number): Camera {
  const forward = normalize(sub(target, position));
  const right = normalize(cross(forward, { x: 0, y: 1, z: 0 }));
  const up = cross(right, forward);
  return { position, forward, right, up, tanHalfFov: Math.tan((verticalFovDeg * Math.PI) / 360) };
}

/** Projects a world point to continuous pixel coordinates (pixel i spans [i, i+1)); null behind. */
export function projectPoint(
  camera: Camera,
  p: Vec3,
  width: number,
  height: number,
): { x: number; y: number; depth: number } | null {
  const rel = sub(p, camera.position);
  const zc = dot(rel, camera.forward);
  if (zc <= 1e-6) return null;
  const aspect = width / height;
  const xc = dot(rel, camera.right);
  const yc = dot(rel, camera.up);
  return {
    x: ((xc / (zc * camera.tanHalfFov * aspect) + 1) / 2) * width,
    y: ((1 - yc / (zc * camera.tanHalfFov)) / 2) * height,
    depth: zc,
  };
}

const SPHERE = 0;
const CAPSULE = 1;
const ELLIPSOID = 2;
const BOX = 3;
const CONE = 4;
const CYLINDER = 5;
const EPS = 1e-4;
/** Rays are culled against solids in square blocks of this many rays a side. */
const TILE = 8;

/** A solid flattened to numbers for the inner loop. */
interface Compiled {
  kind: number;
  p: Float64Array;
  albedo: Rgb;
  figure: boolean;
  part: string | null;
  /** Bounding sphere. */
  bx: number;
  by: number;
  bz: number;
  br2: number;
}

function compile(solid: Solid): Compiled {
  const s: Shape = solid.shape;
  let kind: number;
  let p: number[];
  switch (s.kind) {
    case 'sphere':
      kind = SPHERE;
      p = [s.center.x, s.center.y, s.center.z, s.radius];
      break;
    case 'capsule':
      kind = CAPSULE;
      p = [s.a.x, s.a.y, s.a.z, s.b.x, s.b.y, s.b.z, s.radius];
      break;
    case 'ellipsoid': {
      kind = ELLIPSOID;
      const [a0, a1, a2] = s.axes;
      const [r0, r1, r2] = s.radii;
      // Rows: axis_i / r_i, so local = rows * (world - centre) lands in the unit sphere.
      p = [
        s.center.x,
        s.center.y,
        s.center.z,
        a0.x / r0,
        a0.y / r0,
        a0.z / r0,
        a1.x / r1,
        a1.y / r1,
        a1.z / r1,
        a2.x / r2,
        a2.y / r2,
        a2.z / r2,
      ];
      break;
    }
    case 'box':
      kind = BOX;
      p = [
        s.base.x,
        s.base.y + s.half.y,
        s.base.z,
        s.half.x,
        s.half.y,
        s.half.z,
        Math.cos(s.yaw),
        Math.sin(s.yaw),
      ];
      break;
    case 'cone':
      kind = CONE;
      p = [s.base.x, s.base.y, s.base.z, s.radius, s.height];
      break;
    case 'cylinder':
      kind = CYLINDER;
      p = [s.base.x, s.base.y, s.base.z, s.radius, s.height];
      break;
  }
  const b = shapeBounds(s);
  const cx = (b.min.x + b.max.x) / 2;
  const cy = (b.min.y + b.max.y) / 2;
  const cz = (b.min.z + b.max.z) / 2;
  const r2 = ((b.max.x - b.min.x) ** 2 + (b.max.y - b.min.y) ** 2 + (b.max.z - b.min.z) ** 2) / 4;
  return {
    kind,
    p: Float64Array.from(p),
    albedo: solid.albedo,
    figure: solid.group === 'figure',
    part: solid.part ?? null,
    bx: cx,
    by: cy,
    bz: cz,
    br2: r2 * 1.0001 + 1e-9,
  };
}

// Scratch for the hit found by `intersect` (kept out of the hot loop's allocations).
let hitNx = 0;
let hitNy = 0;
let hitNz = 0;

/** Nearest t in (EPS, tMax) where the ray meets the solid, or Infinity. Sets the hit normal. */
function intersect(
  c: Compiled,
  ox: number,
  oy: number,
  oz: number,
  dx: number,
  dy: number,
  dz: number,
  tMax: number,
  wantNormal: boolean,
): number {
  // Bounding-sphere rejection first.
  {
    const lx = ox - c.bx;
    const ly = oy - c.by;
    const lz = oz - c.bz;
    const b = lx * dx + ly * dy + lz * dz;
    const cc = lx * lx + ly * ly + lz * lz - c.br2;
    if (cc > 0 && (b > 0 || b * b < cc)) return Number.POSITIVE_INFINITY;
  }
  const p = c.p;
  switch (c.kind) {
    case SPHERE: {
      const lx = ox - p[0]!;
      const ly = oy - p[1]!;
      const lz = oz - p[2]!;
      const r = p[3]!;
      const b = lx * dx + ly * dy + lz * dz;
      const h = b * b - (lx * lx + ly * ly + lz * lz - r * r);
      if (h < 0) return Number.POSITIVE_INFINITY;
      const sq = Math.sqrt(h);
      let t = -b - sq;
      if (t <= EPS) t = -b + sq;
      if (t <= EPS || t >= tMax) return Number.POSITIVE_INFINITY;
      if (wantNormal) {
        hitNx = (lx + t * dx) / r;
        hitNy = (ly + t * dy) / r;
        hitNz = (lz + t * dz) / r;
      }
      return t;
    }
    case CAPSULE: {
      const ax = p[0]!;
      const ay = p[1]!;
      const az = p[2]!;
      const bax = p[3]! - ax;
      const bay = p[4]! - ay;
      const baz = p[5]! - az;
      const r = p[6]!;
      const oax = ox - ax;
      const oay = oy - ay;
      const oaz = oz - az;
      const baba = bax * bax + bay * bay + baz * baz;
      const bard = bax * dx + bay * dy + baz * dz;
      const baoa = bax * oax + bay * oay + baz * oaz;
      const rdoa = dx * oax + dy * oay + dz * oaz;
      const oaoa = oax * oax + oay * oay + oaz * oaz;
      const qa = baba - bard * bard;
      const qb = baba * rdoa - baoa * bard;
      const qc = baba * oaoa - baoa * baoa - r * r * baba;
      let t = Number.POSITIVE_INFINITY;
      const h = qb * qb - qa * qc;
      if (h >= 0 && qa > 1e-12) {
        const side = (-qb - Math.sqrt(h)) / qa;
        const y = baoa + side * bard;
        if (y > 0 && y < baba && side > EPS) t = side;
      }
      if (t === Number.POSITIVE_INFINITY) {
        // The rounded ends: whichever end sphere the ray meets first.
        for (let e = 0; e < 2; e++) {
          const lx = e === 0 ? oax : ox - p[3]!;
          const ly = e === 0 ? oay : oy - p[4]!;
          const lz = e === 0 ? oaz : oz - p[5]!;
          const b = lx * dx + ly * dy + lz * dz;
          const hh = b * b - (lx * lx + ly * ly + lz * lz - r * r);
          if (hh >= 0) {
            const te = -b - Math.sqrt(hh);
            if (te > EPS && te < t) t = te;
          }
        }
      }
      if (t >= tMax) return Number.POSITIVE_INFINITY;
      if (wantNormal) {
        const px = ox + t * dx - ax;
        const py = oy + t * dy - ay;
        const pz = oz + t * dz - az;
        let k = (px * bax + py * bay + pz * baz) / baba;
        k = Math.max(0, Math.min(1, k));
        hitNx = (px - bax * k) / r;
        hitNy = (py - bay * k) / r;
        hitNz = (pz - baz * k) / r;
      }
      return t;
    }
    case ELLIPSOID: {
      const lx = ox - p[0]!;
      const ly = oy - p[1]!;
      const lz = oz - p[2]!;
      const o0 = p[3]! * lx + p[4]! * ly + p[5]! * lz;
      const o1 = p[6]! * lx + p[7]! * ly + p[8]! * lz;
      const o2 = p[9]! * lx + p[10]! * ly + p[11]! * lz;
      const d0 = p[3]! * dx + p[4]! * dy + p[5]! * dz;
      const d1 = p[6]! * dx + p[7]! * dy + p[8]! * dz;
      const d2 = p[9]! * dx + p[10]! * dy + p[11]! * dz;
      const a = d0 * d0 + d1 * d1 + d2 * d2;
      const b = o0 * d0 + o1 * d1 + o2 * d2;
      const cc = o0 * o0 + o1 * o1 + o2 * o2 - 1;
      const h = b * b - a * cc;
      if (h < 0) return Number.POSITIVE_INFINITY;
      const sq = Math.sqrt(h);
      let t = (-b - sq) / a;
      if (t <= EPS) t = (-b + sq) / a;
      if (t <= EPS || t >= tMax) return Number.POSITIVE_INFINITY;
      if (wantNormal) {
        // Gradient of |M (x - c)|^2 is M^T M (x - c): M^T applied to the local hit point.
        const q0 = o0 + t * d0;
        const q1 = o1 + t * d1;
        const q2 = o2 + t * d2;
        hitNx = p[3]! * q0 + p[6]! * q1 + p[9]! * q2;
        hitNy = p[4]! * q0 + p[7]! * q1 + p[10]! * q2;
        hitNz = p[5]! * q0 + p[8]! * q1 + p[11]! * q2;
        const n = Math.sqrt(hitNx * hitNx + hitNy * hitNy + hitNz * hitNz);
        hitNx /= n;
        hitNy /= n;
        hitNz /= n;
      }
      return t;
    }
    case BOX: {
      const cs = p[6]!;
      const sn = p[7]!;
      const lx = ox - p[0]!;
      const ly = oy - p[1]!;
      const lz = oz - p[2]!;
      // Local axes: ex = (cos, 0, -sin), ez = (sin, 0, cos).
      const o0 = lx * cs - lz * sn;
      const o2 = lx * sn + lz * cs;
      const d0 = dx * cs - dz * sn;
      const d2 = dx * sn + dz * cs;
      let tNear = Number.NEGATIVE_INFINITY;
      let tFar = Number.POSITIVE_INFINITY;
      let nearAxis = 0;
      let farAxis = 0;
      for (let i = 0; i < 3; i++) {
        const di = i === 0 ? d0 : i === 1 ? dy : d2;
        const oi = i === 0 ? o0 : i === 1 ? ly : o2;
        const hi = p[3 + i]!;
        if (Math.abs(di) < 1e-12) {
          if (oi < -hi || oi > hi) return Number.POSITIVE_INFINITY;
          continue;
        }
        const ta = (-hi - oi) / di;
        const tb = (hi - oi) / di;
        const t1 = Math.min(ta, tb);
        const t2 = Math.max(ta, tb);
        if (t1 > tNear) {
          tNear = t1;
          nearAxis = i;
        }
        if (t2 < tFar) {
          tFar = t2;
          farAxis = i;
        }
      }
      if (tNear > tFar) return Number.POSITIVE_INFINITY;
      let t = tNear;
      let axis = nearAxis;
      if (t <= EPS) {
        t = tFar;
        axis = farAxis;
      }
      if (t <= EPS || t >= tMax) return Number.POSITIVE_INFINITY;
      if (wantNormal) {
        const dAxis = axis === 0 ? d0 : axis === 1 ? dy : d2;
        const sign = dAxis > 0 ? -1 : 1;
        const l0 = axis === 0 ? sign : 0;
        const l2 = axis === 2 ? sign : 0;
        // Back to world: world = l0*ex + l1*ey + l2*ez.
        hitNx = l0 * cs + l2 * sn;
        hitNy = axis === 1 ? sign : 0;
        hitNz = -l0 * sn + l2 * cs;
      }
      return t;
    }
    case CONE:
    case CYLINDER: {
      const lx = ox - p[0]!;
      const ly = oy - p[1]!;
      const lz = oz - p[2]!;
      const r = p[3]!;
      const hgt = p[4]!;
      const cone = c.kind === CONE;
      const k2 = cone ? (r / hgt) ** 2 : 0;
      const w = hgt - ly;
      const a = dx * dx + dz * dz - k2 * dy * dy;
      const b = lx * dx + lz * dz + k2 * w * dy;
      const cc = lx * lx + lz * lz - (cone ? k2 * w * w : r * r);
      let t = Number.POSITIVE_INFINITY;
      let capHit = 0;
      const h = b * b - a * cc;
      if (h >= 0 && Math.abs(a) > 1e-12) {
        const sq = Math.sqrt(h);
        for (let e = -1; e <= 1; e += 2) {
          const root = (-b + e * sq) / a;
          const y = ly + root * dy;
          if (root > EPS && root < t && y >= 0 && y <= hgt) t = root;
        }
      }
      // Bottom disc, and the top disc of a cylinder.
      if (Math.abs(dy) > 1e-12) {
        for (const capY of cone ? [0] : [0, hgt]) {
          const tc = (capY - ly) / dy;
          if (tc > EPS && tc < t) {
            const x = lx + tc * dx;
            const z = lz + tc * dz;
            if (x * x + z * z <= r * r) {
              t = tc;
              capHit = capY === 0 ? -1 : 1;
            }
          }
        }
      }
      if (t >= tMax) return Number.POSITIVE_INFINITY;
      if (wantNormal) {
        if (capHit !== 0) {
          hitNx = 0;
          hitNy = capHit;
          hitNz = 0;
        } else {
          const x = lx + t * dx;
          const z = lz + t * dz;
          const rad = Math.sqrt(x * x + z * z) || 1;
          const ny = cone ? r / hgt : 0;
          const n = Math.sqrt(1 + ny * ny);
          hitNx = x / rad / n;
          hitNy = ny / n;
          hitNz = z / rad / n;
        }
      }
      return t;
    }
  }
  return Number.POSITIVE_INFINITY;
}

/** A scene prepared for tracing. */
export class SceneTracer {
  private readonly compiled: Compiled[];

  constructor(readonly scene: TraceScene) {
    this.compiled = scene.solids.map(compile);
  }

  /** The first thing a ray meets: its distance, what it is ('sky' when nothing) and the body part. */
  firstHit(origin: Vec3, dir: Vec3): { t: number; what: SolidGroup | 'ground' | 'sky'; part: string | null } {
    let t = groundHit(origin, dir);
    let what: SolidGroup | 'ground' | 'sky' = t < Number.POSITIVE_INFINITY ? 'ground' : 'sky';
    let part: string | null = null;
    for (const c of this.compiled) {
      const tc = intersect(c, origin.x, origin.y, origin.z, dir.x, dir.y, dir.z, t, false);
      if (tc < t) {
        t = tc;
        what = c.figure ? 'figure' : 'object';
        part = c.part;
      }
    }
    return { t, what, part };
  }

  /**
   * For each TILE x TILE block of rays, the solids whose projected bounding sphere overlaps it:
   * most rays then test nothing but the ground.
   */
  private tileCandidates(sw: number, sh: number, aspect: number): number[][] {
    const { camera } = this.scene;
    const cols = Math.ceil(sw / TILE);
    const rows = Math.ceil(sh / TILE);
    const tiles: number[][] = Array.from({ length: cols * rows }, () => []);
    this.compiled.forEach((c, i) => {
      const r = Math.sqrt(c.br2);
      const rel = { x: c.bx - camera.position.x, y: c.by - camera.position.y, z: c.bz - camera.position.z };
      const zc = dot(rel, camera.forward);
      let x0 = 0;
      let x1 = cols - 1;
      let y0 = 0;
      let y1 = rows - 1;
      if (zc - r > 1e-3) {
        // The sphere lies in the box centre +- r (camera axes); x/z over that box is extreme at its corners.
        const xr = dot(rel, camera.right);
        const yr = dot(rel, camera.up);
        const near = zc - r;
        const far = zc + r;
        const lo = (v: number) => Math.min((v - r) / near, (v - r) / far);
        const hi = (v: number) => Math.max((v + r) / near, (v + r) / far);
        const toSx = (v: number) => ((v / (camera.tanHalfFov * aspect) + 1) / 2) * sw;
        const toSy = (v: number) => ((1 - v / camera.tanHalfFov) / 2) * sh;
        x0 = Math.max(0, Math.floor((toSx(lo(xr)) - 1) / TILE));
        x1 = Math.min(cols - 1, Math.floor((toSx(hi(xr)) + 1) / TILE));
        y0 = Math.max(0, Math.floor((toSy(hi(yr)) - 1) / TILE));
        y1 = Math.min(rows - 1, Math.floor((toSy(lo(yr)) + 1) / TILE));
      }
      for (let ty = y0; ty <= y1; ty++) for (let tx = x0; tx <= x1; tx++) tiles[ty * cols + tx]!.push(i);
    });
    return tiles;
  }

  /** Solids grouped (figure, objects) under one bounding sphere each, for shadow rays. */
  private shadowGroups(): ShadowGroup[] {
    const groups: ShadowGroup[] = [];
    for (const figure of [true, false]) {
      const members = this.compiled.map((c, i) => [c, i] as const).filter(([c]) => c.figure === figure);
      if (members.length === 0) continue;
      let minX = Number.POSITIVE_INFINITY;
      let minY = minX;
      let minZ = minX;
      let maxX = Number.NEGATIVE_INFINITY;
      let maxY = maxX;
      let maxZ = maxX;
      for (const [c] of members) {
        const r = Math.sqrt(c.br2);
        minX = Math.min(minX, c.bx - r);
        minY = Math.min(minY, c.by - r);
        minZ = Math.min(minZ, c.bz - r);
        maxX = Math.max(maxX, c.bx + r);
        maxY = Math.max(maxY, c.by + r);
        maxZ = Math.max(maxZ, c.bz + r);
      }
      groups.push({
        cx: (minX + maxX) / 2,
        cy: (minY + maxY) / 2,
        cz: (minZ + maxZ) / 2,
        r2: ((maxX - minX) ** 2 + (maxY - minY) ** 2 + (maxZ - minZ) ** 2) / 4,
        members: members.map(([, i]) => i),
      });
    }
    return groups;
  }

  /** Renders at `supersample`² rays per pixel, box-filtered down to width x height. */
  render(width: number, height: number, supersample: number): RenderResult {
    const { camera, lighting, groundAlbedo } = this.scene;
    const ss = supersample;
    const sw = width * ss;
    const sh = height * ss;
    const n = sw * sh;
    const depth = new Float32Array(n);
    const color = new Float32Array(width * height * 3);
    const coverage = new Float32Array(width * height);
    const aspect = width / height;
    const { position: cp, forward: f, right: rt, up } = camera;
    const L = lighting.toLight;
    const compiled = this.compiled;
    const inv = 1 / (ss * ss);
    let nearest = Number.POSITIVE_INFINITY;
    const tiles = this.tileCandidates(sw, sh, aspect);
    const shadowCasters = this.shadowGroups();
    for (let sy = 0; sy < sh; sy++) {
      const ny = (1 - ((sy + 0.5) / sh) * 2) * camera.tanHalfFov;
      const tileRow = (sy / TILE) | 0;
      for (let sx = 0; sx < sw; sx++) {
        const candidates = tiles[tileRow * Math.ceil(sw / TILE) + ((sx / TILE) | 0)]!;
        const ncand = candidates.length;
        const nx = (((sx + 0.5) / sw) * 2 - 1) * camera.tanHalfFov * aspect;
        let dx = f.x + nx * rt.x + ny * up.x;
        let dy2 = f.y + nx * rt.y + ny * up.y;
        let dz = f.z + nx * rt.z + ny * up.z;
        const dl = 1 / Math.sqrt(dx * dx + dy2 * dy2 + dz * dz);
        dx *= dl;
        dy2 *= dl;
        dz *= dl;
        let t = dy2 < -1e-9 ? -cp.y / dy2 : Number.POSITIVE_INFINITY;
        let hitIndex = -1;
        let nX = 0;
        let nY = 1;
        let nZ = 0;
        for (let k = 0; k < ncand; k++) {
          const i = candidates[k]!;
          const tc = intersect(compiled[i]!, cp.x, cp.y, cp.z, dx, dy2, dz, t, true);
          if (tc < t) {
            t = tc;
            hitIndex = i;
            nX = hitNx;
            nY = hitNy;
            nZ = hitNz;
          }
        }
        let r: number;
        let g: number;
        let b: number;
        const px = (sx / ss) | 0;
        const py = (sy / ss) | 0;
        const pix = py * width + px;
        if (t === Number.POSITIVE_INFINITY) {
          depth[sy * sw + sx] = Number.POSITIVE_INFINITY;
          const up01 = dy2 > 0 ? Math.sqrt(dy2) : 0;
          const glow = Math.max(0, dx * L.x + dy2 * L.y + dz * L.z) ** 48 * lighting.sunGlow;
          r =
            lighting.skyHorizon[0] +
            (lighting.skyZenith[0] - lighting.skyHorizon[0]) * up01 +
            glow * lighting.lightColor[0];
          g =
            lighting.skyHorizon[1] +
            (lighting.skyZenith[1] - lighting.skyHorizon[1]) * up01 +
            glow * lighting.lightColor[1];
          b =
            lighting.skyHorizon[2] +
            (lighting.skyZenith[2] - lighting.skyHorizon[2]) * up01 +
            glow * lighting.lightColor[2];
        } else {
          const z = t * (dx * f.x + dy2 * f.y + dz * f.z);
          depth[sy * sw + sx] = z;
          if (z < nearest) nearest = z;
          if (nX * dx + nY * dy2 + nZ * dz > 0) {
            nX = -nX;
            nY = -nY;
            nZ = -nZ;
          }
          const hx = cp.x + t * dx;
          const hy = cp.y + t * dy2;
          const hz = cp.z + t * dz;
          const albedo = hitIndex < 0 ? groundAlbedo : compiled[hitIndex]!.albedo;
          if (hitIndex >= 0 && compiled[hitIndex]!.figure) coverage[pix]! += inv;
          let lit = nX * L.x + nY * L.y + nZ * L.z;
          if (lit > 0) {
            const sox = hx + nX * 1e-3;
            const soy = hy + nY * 1e-3;
            const soz = hz + nZ * 1e-3;
            if (occluded(shadowCasters, compiled, sox, soy, soz, L.x, L.y, L.z)) lit = 0;
          } else lit = 0;
          const hemi = 0.5 + 0.5 * nY;
          let spec = 0;
          if (lit > 0 && hitIndex >= 0) {
            const hvx = L.x - dx;
            const hvy = L.y - dy2;
            const hvz = L.z - dz;
            const hl = Math.sqrt(hvx * hvx + hvy * hvy + hvz * hvz) || 1;
            const nh = (nX * hvx + nY * hvy + nZ * hvz) / hl;
            spec = nh > 0 ? 0.25 * nh ** 24 : 0;
          }
          const amb = lighting.skyAmbient;
          const gam = lighting.groundAmbient;
          const lc = lighting.lightColor;
          r = albedo[0] * (gam[0] + (amb[0] - gam[0]) * hemi + lc[0] * lit) + spec * lc[0];
          g = albedo[1] * (gam[1] + (amb[1] - gam[1]) * hemi + lc[1] * lit) + spec * lc[1];
          b = albedo[2] * (gam[2] + (amb[2] - gam[2]) * hemi + lc[2] * lit) + spec * lc[2];
          if (hitIndex < 0) {
            const fog = 1 - Math.exp(-t / lighting.fogDistance);
            r += (lighting.skyHorizon[0] - r) * fog;
            g += (lighting.skyHorizon[1] - g) * fog;
            b += (lighting.skyHorizon[2] - b) * fog;
          }
        }
        color[pix * 3]! += r * inv;
        color[pix * 3 + 1]! += g * inv;
        color[pix * 3 + 2]! += b * inv;
      }
    }
    const rgba = new Uint8ClampedArray(width * height * 4);
    for (let i = 0; i < width * height; i++) {
      rgba[i * 4] = 255 * linearToSrgb(color[i * 3]!);
      rgba[i * 4 + 1] = 255 * linearToSrgb(color[i * 3 + 1]!);
      rgba[i * 4 + 2] = 255 * linearToSrgb(color[i * 3 + 2]!);
      rgba[i * 4 + 3] = 255;
    }
    const inverseDepth = new Float32Array(width * height);
    for (let sy = 0; sy < sh; sy++) {
      for (let sx = 0; sx < sw; sx++) {
        const z = depth[sy * sw + sx]!;
        if (z !== Number.POSITIVE_INFINITY)
          inverseDepth[((sy / ss) | 0) * width + ((sx / ss) | 0)]! += (nearest / z) * inv;
      }
    }
    return { width, height, rgba, inverseDepth, nearestDepth: nearest, figureCoverage: coverage };
  }
}

interface ShadowGroup {
  cx: number;
  cy: number;
  cz: number;
  r2: number;
  members: number[];
}

function occluded(
  groups: ShadowGroup[],
  compiled: Compiled[],
  ox: number,
  oy: number,
  oz: number,
  dx: number,
  dy: number,
  dz: number,
): boolean {
  for (const g of groups) {
    const lx = ox - g.cx;
    const ly = oy - g.cy;
    const lz = oz - g.cz;
    const b = lx * dx + ly * dy + lz * dz;
    const cc = lx * lx + ly * ly + lz * lz - g.r2;
    if (cc > 0 && (b > 0 || b * b < cc)) continue;
    for (const i of g.members)
      if (
        intersect(compiled[i]!, ox, oy, oz, dx, dy, dz, Number.POSITIVE_INFINITY, false) <
        Number.POSITIVE_INFINITY
      )
        return true;
  }
  return false;
}

function groundHit(origin: Vec3, dir: Vec3): number {
  return dir.y < -1e-9 ? -origin.y / dir.y : Number.POSITIVE_INFINITY;
}

function linearToSrgb(v: number): number {
  if (v <= 0) return 0;
  if (v >= 1) return 1;
  return v <= 0.0031308 ? 12.92 * v : 1.055 * v ** (1 / 2.4) - 0.055;
}
