// Handlers for the tuner library and the generation history (main process only: the engine
// worker never writes the database, so a worker crash cannot damage it).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ConditionKind } from '../../../shared/api/common-schemas.ts';
import { StudioError } from '../../../shared/api/errors.ts';
import type { MethodOutput, MethodParams } from '../../../shared/api/methods.ts';
import { readRecipe } from '../../engine/io/recipe.ts';
import type { TunerQuery, TunerRecord, TunerSort } from '../../library/tuner-repository.ts';
import { normaliseTag } from '../../library/tuner-repository.ts';
import type { Handler, StudioContext } from '../context.ts';
import { fileRef, generationRecord, libraryId, tunerDetail, tunerSummary } from '../library-mapping.ts';

const SORTS: Record<MethodParams<'tunersList'>['sort'], TunerSort> = {
  created: 'created',
  name: 'name',
  rating: 'rating',
  // File size follows the parameter count.
  size: 'parameters',
};

function requireTuner(studio: StudioContext, id: string) {
  const tuner = studio.library.tuners.get(libraryId(id, 'tuner'));
  if (!tuner) throw new StudioError('not-found', `tuner "${id}" does not exist`);
  return tuner;
}

function tunerQuery(studio: StudioContext, p: MethodParams<'tunersList'>): TunerQuery | null {
  const q: TunerQuery = { sort: SORTS[p.sort], order: p.order, limit: p.limit, offset: p.offset };
  if (p.kind) q.kind = p.kind;
  if (p.condition) q.condition = p.condition;
  if (p.tag) q.tag = normaliseTag(p.tag);
  if (p.baseModel) {
    const model = studio.library.baseModels.byModelId(p.baseModel)[0];
    if (!model) return null;
    q.baseModelId = model.id;
  }
  return q;
}

export const tunersList: Handler<'tunersList'> = async (params, studio) => {
  const q = tunerQuery(studio, params);
  if (!q) return { items: [], total: 0 };
  const page = studio.library.tuners.list(q);
  return { items: page.items.map(tunerSummary), total: page.total };
};

export const tunersSearch: Handler<'tunersSearch'> = async (params, studio) => {
  const q = tunerQuery(studio, params);
  if (!q) return { items: [], total: 0 };
  const page = studio.library.tuners.list({ ...q, search: params.text });
  return { items: page.items.map(tunerSummary), total: page.total };
};

function detailOf(studio: StudioContext, tuner: TunerRecord) {
  const parent =
    tuner.parentTunerId === null ? null : (studio.library.tuners.get(tuner.parentTunerId) ?? null);
  return tunerDetail(tuner, parent);
}

export const tunersGet: Handler<'tunersGet'> = async ({ id }, studio) =>
  detailOf(studio, requireTuner(studio, id));

export const tunersUpdate: Handler<'tunersUpdate'> = async ({ id, ...changes }, studio) => {
  const tuner = requireTuner(studio, id);
  studio.library.tuners.update(tuner.id, changes);
  return detailOf(studio, studio.library.tuners.require(tuner.id));
};

export const tunersImport: Handler<'tunersImport'> = async (params, studio) => {
  if ('path' in params) return tunerSummary((await studio.library.importTuner(params.path)).tuner);
  // Uploaded bytes: through a private temporary file, since the library imports from a path.
  const dir = join(studio.dataDir, 'uploads');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${Date.now()}-${Math.random().toString(36).slice(2)}-${basename(params.fileName)}`);
  try {
    writeFileSync(file, Buffer.from(params.base64, 'base64'));
    const name = basename(params.fileName).replace(/\.safetensors$/i, '');
    return tunerSummary((await studio.library.importTuner(file, { name })).tuner);
  } finally {
    rmSync(file, { force: true });
  }
};

export const tunersExport: Handler<'tunersExport'> = async ({ id, path }, studio) => {
  const tuner = requireTuner(studio, id);
  const written = path ? await studio.library.exportTuner(tuner.id, path) : null;
  return {
    fileName: `${tuner.name}.safetensors`,
    file: fileRef(tuner.fileHash, 'application/octet-stream'),
    path: written,
  };
};

export const tunersRename: Handler<'tunersRename'> = async ({ id, name }, studio) => {
  const tuner = requireTuner(studio, id);
  studio.library.tuners.rename(tuner.id, name);
  return tunerSummary(studio.library.tuners.require(tuner.id));
};

export const tunersTag: Handler<'tunersTag'> = async ({ id, add, remove }, studio) => {
  const tuner = requireTuner(studio, id);
  studio.library.db.transaction(() => {
    studio.library.tuners.addTags(tuner.id, add.map(normaliseTag));
    studio.library.tuners.removeTags(tuner.id, remove.map(normaliseTag));
  })();
  return tunerSummary(studio.library.tuners.require(tuner.id));
};

export const tunersDelete: Handler<'tunersDelete'> = async ({ id }, studio) => {
  const tuner = requireTuner(studio, id);
  const { removedFiles } = studio.library.deleteTuner(tuner.id);
  return { deleted: true, filesRemoved: removedFiles.length };
};

export const historyList: Handler<'historyList'> = async ({ text, offset, limit }, studio) => {
  const lib = studio.library;
  return lib.snapshot(() => {
    const page = lib.generations.list({ ...(text?.trim() ? { search: text } : {}), offset, limit });
    return {
      items: page.items.flatMap((s) => {
        const g = lib.generations.get(s.id);
        return g ? [generationRecord(lib, g)] : [];
      }),
      total: page.total,
    };
  });
};

function requireGeneration(studio: StudioContext, id: string) {
  const g = studio.library.generations.get(libraryId(id, 'generation'));
  if (!g) throw new StudioError('not-found', `generation "${id}" does not exist`);
  return g;
}

export const historyGet: Handler<'historyGet'> = async ({ id }, studio) =>
  generationRecord(studio.library, requireGeneration(studio, id));

export const historyDelete: Handler<'historyDelete'> = async ({ id }, studio) => {
  const g = requireGeneration(studio, id);
  const { removedFiles } = studio.library.deleteGeneration(g.id);
  return { deleted: true, filesRemoved: removedFiles.length };
};

export const recipeFromImage: Handler<'recipeFromImage'> = async ({ image }, studio) => {
  let reading: ReturnType<typeof readRecipe>;
  try {
    reading = readRecipe(Buffer.from(image, 'base64'), 'the dropped picture');
  } catch (err) {
    throw new StudioError('invalid-input', (err as Error).message);
  }
  const p = reading.partial;
  const r = reading.recipe;
  const warnings = [...reading.warnings];
  const layers: MethodOutput<'recipeFromImage'>['layers'] = [];
  const store = studio.library.store;
  for (const [i, c] of (r?.conditions ?? []).entries()) {
    if (!c.imageHash || !store.has(c.imageHash)) {
      warnings.push(
        `Condition layer ${i + 1} (${c.kind}) was not restored: its map is not in this library (the picture comes from another studio)`,
      );
      continue;
    }
    const kind = ConditionKind.safeParse(c.kind);
    if (!kind.success) {
      warnings.push(`Condition layer ${i + 1}: "${c.kind}" is not a condition this studio knows`);
      continue;
    }
    const tuner = c.tunerHash ? studio.library.tuners.byFileHash(c.tunerHash) : undefined;
    const mask = c.maskHash && store.has(c.maskHash) ? fileRef(c.maskHash, 'image/png') : null;
    if (c.maskHash && !mask && !c.region)
      warnings.push(`The region mask of condition layer ${i + 1} is not in this library`);
    layers.push({
      id: `layer-${i + 1}`,
      kind: kind.data,
      tunerId: tuner ? String(tuner.id) : (c.tunerHash ?? 'none'),
      weight: c.weight,
      enabled: true,
      start: c.start,
      end: c.end,
      image: fileRef(c.imageHash, 'image/png'),
      mask,
      region: c.maskHash && c.region ? c.region : null,
    });
  }
  return {
    source: reading.source,
    prompt: r?.prompt ?? p.prompt ?? null,
    negativePrompt: r?.negativePrompt ?? p.negativePrompt ?? null,
    seed: r?.seed ?? p.seed ?? null,
    steps: r?.steps ?? p.steps ?? null,
    guidance: r?.guidance ?? p.guidance ?? null,
    sampler: r?.sampler ?? p.sampler ?? null,
    width: r?.width ?? p.width ?? null,
    height: r?.height ?? p.height ?? null,
    tuners: (r?.tuners ?? []).map((t) => {
      const found = studio.library.tuners.byFileHash(t.hash);
      return {
        name: t.name,
        hash: t.hash,
        kind: t.kind,
        weight: t.weight,
        tunerId: found ? String(found.id) : null,
      };
    }),
    parameters: reading.parameters ?? null,
    warnings,
    layers,
  };
};
