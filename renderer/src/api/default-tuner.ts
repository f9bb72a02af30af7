import type { ConditionKind } from '../../../shared/api/common-schemas.ts';
import type { BaseModelInfo, TunerSummary } from '../../../shared/api/library-schemas.ts';
import { tunerFitsModel } from './tuner-compat.ts';

/** Tag the studio puts on the condition tuners it ships with. */
export const SHIPPED_TAG = 'shipped';

/**
 * The condition tuner a newly added layer starts bound to, so that drawing a pose gives a
 * figure in that pose without a trip to the mixer: among the library's CSC-Tuners for this
 * condition that fit the base model, a shipped one first, else the most recently added.
 * null when none fits (the layer then stays unused until the user picks one).
 */
export function defaultConditionTuner(
  tuners: readonly TunerSummary[],
  condition: ConditionKind,
  model: BaseModelInfo | undefined,
): string | null {
  const fitting = tuners.filter(
    (t) => t.kind === 'csc' && t.condition === condition && tunerFitsModel(t, model),
  );
  const newestFirst = [...fitting].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const best = newestFirst.find((t) => t.tags.includes(SHIPPED_TAG)) ?? newestFirst[0];
  return best?.id ?? null;
}

/** The weight a layer or mix entry bound to `tuner` starts at: the one it works best at, else 1. */
export function startingWeight(tuner: Pick<TunerSummary, 'preferredWeight'> | undefined): number {
  return tuner?.preferredWeight ?? 1;
}
