// What a tuner's file says about how it was trained, as rows an artist can read. The training
// record comes from the file's metadata (ours, or another tool's), so every field is checked
// before it is shown and anything unexpected is left out rather than shown wrong.
import type { TunerDetail } from '../../../shared/api/library-schemas.ts';

export interface LineageRow {
  label: string;
  value: string;
}

export interface LossPoint {
  step: number;
  loss: number;
}

export interface TrainingLineage {
  rows: LineageRow[];
  lossHistory: LossPoint[];
  /** The run's length, for the loss plot's axis. */
  totalSteps: number;
}

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Exponential moving average of the loss, the curve the Train tab draws over the raw points. */
export function smoothLoss(points: readonly LossPoint[], decay = 0.95): LossPoint[] {
  let ema = 0;
  return points.map((p, i) => {
    ema = decay * ema + (1 - decay) * p.loss;
    return { step: p.step, loss: ema / (1 - decay ** (i + 1)) };
  });
}

function lossHistoryOf(training: Record<string, unknown>): LossPoint[] {
  const raw = training.lossHistory;
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((p) =>
    p && typeof p === 'object' && finite(p.step) && finite(p.loss) ? [{ step: p.step, loss: p.loss }] : [],
  );
}

function learningRate(training: Record<string, unknown>): string | null {
  if (!finite(training.lr)) return null;
  const parts = [String(training.lr)];
  if (typeof training.schedule === 'string' && training.schedule !== 'constant')
    parts.push(training.schedule);
  if (finite(training.warmupSteps) && training.warmupSteps > 0)
    parts.push(`${training.warmupSteps.toLocaleString('en')} warm-up steps`);
  return parts.join(' · ');
}

/** The training record of a tuner as rows (steps, batch, rate, …) and its loss curve. */
export function trainingLineage(detail: Pick<TunerDetail, 'trainingConfig' | 'dataset'>): TrainingLineage {
  const t = detail.trainingConfig ?? {};
  const rows: LineageRow[] = [];
  const add = (label: string, value: string | null) => {
    if (value !== null) rows.push({ label, value });
  };
  if (detail.dataset) {
    const { folder, imageCount } = detail.dataset;
    add('Trained on', `${folder || 'a folder'} · ${imageCount.toLocaleString('en')} pictures`);
  }
  add('Steps', finite(t.steps) ? t.steps.toLocaleString('en') : null);
  if (finite(t.batchSize)) {
    const accumulation =
      finite(t.gradientAccumulation) && t.gradientAccumulation > 1 ? t.gradientAccumulation : 1;
    add('Batch', accumulation > 1 ? `${t.batchSize} × ${accumulation} accumulated` : String(t.batchSize));
  }
  add('Learning rate', learningRate(t));
  add('Caption dropout', finite(t.captionDropout) ? `${Math.round(t.captionDropout * 100)} %` : null);
  add(
    'Resolution',
    finite(t.resolution) ? `${t.resolution} px${t.buckets === true ? ', aspect-ratio buckets' : ''}` : null,
  );
  add('Flips', typeof t.flip === 'boolean' ? (t.flip ? 'random horizontal' : 'none') : null);
  add('Seed', finite(t.seed) ? String(t.seed) : null);
  add('EMA', finite(t.emaDecay) ? `decay ${t.emaDecay}` : null);
  add('LoRA rank', finite(t.rank) ? String(t.rank) : null);
  add('Final loss', finite(t.finalLoss) ? t.finalLoss.toFixed(4) : null);
  const lossHistory = lossHistoryOf(t);
  const lastStep = lossHistory.at(-1)?.step ?? 0;
  return { rows, lossHistory, totalSteps: Math.max(lastStep, finite(t.steps) ? t.steps : 0) };
}
