// Pure arithmetic of the control benchmark: per-picture fidelity scores into one number per method,
// the CSC-Tuner / ControlNet cost ratios, and issue 11's targets (≤ 8 % of ControlNet's parameters,
// ≤ 0.7 × its training memory, fidelity at least ControlNet's on 2 of the 3 conditions).

export const METHOD_NAMES = ['none', 'csc', 'controlnet'] as const;
export type MethodName = (typeof METHOD_NAMES)[number];
export type ConditionKind = 'canny' | 'depth' | 'pose';
export type FidelityMetric = 'edgeF1' | 'depthRmse' | 'posePck';

export type ImageScore =
  | { metric: 'edgeF1'; f1: number; precision: number; recall: number }
  | { metric: 'depthRmse'; rmse: number }
  | { metric: 'posePck'; found: number; visible: number };

export const METRICS: Record<FidelityMetric, { label: string; higherIsBetter: boolean }> = {
  edgeF1: { label: 'edge F1 (1 px)', higherIsBetter: true },
  depthRmse: { label: 'depth RMSE (levels, scale+shift fitted)', higherIsBetter: false },
  posePck: { label: 'pose PCK@0.1', higherIsBetter: true },
};

export const TARGETS = { maxParamsRatio: 0.08, maxMemoryRatio: 0.7, fidelityWins: 2, conditions: 3 } as const;

export interface Fidelity {
  metric: FidelityMetric;
  /** Mean F1 or RMSE over pictures; PCK pooled over keypoints (found / visible). Null: nothing to score. */
  value: number | null;
  images: number;
  /** Edge F1: mean precision and recall; pose: keypoints found and visible. */
  detail: Record<string, number>;
}

function mean(values: number[]): number | null {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

export function aggregateScores(metric: FidelityMetric, scores: readonly ImageScore[]): Fidelity {
  for (const [i, s] of scores.entries())
    if (s.metric !== metric) throw new Error(`score ${i} is ${s.metric}, expected ${metric}`);
  if (metric === 'edgeF1') {
    const edge = scores as Extract<ImageScore, { metric: 'edgeF1' }>[];
    return {
      metric,
      value: mean(edge.map((s) => s.f1)),
      images: edge.length,
      detail: edge.length
        ? { precision: mean(edge.map((s) => s.precision))!, recall: mean(edge.map((s) => s.recall))! }
        : {},
    };
  }
  if (metric === 'depthRmse') {
    const depth = scores as Extract<ImageScore, { metric: 'depthRmse' }>[];
    return { metric, value: mean(depth.map((s) => s.rmse)), images: depth.length, detail: {} };
  }
  const pose = scores as Extract<ImageScore, { metric: 'posePck' }>[];
  const found = pose.reduce((n, s) => n + s.found, 0);
  const visible = pose.reduce((n, s) => n + s.visible, 0);
  return { metric, value: visible ? found / visible : null, images: pose.length, detail: { found, visible } };
}

/** Whether `a` is at least as faithful as `b` under the metric; null when either is missing. */
export function atLeastAsFaithful(
  metric: FidelityMetric,
  a: number | null,
  b: number | null,
): boolean | null {
  if (a === null || b === null) return null;
  return METRICS[metric].higherIsBetter ? a >= b : a <= b;
}

export interface MethodCost {
  parameterCount: number;
  /** The trainer's estimate of the whole run (frozen weights, optimiser state, activations). */
  estimatedBytes: number;
  /** Measured: one whole step's tf.memory peak + AdamW moments + the frozen model's weights; null if not measured. */
  measuredBytes: number | null;
  /** The optimisation loop's wall seconds; null when the tuner was reused without a record. */
  trainSeconds: number | null;
}

export interface CostRatios {
  params: number;
  memoryEstimated: number;
  memoryMeasured: number | null;
  trainTime: number | null;
}

export function costRatios(csc: MethodCost, controlNet: MethodCost): CostRatios {
  const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : a / b);
  return {
    params: csc.parameterCount / controlNet.parameterCount,
    memoryEstimated: csc.estimatedBytes / controlNet.estimatedBytes,
    memoryMeasured: ratio(csc.measuredBytes, controlNet.measuredBytes),
    trainTime: ratio(csc.trainSeconds, controlNet.trainSeconds),
  };
}

export interface ExperimentSummary {
  name: string;
  condition: ConditionKind;
  metric: FidelityMetric;
  fidelity: Record<MethodName, number | null>;
  costs: { csc: MethodCost; controlnet: MethodCost };
}

export interface ConditionVerdict {
  condition: ConditionKind;
  metric: FidelityMetric;
  /** Canny: the mean over its sources (figures, emoji). */
  csc: number | null;
  controlnet: number | null;
  none: number | null;
  cscAtLeastControlNet: boolean | null;
  /** Strictly more faithful than no control: whether the control works at all (ties at the floor say nothing). */
  cscAboveFloor: boolean | null;
  controlNetAboveFloor: boolean | null;
}

/** One verdict per condition kind; several experiments of a kind (canny sources) are averaged. */
export function conditionVerdicts(summaries: readonly ExperimentSummary[]): ConditionVerdict[] {
  const kinds = [...new Set(summaries.map((s) => s.condition))];
  return kinds.map((condition) => {
    const of = summaries.filter((s) => s.condition === condition);
    const metric = of[0]!.metric;
    const avg = (m: MethodName) => {
      const values = of.map((s) => s.fidelity[m]);
      return values.some((v) => v === null) ? null : mean(values as number[]);
    };
    const csc = avg('csc');
    const controlnet = avg('controlnet');
    const none = avg('none');
    const aboveFloor = (v: number | null) =>
      v === null || none === null ? null : v !== none && atLeastAsFaithful(metric, v, none) === true;
    return {
      condition,
      metric,
      csc,
      controlnet,
      none,
      cscAtLeastControlNet: atLeastAsFaithful(metric, csc, controlnet),
      cscAboveFloor: aboveFloor(csc),
      controlNetAboveFloor: aboveFloor(controlnet),
    };
  });
}

export interface TargetCheck {
  target: number;
  /** The largest ratio over the experiments (the one that decides). */
  worst: number | null;
  met: boolean | null;
}

export interface TargetReport {
  params: TargetCheck;
  memoryEstimated: TargetCheck;
  memoryMeasured: TargetCheck;
  fidelity: {
    wins: number;
    conditions: number;
    needed: number;
    met: boolean;
    /** Whether all three condition kinds were measured. */
    complete: boolean;
    perCondition: ConditionVerdict[];
  };
}

function worstCheck(values: (number | null)[], target: number): TargetCheck {
  if (values.length === 0 || values.some((v) => v === null)) return { target, worst: null, met: null };
  const worst = Math.max(...(values as number[]));
  return { target, worst, met: worst <= target };
}

export function checkTargets(summaries: readonly ExperimentSummary[]): TargetReport {
  const ratios = summaries.map((s) => costRatios(s.costs.csc, s.costs.controlnet));
  const perCondition = conditionVerdicts(summaries);
  const wins = perCondition.filter((v) => v.cscAtLeastControlNet === true).length;
  return {
    params: worstCheck(
      ratios.map((r) => r.params),
      TARGETS.maxParamsRatio,
    ),
    memoryEstimated: worstCheck(
      ratios.map((r) => r.memoryEstimated),
      TARGETS.maxMemoryRatio,
    ),
    memoryMeasured: worstCheck(
      ratios.map((r) => r.memoryMeasured),
      TARGETS.maxMemoryRatio,
    ),
    fidelity: {
      wins,
      conditions: perCondition.length,
      needed: TARGETS.fidelityWins,
      met: wins >= TARGETS.fidelityWins,
      complete: perCondition.length === TARGETS.conditions,
      perCondition,
    },
  };
}

export interface InsideOutside {
  inside: number;
  outside: number;
}

/** Mean edge F1 inside and outside a region over pictures. */
export function meanInsideOutside(values: readonly InsideOutside[]): {
  inside: number | null;
  outside: number | null;
} {
  return { inside: mean(values.map((v) => v.inside)), outside: mean(values.map((v) => v.outside)) };
}
