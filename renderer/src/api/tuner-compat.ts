import type { BaseModelInfo, TunerSummary } from '../../../shared/api/library-schemas.ts';

/** Whether a tuner was trained on this base model (tuners record the model by id, name or hash). */
export function tunerFitsModel(
  tuner: Pick<TunerSummary, 'baseModel'>,
  model: BaseModelInfo | undefined,
): boolean {
  if (!model) return true;
  const b = tuner.baseModel;
  return b === model.id || b === model.name || (model.hash !== null && b === model.hash);
}

/** The refusal the mixer shows for a tuner that does not fit, or null when it fits. */
export function mismatchReason(
  tuner: Pick<TunerSummary, 'name' | 'baseModel'>,
  model: BaseModelInfo | undefined,
): string | null {
  if (tunerFitsModel(tuner, model) || !model) return null;
  return `"${tuner.name}" was trained on base model "${tuner.baseModel}", but the current model is "${model.name}". Tuners only work with the model they were trained on: switch the base model or pick another tuner.`;
}
