// Learning rate per optimiser step: constant or cosine decay, each with an optional linear warm-up.

export type LrScheduleKind = 'constant' | 'cosine';

export interface LrSchedule {
  kind: LrScheduleKind;
  /** Peak learning rate. */
  lr: number;
  /** Steps of linear warm-up from 0 to lr (0 for none). */
  warmupSteps: number;
  /** Total optimiser steps of the run (cosine reaches minLr at the end). */
  totalSteps: number;
  /** Where cosine decay ends (default 0). */
  minLr?: number;
}

export function checkLrSchedule(s: LrSchedule): void {
  if (!(s.lr > 0 && Number.isFinite(s.lr))) throw new Error(`learning rate must be > 0, got ${s.lr}`);
  if (!Number.isInteger(s.warmupSteps) || s.warmupSteps < 0)
    throw new Error(`warm-up steps must be a whole number >= 0, got ${s.warmupSteps}`);
  if (!Number.isInteger(s.totalSteps) || s.totalSteps < 1)
    throw new Error(`total steps must be a whole number >= 1, got ${s.totalSteps}`);
}

/** The rate for optimiser step `step` (0-based: the first update uses step 0). */
export function learningRateAt(s: LrSchedule, step: number): number {
  if (s.warmupSteps > 0 && step < s.warmupSteps) return (s.lr * (step + 1)) / (s.warmupSteps + 1);
  if (s.kind === 'constant') return s.lr;
  const minLr = s.minLr ?? 0;
  const span = Math.max(1, s.totalSteps - s.warmupSteps);
  const progress = Math.min(1, (step - s.warmupSteps) / span);
  return minLr + 0.5 * (s.lr - minLr) * (1 + Math.cos(Math.PI * progress));
}
