// The articulated mannequin: forward kinematics from pose angles to 3D joints (including the
// face points OpenPose uses) and the solids that draw the body. Proportions are a little
// chunkier than a person's so limbs stay visible at 64 pixels.
import type { OpenPoseKeypointName } from '../../../shared/pose/openpose.ts';
import type { LimbAngles, PoseAngles, SegmentAngles } from './pose-families.ts';
import type { Shape, Solid } from './shapes.ts';
import { shapeBounds } from './shapes.ts';
import type { Vec3 } from './vec3.ts';
import { add, along, deg, rotateX, rotateY, scale, vec3 } from './vec3.ts';

const BODY = {
  hipHalfWidth: 0.1,
  shoulderHalfWidth: 0.2,
  shoulderHeight: 0.5,
  neckBase: 0.55,
  headCenter: 0.76,
  headRadii: [0.12, 0.14, 0.13] as [number, number, number],
  upperArm: 0.29,
  foreArm: 0.27,
  thigh: 0.43,
  shin: 0.42,
  upperArmRadius: 0.06,
  foreArmRadius: 0.05,
  handRadius: 0.06,
  thighRadius: 0.085,
  shinRadius: 0.062,
  footRadius: 0.05,
  footLength: 0.15,
};

/** The radius of the body around each joint: how far in front of a joint its own surface may be. */
export const JOINT_RADIUS: Record<OpenPoseKeypointName, number> = {
  nose: 0,
  neck: 0.12,
  right_shoulder: 0.12,
  right_elbow: BODY.upperArmRadius,
  right_wrist: BODY.handRadius,
  left_shoulder: 0.12,
  left_elbow: BODY.upperArmRadius,
  left_wrist: BODY.handRadius,
  right_hip: 0.12,
  right_knee: BODY.thighRadius,
  right_ankle: BODY.shinRadius,
  left_hip: 0.12,
  left_knee: BODY.thighRadius,
  left_ankle: BODY.shinRadius,
  right_eye: 0,
  left_eye: 0,
  right_ear: 0,
  left_ear: 0,
};

/**
 * Body parts around each joint: a joint whose ray first meets one of these is seen (its own limb
 * covers it). Face points have none: they are on the surface and need a clear line of sight.
 */
export const JOINT_PARTS: Record<OpenPoseKeypointName, readonly string[]> = {
  nose: [],
  neck: ['chest', 'neck'],
  right_shoulder: ['chest', 'right_shoulder', 'right_upper_arm'],
  right_elbow: ['right_upper_arm', 'right_forearm'],
  right_wrist: ['right_forearm', 'right_hand'],
  left_shoulder: ['chest', 'left_shoulder', 'left_upper_arm'],
  left_elbow: ['left_upper_arm', 'left_forearm'],
  left_wrist: ['left_forearm', 'left_hand'],
  right_hip: ['pelvis', 'right_thigh'],
  right_knee: ['right_thigh', 'right_shin'],
  right_ankle: ['right_shin', 'right_foot'],
  left_hip: ['pelvis', 'left_thigh'],
  left_knee: ['left_thigh', 'left_shin'],
  left_ankle: ['left_shin', 'left_foot'],
  right_eye: [],
  left_eye: [],
  right_ear: [],
  left_ear: [],
};

export interface Mannequin {
  joints: Record<OpenPoseKeypointName, Vec3>;
  solids: Solid[];
  min: Vec3;
  max: Vec3;
}

/** Direction of one limb segment in its parent frame (see pose-families.ts for the angles). */
function segmentDirection(a: SegmentAngles, side: 1 | -1): Vec3 {
  const hanging = vec3(side * Math.sin(deg(a.abd)), -Math.cos(deg(a.abd)), 0);
  const flexed = rotateX(hanging, -deg(a.flex));
  return rotateY(flexed, -side * deg(a.swing));
}

interface LimbChain {
  root: Vec3;
  mid: Vec3;
  end: Vec3;
  lowerDir: Vec3;
}

function chain(root: Vec3, angles: LimbAngles, side: 1 | -1, upper: number, lower: number): LimbChain {
  const mid = along(root, segmentDirection(angles.upper, side), upper);
  const lowerDir = segmentDirection(angles.lower, side);
  return { root, mid, end: along(mid, lowerDir, lower), lowerDir };
}

/**
 * Builds the mannequin standing on the ground (y = 0) at the origin, facing +z turned by `yaw`
 * radians about the vertical. Its right side is -x before the turn.
 */
export function buildMannequin(angles: PoseAngles, yaw: number, albedo: [number, number, number]): Mannequin {
  const lean = deg(angles.lean);
  // Upper-body points are placed upright, then leaned forwards about the pelvis.
  const torso = (p: Vec3): Vec3 => rotateX(p, lean);
  const torsoDir = (d: Vec3): Vec3 => rotateX(d, lean);

  const shoulderR = torso(vec3(-BODY.shoulderHalfWidth, BODY.shoulderHeight, 0));
  const shoulderL = torso(vec3(BODY.shoulderHalfWidth, BODY.shoulderHeight, 0));
  const rotateArm = (root: Vec3, a: LimbAngles, side: 1 | -1): LimbChain => {
    const mid = along(root, torsoDir(segmentDirection(a.upper, side)), BODY.upperArm);
    const lowerDir = torsoDir(segmentDirection(a.lower, side));
    return { root, mid, end: along(mid, lowerDir, BODY.foreArm), lowerDir };
  };
  const armR = rotateArm(shoulderR, angles.rightArm, -1);
  const armL = rotateArm(shoulderL, angles.leftArm, 1);
  const legR = chain(vec3(-BODY.hipHalfWidth, 0, 0), angles.rightLeg, -1, BODY.thigh, BODY.shin);
  const legL = chain(vec3(BODY.hipHalfWidth, 0, 0), angles.leftLeg, 1, BODY.thigh, BODY.shin);

  const neck = torso(vec3(0, BODY.neckBase, 0));
  const headPitch = lean + deg(angles.headPitch);
  const headAxes: [Vec3, Vec3, Vec3] = [
    vec3(1, 0, 0),
    rotateX(vec3(0, 1, 0), headPitch),
    rotateX(vec3(0, 0, 1), headPitch),
  ];
  const headCenter = add(neck, scale(headAxes[1], BODY.headCenter - BODY.neckBase));
  const [hx, hy, hz] = BODY.headRadii;
  const face = (x: number, up: number, forward: number): Vec3 =>
    add(headCenter, add(scale(headAxes[0], x), add(scale(headAxes[1], up), scale(headAxes[2], forward))));

  const parts: string[] = ['pelvis', 'belly', 'chest', 'neck', 'head'];
  const shapes: Shape[] = [
    {
      kind: 'ellipsoid',
      center: vec3(0, 0.02, 0),
      axes: [vec3(1, 0, 0), vec3(0, 1, 0), vec3(0, 0, 1)],
      radii: [0.17, 0.12, 0.115],
    },
    {
      kind: 'ellipsoid',
      center: torso(vec3(0, 0.17, 0)),
      axes: [vec3(1, 0, 0), torsoDir(vec3(0, 1, 0)), torsoDir(vec3(0, 0, 1))],
      radii: [0.15, 0.16, 0.105],
    },
    {
      kind: 'ellipsoid',
      center: torso(vec3(0, 0.38, 0)),
      axes: [vec3(1, 0, 0), torsoDir(vec3(0, 1, 0)), torsoDir(vec3(0, 0, 1))],
      radii: [0.2, 0.19, 0.125],
    },
    { kind: 'capsule', a: neck, b: add(neck, scale(headAxes[1], 0.1)), radius: 0.055 },
    { kind: 'ellipsoid', center: headCenter, axes: headAxes, radii: [hx, hy, hz] },
  ];
  for (const [side, arm] of [
    ['right', armR],
    ['left', armL],
  ] as const) {
    parts.push(`${side}_shoulder`, `${side}_upper_arm`, `${side}_forearm`, `${side}_hand`);
    shapes.push(
      { kind: 'sphere', center: arm.root, radius: BODY.upperArmRadius * 1.15 },
      { kind: 'capsule', a: arm.root, b: arm.mid, radius: BODY.upperArmRadius },
      { kind: 'capsule', a: arm.mid, b: arm.end, radius: BODY.foreArmRadius },
      { kind: 'sphere', center: along(arm.end, arm.lowerDir, 0.05), radius: BODY.handRadius },
    );
  }
  for (const [side, leg] of [
    ['right', legR],
    ['left', legL],
  ] as const) {
    const footDir = rotateX(leg.lowerDir, deg(-90));
    parts.push(`${side}_thigh`, `${side}_shin`, `${side}_foot`);
    shapes.push(
      { kind: 'capsule', a: leg.root, b: leg.mid, radius: BODY.thighRadius },
      { kind: 'capsule', a: leg.mid, b: leg.end, radius: BODY.shinRadius },
      { kind: 'capsule', a: leg.end, b: along(leg.end, footDir, BODY.footLength), radius: BODY.footRadius },
    );
  }

  const joints: Record<OpenPoseKeypointName, Vec3> = {
    nose: face(0, -0.01, hz),
    neck,
    right_shoulder: shoulderR,
    right_elbow: armR.mid,
    right_wrist: armR.end,
    left_shoulder: shoulderL,
    left_elbow: armL.mid,
    left_wrist: armL.end,
    right_hip: legR.root,
    right_knee: legR.mid,
    right_ankle: legR.end,
    left_hip: legL.root,
    left_knee: legL.mid,
    left_ankle: legL.end,
    right_eye: face(-0.045, 0.03, hz * 0.9),
    left_eye: face(0.045, 0.03, hz * 0.9),
    right_ear: face(-hx, 0.0, 0),
    left_ear: face(hx, 0.0, 0),
  };

  // Stand on the ground (or hover, in a jump), then turn.
  const lowest = Math.min(...shapes.map((s) => shapeBounds(s).min.y));
  const lift = angles.lift - lowest;
  const place = (p: Vec3): Vec3 => rotateY(vec3(p.x, p.y + lift, p.z), yaw);
  const placed = shapes.map((s) => placeShape(s, place, yaw));
  const placedJoints = Object.fromEntries(
    Object.entries(joints).map(([name, p]) => [name, place(p)]),
  ) as Record<OpenPoseKeypointName, Vec3>;
  const bounds = placed.map(shapeBounds);
  return {
    joints: placedJoints,
    solids: placed.map((shape, i) => ({ shape, albedo, group: 'figure' as const, part: parts[i]! })),
    min: vec3(
      Math.min(...bounds.map((b) => b.min.x)),
      Math.min(...bounds.map((b) => b.min.y)),
      Math.min(...bounds.map((b) => b.min.z)),
    ),
    max: vec3(
      Math.max(...bounds.map((b) => b.max.x)),
      Math.max(...bounds.map((b) => b.max.y)),
      Math.max(...bounds.map((b) => b.max.z)),
    ),
  };
}

function placeShape(s: Shape, place: (p: Vec3) => Vec3, yaw: number): Shape {
  switch (s.kind) {
    case 'sphere':
      return { ...s, center: place(s.center) };
    case 'capsule':
      return { ...s, a: place(s.a), b: place(s.b) };
    case 'ellipsoid':
      return {
        ...s,
        center: place(s.center),
        axes: [rotateY(s.axes[0], yaw), rotateY(s.axes[1], yaw), rotateY(s.axes[2], yaw)],
      };
    case 'box':
      return { ...s, base: place(s.base), yaw: s.yaw + yaw };
    case 'cone':
    case 'cylinder':
      return { ...s, base: place(s.base) };
  }
}
