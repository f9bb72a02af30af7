// Named pose families of the mannequin: joint angles per family, drawn with jitter and a random
// choice of side. Angles are degrees. A limb segment's direction is given in the frame of the
// torso (arms) or pelvis (legs), starting from "hanging straight down":
//   abd   raises it sideways, away from the body (90 = horizontal, 180 = straight up),
//   flex  raises it forwards (90 = pointing forwards, negative = backwards),
//   swing then turns it about the vertical towards the front.
import type { Prng } from '../prng.ts';

export const POSE_CLASSES = [
  'standing',
  'walking',
  'running',
  'arms_up',
  'waving',
  'pointing',
  'arms_out',
  'sitting',
  'kneeling',
  'jumping',
  'kicking',
  'squatting',
] as const;

export type PoseClass = (typeof POSE_CLASSES)[number];

/** How a caption says each pose ("a blue figure <phrase> ..."). */
export const POSE_PHRASES: Record<PoseClass, string> = {
  standing: 'standing',
  walking: 'walking',
  running: 'running',
  arms_up: 'raising both arms',
  waving: 'waving',
  pointing: 'pointing',
  arms_out: 'stretching out both arms',
  sitting: 'sitting on the ground',
  kneeling: 'kneeling',
  jumping: 'jumping',
  kicking: 'kicking',
  squatting: 'squatting',
};

/** Families whose shape shows best from the side; the others read best from the front. */
export const SIDE_VIEW_POSES: ReadonlySet<PoseClass> = new Set([
  'walking',
  'running',
  'sitting',
  'kneeling',
  'kicking',
  'squatting',
]);

export interface SegmentAngles {
  abd: number;
  flex: number;
  swing: number;
}

export interface LimbAngles {
  upper: SegmentAngles;
  lower: SegmentAngles;
}

export interface PoseAngles {
  pose: PoseClass;
  /** Forward lean of the upper body, degrees. */
  lean: number;
  /** Nod of the head, degrees (positive looks down). */
  headPitch: number;
  rightArm: LimbAngles;
  leftArm: LimbAngles;
  rightLeg: LimbAngles;
  leftLeg: LimbAngles;
  /** Height of the lowest point above the ground, metres (a jump). */
  lift: number;
}

type Seg = [abd: number, flex: number, swing?: number];

function limb(rng: Prng, upper: Seg, lower: Seg, jitter = 6): LimbAngles {
  const seg = ([abd, flex, swing = 0]: Seg): SegmentAngles => ({
    abd: abd + rng.jitter(jitter),
    flex: flex + rng.jitter(jitter),
    swing: swing + rng.jitter(jitter * 0.5),
  });
  return { upper: seg(upper), lower: seg(lower) };
}

const armDown = (rng: Prng): LimbAngles =>
  limb(rng, [rng.range(6, 16), rng.range(-8, 8)], [rng.range(4, 12), rng.range(0, 15)]);
const legStraight = (rng: Prng): LimbAngles => limb(rng, [rng.range(2, 7), 0], [rng.range(1, 5), 0], 3);

interface Sides {
  /** The side doing the one-sided thing (the waving arm, the kicking leg, the front leg). */
  active: 'right' | 'left';
}

function assemble(
  pose: PoseClass,
  sides: Sides,
  parts: {
    activeArm: LimbAngles;
    otherArm: LimbAngles;
    activeLeg: LimbAngles;
    otherLeg: LimbAngles;
    lean?: number;
    headPitch?: number;
    lift?: number;
  },
): PoseAngles {
  const right = sides.active === 'right';
  return {
    pose,
    lean: parts.lean ?? 0,
    headPitch: parts.headPitch ?? 0,
    rightArm: right ? parts.activeArm : parts.otherArm,
    leftArm: right ? parts.otherArm : parts.activeArm,
    rightLeg: right ? parts.activeLeg : parts.otherLeg,
    leftLeg: right ? parts.otherLeg : parts.activeLeg,
    lift: parts.lift ?? 0,
  };
}

const FAMILIES: Record<PoseClass, (rng: Prng, sides: Sides) => PoseAngles> = {
  standing: (rng, s) =>
    assemble('standing', s, {
      activeArm: armDown(rng),
      otherArm: armDown(rng),
      activeLeg: legStraight(rng),
      otherLeg: legStraight(rng),
      lean: rng.jitter(3),
      headPitch: rng.jitter(8),
    }),
  walking: (rng, s) => {
    const stride = rng.range(0.8, 1.2);
    // The arm on the side of the leading leg swings back.
    return assemble('walking', s, {
      activeLeg: limb(rng, [3, 24 * stride], [2, 4]),
      otherLeg: limb(rng, [3, -20 * stride], [2, -42 * stride]),
      activeArm: limb(rng, [8, -24 * stride], [6, -10]),
      otherArm: limb(rng, [8, 26 * stride], [6, 50 * stride]),
      lean: rng.range(0, 6),
    });
  },
  running: (rng, s) =>
    assemble('running', s, {
      activeLeg: limb(rng, [4, 62], [3, -12], 8),
      otherLeg: limb(rng, [4, -28], [3, -105], 8),
      activeArm: limb(rng, [12, -48], [10, 35], 8),
      otherArm: limb(rng, [12, 48], [10, 125], 8),
      lean: rng.range(10, 20),
      lift: rng.range(0.02, 0.12),
    }),
  arms_up: (rng, s) => {
    const up = rng.range(150, 172);
    return assemble('arms_up', s, {
      activeArm: limb(rng, [up, rng.range(0, 15)], [up + 6, 5]),
      otherArm: limb(rng, [up, rng.range(0, 15)], [up + 6, 5]),
      activeLeg: legStraight(rng),
      otherLeg: legStraight(rng),
      headPitch: -rng.range(0, 15),
    });
  },
  waving: (rng, s) =>
    assemble('waving', s, {
      activeArm: limb(rng, [rng.range(85, 115), 12], [rng.range(150, 175), 8], 8),
      otherArm: armDown(rng),
      activeLeg: legStraight(rng),
      otherLeg: legStraight(rng),
    }),
  pointing: (rng, s) => {
    const swing = rng.range(0, 30);
    const abd = rng.range(78, 98);
    return assemble('pointing', s, {
      activeArm: limb(rng, [abd, 0, swing], [abd + 2, 0, swing], 4),
      otherArm: armDown(rng),
      activeLeg: legStraight(rng),
      otherLeg: legStraight(rng),
    });
  },
  arms_out: (rng, s) =>
    assemble('arms_out', s, {
      activeArm: limb(rng, [90, 0], [92, 0], 7),
      otherArm: limb(rng, [90, 0], [92, 0], 7),
      activeLeg: legStraight(rng),
      otherLeg: legStraight(rng),
    }),
  sitting: (rng, s) => {
    const kneesUp = rng.chance(0.6);
    const leg = (): LimbAngles => (kneesUp ? limb(rng, [9, 112], [4, 32]) : limb(rng, [7, 88], [4, 88], 5));
    const handsBehind = rng.chance(0.5);
    const arm = (): LimbAngles =>
      handsBehind ? limb(rng, [18, -38], [14, -30]) : limb(rng, [10, 48], [8, 82]);
    return assemble('sitting', s, {
      activeLeg: leg(),
      otherLeg: leg(),
      activeArm: arm(),
      otherArm: arm(),
      lean: handsBehind ? rng.range(-12, 0) : rng.range(4, 14),
    });
  },
  kneeling: (rng, s) => {
    const oneKnee = rng.chance(0.5);
    return assemble('kneeling', s, {
      activeLeg: oneKnee ? limb(rng, [6, 92], [3, 2]) : limb(rng, [6, 4], [2, -90]),
      otherLeg: limb(rng, [6, oneKnee ? -6 : 4], [2, -90]),
      activeArm: oneKnee ? limb(rng, [10, 40], [8, 70]) : armDown(rng),
      otherArm: armDown(rng),
      lean: rng.range(0, 10),
    });
  },
  jumping: (rng, s) => {
    const star = rng.chance(0.5);
    const arm = (): LimbAngles => limb(rng, [rng.range(125, 150), 5], [rng.range(135, 160), 5]);
    const leg = (): LimbAngles => (star ? limb(rng, [22, 0], [22, 0], 5) : limb(rng, [6, 48], [4, -50]));
    return assemble('jumping', s, {
      activeArm: arm(),
      otherArm: arm(),
      activeLeg: leg(),
      otherLeg: leg(),
      lift: rng.range(0.25, 0.45),
    });
  },
  kicking: (rng, s) =>
    assemble('kicking', s, {
      activeLeg: limb(rng, [6, 82], [5, 78], 10),
      otherLeg: legStraight(rng),
      activeArm: limb(rng, [55, -15], [60, -5], 10),
      otherArm: limb(rng, [55, 20], [60, 25], 10),
      lean: -rng.range(5, 15),
    }),
  squatting: (rng, s) =>
    assemble('squatting', s, {
      activeLeg: limb(rng, [16, 88], [6, -22]),
      otherLeg: limb(rng, [16, 88], [6, -22]),
      activeArm: limb(rng, [12, 80], [10, 85]),
      otherArm: limb(rng, [12, 80], [10, 85]),
      lean: rng.range(22, 36),
    }),
};

export function samplePose(rng: Prng, pose: PoseClass): PoseAngles {
  return FAMILIES[pose](rng, { active: rng.chance(0.5) ? 'right' : 'left' });
}
