import { describe, expect, it } from 'vitest';
import {
  aggregateScores,
  atLeastAsFaithful,
  checkTargets,
  conditionVerdicts,
  costRatios,
  type ExperimentSummary,
  type MethodCost,
  meanInsideOutside,
} from '../../bench/control/aggregate.ts';

const cost = (params: number, est: number, measured: number | null, seconds: number | null): MethodCost => ({
  parameterCount: params,
  estimatedBytes: est,
  measuredBytes: measured,
  trainSeconds: seconds,
});

function summary(
  name: string,
  condition: ExperimentSummary['condition'],
  metric: ExperimentSummary['metric'],
  fidelity: [number | null, number | null, number | null],
  csc = cost(5, 60, 50, 10),
  controlnet = cost(100, 100, 100, 20),
): ExperimentSummary {
  return {
    name,
    condition,
    metric,
    fidelity: { none: fidelity[0], csc: fidelity[1], controlnet: fidelity[2] },
    costs: { csc, controlnet },
  };
}

describe('aggregateScores', () => {
  it('averages edge F1, precision and recall over pictures', () => {
    const f = aggregateScores('edgeF1', [
      { metric: 'edgeF1', f1: 0.5, precision: 0.4, recall: 1 },
      { metric: 'edgeF1', f1: 1, precision: 1, recall: 0.5 },
    ]);
    expect(f.value).toBeCloseTo(0.75);
    expect(f.detail).toEqual({ precision: 0.7, recall: 0.75 });
    expect(f.images).toBe(2);
  });

  it('pools pose keypoints over pictures (found / visible) instead of averaging per picture', () => {
    const f = aggregateScores('posePck', [
      { metric: 'posePck', found: 1, visible: 1 },
      { metric: 'posePck', found: 0, visible: 9 },
      { metric: 'posePck', found: 0, visible: 0 },
    ]);
    // A per-picture mean would say 0.5.
    expect(f.value).toBeCloseTo(0.1);
    expect(f.detail).toEqual({ found: 1, visible: 10 });
    expect(f.images).toBe(3);
  });

  it('gives null with nothing to score and refuses scores of another metric', () => {
    expect(aggregateScores('depthRmse', []).value).toBeNull();
    expect(aggregateScores('posePck', [{ metric: 'posePck', found: 0, visible: 0 }]).value).toBeNull();
    expect(
      aggregateScores('depthRmse', [
        { metric: 'depthRmse', rmse: 3 },
        { metric: 'depthRmse', rmse: 5 },
      ]).value,
    ).toBe(4);
    expect(() =>
      aggregateScores('depthRmse', [{ metric: 'edgeF1', f1: 1, precision: 1, recall: 1 }]),
    ).toThrow(/score 0 is edgeF1, expected depthRmse/);
  });
});

describe('comparisons and targets', () => {
  it('knows which way each metric is better', () => {
    expect(atLeastAsFaithful('edgeF1', 0.5, 0.4)).toBe(true);
    expect(atLeastAsFaithful('posePck', 0.3, 0.4)).toBe(false);
    expect(atLeastAsFaithful('depthRmse', 10, 12)).toBe(true);
    expect(atLeastAsFaithful('depthRmse', 12, 10)).toBe(false);
    expect(atLeastAsFaithful('edgeF1', 0.5, 0.5)).toBe(true);
    expect(atLeastAsFaithful('edgeF1', null, 0.5)).toBeNull();
  });

  it('makes CSC / ControlNet ratios, null where a side was not measured', () => {
    expect(costRatios(cost(8, 70, 35, 5), cost(100, 100, 50, 10))).toEqual({
      params: 0.08,
      memoryEstimated: 0.7,
      memoryMeasured: 0.7,
      trainTime: 0.5,
    });
    expect(costRatios(cost(8, 70, null, null), cost(100, 100, 50, 10))).toMatchObject({
      memoryMeasured: null,
      trainTime: null,
    });
  });

  it('averages the canny sources into one condition verdict', () => {
    const v = conditionVerdicts([
      summary('canny-figures', 'canny', 'edgeF1', [0.2, 0.5, 0.3]),
      summary('canny-emoji', 'canny', 'edgeF1', [0.2, 0.2, 0.3]),
    ]);
    expect(v).toHaveLength(1);
    expect(v[0]!.csc).toBeCloseTo(0.35);
    expect(v[0]!.controlnet).toBeCloseTo(0.3);
    expect(v[0]!.cscAtLeastControlNet).toBe(true);
    expect(v[0]!.cscAboveFloor).toBe(true);
    expect(v[0]!.controlNetAboveFloor).toBe(true);
  });

  it('says when a method does no better than no control (a tie at the floor is not control)', () => {
    const [depth] = conditionVerdicts([summary('depth', 'depth', 'depthRmse', [40, 40, 45])]);
    expect(depth).toMatchObject({
      cscAtLeastControlNet: true,
      cscAboveFloor: false,
      controlNetAboveFloor: false,
    });
    const [pose] = conditionVerdicts([summary('pose', 'pose', 'posePck', [0.2, null, 0.3])]);
    expect(pose).toMatchObject({
      cscAtLeastControlNet: null,
      cscAboveFloor: null,
      controlNetAboveFloor: true,
    });
  });

  it('meets the targets with 2 of 3 conditions and ratios at the limits, and names the worst ratio', () => {
    const report = checkTargets([
      summary('canny-figures', 'canny', 'edgeF1', [0.2, 0.5, 0.4]),
      summary('depth', 'depth', 'depthRmse', [40, 20, 25]),
      summary('pose', 'pose', 'posePck', [0.1, 0.3, 0.5], cost(8, 70, 69, 1)),
    ]);
    expect(report.fidelity).toMatchObject({ wins: 2, conditions: 3, needed: 2, met: true, complete: true });
    expect(report.params).toEqual({ target: 0.08, worst: 0.08, met: true });
    expect(report.memoryEstimated).toEqual({ target: 0.7, worst: 0.7, met: true });
    expect(report.memoryMeasured.worst).toBeCloseTo(0.69);
  });

  it('fails a target that one experiment misses, and fidelity with 1 win', () => {
    const report = checkTargets([
      summary('canny-figures', 'canny', 'edgeF1', [0.2, 0.3, 0.4]),
      summary('depth', 'depth', 'depthRmse', [40, 20, 25], cost(9, 71, null, 1)),
    ]);
    expect(report.params.met).toBe(false);
    expect(report.memoryEstimated.met).toBe(false);
    expect(report.memoryMeasured).toEqual({ target: 0.7, worst: null, met: null });
    expect(report.fidelity).toMatchObject({ wins: 1, conditions: 2, met: false, complete: false });
  });

  it('averages inside/outside edge F1', () => {
    expect(
      meanInsideOutside([
        { inside: 1, outside: 0 },
        { inside: 0.5, outside: 0.5 },
      ]),
    ).toEqual({
      inside: 0.75,
      outside: 0.25,
    });
    expect(meanInsideOutside([])).toEqual({ inside: null, outside: null });
  });
});
