// Library records -> the StudioApi's shapes: string ids, ISO dates, files as FileRefs.
import type { FileRef } from '../../shared/api/common-schemas.ts';
import { StudioError } from '../../shared/api/errors.ts';
import { type GenerationRecord, type Recipe, Sampler } from '../../shared/api/generation-schemas.ts';
import type { TunerDetail, TunerSummary } from '../../shared/api/library-schemas.ts';
import type { TrainingRunSummary } from '../../shared/api/training-schemas.ts';
import type { GenerationRecord as LibraryGeneration } from '../library/generation-repository.ts';
import type { Library } from '../library/library.ts';
import type { TrainingRunRecord } from '../library/training-run-repository.ts';
import type { TunerRecord } from '../library/tuner-repository.ts';

/** A StudioApi id -> the library's integer id; anything else is "not found", never a crash. */
export function libraryId(id: string, what: string): number {
  if (!/^\d{1,15}$/.test(id)) throw new StudioError('not-found', `${what} "${id}" does not exist`);
  return Number(id);
}

export function iso(ms: number | null): string {
  return new Date(ms ?? 0).toISOString();
}

export function fileRef(hash: string, mime: string): FileRef {
  return { storePath: `${hash.slice(0, 2)}/${hash}`, mime };
}

export function tunerSummary(t: TunerRecord): TunerSummary {
  return {
    id: String(t.id),
    name: t.name,
    kind: t.kind,
    condition: (t.condition as TunerSummary['condition']) ?? null,
    baseModel: t.baseModel.modelId,
    fileHash: t.fileHash,
    sizeBytes: t.size,
    parameterCount: t.parameterCount,
    tags: t.tags,
    rating: t.rating,
    preferredWeight: t.preferredWeight,
    triggerWords: t.triggerWords,
    preview: t.previews[0] ? fileRef(t.previews[0], 'image/png') : null,
    createdAt: iso(t.createdAt),
  };
}

/** `parent`: the tuner t's training continued from, when the library still has it. */
export function tunerDetail(t: TunerRecord, parent: TunerRecord | null = null): TunerDetail {
  return {
    ...tunerSummary(t),
    notes: t.notes,
    file: fileRef(t.fileHash, 'application/octet-stream'),
    trainingConfig: Object.keys(t.config.training ?? {}).length ? t.config.training : null,
    dataset: t.dataset
      ? {
          folder: t.dataset.folder ?? '',
          imageCount: t.dataset.imageCount ?? 0,
          contentHash: t.dataset.hash ?? '',
        }
      : null,
    previews: t.previews.map((h) => fileRef(h, 'image/png')),
    trainingRunId: t.trainingRunId === null ? null : String(t.trainingRunId),
    parent: parent ? { id: String(parent.id), name: parent.name } : null,
  };
}

export function generationRecord(library: Library, g: LibraryGeneration): GenerationRecord {
  const r = g.recipe;
  const tunerIdByHash = new Map<string, string>();
  r.tuners.forEach((t, i) => {
    const id = g.tunerIds[i];
    if (id !== null && id !== undefined) tunerIdByHash.set(t.hash, String(id));
  });
  const idFor = (hash: string | undefined) =>
    hash ? (tunerIdByHash.get(hash) ?? String(library.tuners.byFileHash(hash)?.id ?? hash)) : '';
  const sampler = Sampler.safeParse(r.sampler);
  const recipe: Recipe = {
    prompt: r.prompt,
    negativePrompt: r.negativePrompt,
    seed: r.seed,
    steps: r.steps,
    guidance: r.guidance,
    sampler: sampler.success ? sampler.data : 'euler-a',
    width: r.width,
    height: r.height,
    baseModel: library.baseModels.byHash(r.baseModel.hash)?.modelId ?? r.baseModel.name,
    styleTuners: r.tuners
      .filter((t) => t.kind === 'sc')
      .map((t) => ({ tunerId: idFor(t.hash), scale: t.weight })),
    layers: r.conditions
      .filter((c) => c.imageHash)
      .map((c, i) => ({
        id: `layer-${i + 1}`,
        kind: c.kind as Recipe['layers'][number]['kind'],
        tunerId: idFor(c.tunerHash),
        weight: c.weight,
        enabled: true,
        start: c.start,
        end: c.end,
        image: fileRef(c.imageHash!, 'image/png'),
        mask: c.maskHash ? fileRef(c.maskHash, 'image/png') : null,
        region: c.maskHash && c.region ? c.region : null,
      })),
  };
  return {
    id: String(g.id),
    createdAt: iso(g.createdAt),
    image: fileRef(g.imageHash, 'image/png'),
    recipe,
    durationMs: g.durationMs,
    backend: g.backend,
  };
}

export function trainingRunSummary(library: Library, run: TrainingRunRecord): TrainingRunSummary {
  const tunerId = library.db
    .prepare('SELECT id FROM tuners WHERE training_run_id = ? LIMIT 1')
    .pluck()
    .get(run.id) as number | undefined;
  return {
    id: String(run.id),
    name: run.name,
    kind: run.kind,
    condition: (run.condition as TrainingRunSummary['condition']) ?? null,
    status: run.status,
    step: run.step,
    totalSteps: run.totalSteps,
    lossHistory: library.trainingRuns.losses(run.id),
    error: run.error,
    tunerId: tunerId === undefined ? null : String(tunerId),
    previews: [],
    createdAt: iso(run.createdAt),
    updatedAt: iso(run.updatedAt),
  };
}
