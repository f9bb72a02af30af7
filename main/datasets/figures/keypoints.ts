// 2D body keypoints of a rendered figure: the mannequin's 3D joints projected through the same
// camera, in OpenPose-18 order, each kept only when the camera sees it.

import { OPENPOSE_KEYPOINT_NAMES } from '../../../shared/pose/openpose.ts';
import type { PoseKeypoint } from '../../../shared/pose/openpose-json.ts';
import { JOINT_PARTS, JOINT_RADIUS } from './mannequin.ts';
import type { Camera, SceneTracer } from './ray-tracer.ts';
import { projectPoint } from './ray-tracer.ts';
import type { Vec3 } from './vec3.ts';
import { length, normalize, sub } from './vec3.ts';

export interface ProjectedKeypoint {
  /** Continuous pixel coordinates: pixel i spans [i, i+1). */
  x: number;
  y: number;
  /** Planar depth along the camera's axis, metres. */
  depth: number;
  inFrame: boolean;
  /** In frame and not hidden behind anything (the body itself included). */
  visible: boolean;
}

/** Surface points (the face) may lie this far behind the first surface the ray meets. */
const SURFACE_TOLERANCE = 0.03;

/**
 * Projects every joint and tests its visibility with a ray from the camera: a joint is seen when
 * nothing lies in front of it nearer than the body's own surface around it, or when the first
 * thing the ray meets is one of the joint's own body parts (an ankle behind its own foot).
 */
export function projectKeypoints(
  joints: Record<(typeof OPENPOSE_KEYPOINT_NAMES)[number], Vec3>,
  camera: Camera,
  tracer: SceneTracer,
  width: number,
  height: number,
): ProjectedKeypoint[] {
  return OPENPOSE_KEYPOINT_NAMES.map((name) => {
    const joint = joints[name];
    const p = projectPoint(camera, joint, width, height);
    if (!p) return { x: -1, y: -1, depth: 0, inFrame: false, visible: false };
    const inFrame = p.x >= 0 && p.x < width && p.y >= 0 && p.y < height;
    let visible = false;
    if (inFrame) {
      const toJoint = sub(joint, camera.position);
      const hit = tracer.firstHit(camera.position, normalize(toJoint));
      const tolerance = JOINT_RADIUS[name] * 1.5 + SURFACE_TOLERANCE;
      visible =
        hit.t >= length(toJoint) - tolerance || (hit.part !== null && JOINT_PARTS[name].includes(hit.part));
    }
    return { x: p.x, y: p.y, depth: p.depth, inFrame, visible };
  });
}

/** The keypoints as the shared pose format has them: missing where not visible. */
export function toPoseKeypoints(points: ProjectedKeypoint[]): (PoseKeypoint | null)[] {
  return points.map((p) => (p.visible ? { x: round2(p.x), y: round2(p.y), confidence: 1 } : null));
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
