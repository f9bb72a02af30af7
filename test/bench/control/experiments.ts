// The four control experiments of issue 11: which condition, on which dataset, measured how.
import type { ConditionKind, FidelityMetric } from './aggregate.ts';
import type { ExperimentName } from './options.ts';

export interface Experiment {
  name: ExperimentName;
  condition: ConditionKind;
  dataset: 'figures' | 'emoji';
  metric: FidelityMetric;
}

export const EXPERIMENTS: Record<ExperimentName, Experiment> = {
  'canny-figures': { name: 'canny-figures', condition: 'canny', dataset: 'figures', metric: 'edgeF1' },
  'canny-emoji': { name: 'canny-emoji', condition: 'canny', dataset: 'emoji', metric: 'edgeF1' },
  depth: { name: 'depth', condition: 'depth', dataset: 'figures', metric: 'depthRmse' },
  pose: { name: 'pose', condition: 'pose', dataset: 'figures', metric: 'posePck' },
};
