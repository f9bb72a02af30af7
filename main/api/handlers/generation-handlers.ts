// Generation: look the tuners up in the library, run the engine as a queued job, then store every
// picture with its recipe embedded and recorded (main process; the worker only computes).
import { StudioError } from '../../../shared/api/errors.ts';
import type { MethodOutput, MethodParams } from '../../../shared/api/methods.ts';
import type { RecipeInput } from '../../engine/io/recipe.ts';
import type { EngineGenerateResult, EngineModelInfo, ResolvedTuner } from '../../jobs/engine-host.ts';
import type { TunerRecord } from '../../library/tuner-repository.ts';
import type { Handler, StudioContext } from '../context.ts';
import { fileRef, libraryId } from '../library-mapping.ts';
import { runEngineJob } from './engine-job.ts';

function resolveTuners(studio: StudioContext, req: MethodParams<'generate'>): Map<string, TunerRecord> {
  const found = new Map<string, TunerRecord>();
  const want = (id: string, where: string) => {
    const t = studio.library.tuners.get(libraryId(id, 'tuner'));
    if (!t) throw new StudioError('not-found', `${where}: tuner "${id}" is not in the library`);
    found.set(id, t);
    return t;
  };
  req.styleTuners.forEach((use, i) => {
    const t = want(use.tunerId, `styleTuners.${i}`);
    if (t.kind !== 'sc')
      throw new StudioError(
        'invalid-input',
        `styleTuners.${i}: "${t.name}" is a condition tuner (csc); bind it to a layer`,
      );
  });
  req.layers.forEach((layer, i) => {
    const t = want(layer.tunerId, `layers.${i}`);
    if (t.kind !== 'csc')
      throw new StudioError(
        'invalid-input',
        `layers.${i}: "${t.name}" is a style tuner (sc), not a condition tuner`,
      );
    if (t.condition !== null && t.condition !== layer.kind)
      throw new StudioError(
        'invalid-input',
        `layers.${i}: "${t.name}" was trained on ${t.condition} maps, not ${layer.kind}`,
      );
  });
  const bases = new Map([...found.values()].map((t) => [t.baseModel.hash, t]));
  if (bases.size > 1) {
    const names = [...bases.values()].map(
      (t) => `"${t.name}" needs ${t.baseModel.name || t.baseModel.modelId}`,
    );
    throw new StudioError('invalid-input', `these tuners are for different base models: ${names.join('; ')}`);
  }
  return found;
}

export const generate: Handler<'generate'> = async (params, studio, call) => {
  const lib = studio.library;
  const settings = studio.settings.get();
  const tuners = resolveTuners(studio, params);
  const resolved: ResolvedTuner[] = [...tuners].map(([id, t]) => ({
    id,
    name: t.name,
    kind: t.kind,
    condition: t.condition,
    path: lib.store.pathOf(t.fileHash),
    hash: t.fileHash,
  }));
  const started = performance.now();
  const result = await runEngineJob<EngineGenerateResult>(studio, 'generate', call, 'generate', {
    request: { ...params, baseModel: params.baseModel ?? settings.defaultModel },
    tuners: resolved,
    previewEvery: settings.previewEvery,
  });
  const durationMs = Math.round(performance.now() - started);
  const enabled = params.layers.filter((l) => l.enabled);
  const layerFiles: { image: string; mask: string | undefined }[] = [];
  for (const layer of enabled) {
    layerFiles.push({
      image: await lib.storeFile(Buffer.from(layer.image, 'base64'), 'png'),
      mask: layer.mask ? await lib.storeFile(Buffer.from(layer.mask, 'base64'), 'png') : undefined,
    });
  }
  const recipeTuners: RecipeInput['tuners'] = [
    ...params.styleTuners.map((use) => {
      const t = tuners.get(use.tunerId)!;
      return { name: t.name, hash: t.fileHash, kind: 'sc' as const, weight: use.scale };
    }),
    ...enabled.map((layer) => {
      const t = tuners.get(layer.tunerId)!;
      return {
        name: t.name,
        hash: t.fileHash,
        kind: 'csc' as const,
        weight: layer.weight,
        condition: layer.kind,
      };
    }),
  ];
  const backend = studio.engine.status().lastStatus?.backend?.chosen;
  const images: MethodOutput<'generate'>['images'] = [];
  for (const image of result.images) {
    const record = await lib.recordGeneration({
      png: image.png,
      recipe: {
        prompt: params.prompt,
        negativePrompt: params.negativePrompt,
        seed: image.seed,
        sampler: params.sampler,
        steps: params.steps,
        guidance: params.guidance,
        width: image.width,
        height: image.height,
        baseModel: { name: result.baseModel.name, hash: result.baseModel.hash },
        tuners: recipeTuners,
        conditions: enabled.map((layer, i) => ({
          kind: layer.kind,
          weight: layer.weight,
          tunerHash: tuners.get(layer.tunerId)!.fileHash,
          imageHash: layerFiles[i]!.image,
          ...(layerFiles[i]!.mask ? { maskHash: layerFiles[i]!.mask } : {}),
          ...(layerFiles[i]!.mask && layer.region ? { region: layer.region } : {}),
          start: layer.start,
          end: layer.end,
        })),
      },
      durationMs: Math.round(durationMs / result.images.length),
      ...(backend ? { backend } : {}),
    });
    images.push({
      generationId: String(record.id),
      image: fileRef(record.imageHash, 'image/png'),
      seed: image.seed,
      width: image.width,
      height: image.height,
    });
  }
  return { images, durationMs };
};

export const modelsList: Handler<'modelsList'> = async (_params, studio) => {
  const defaultModel = studio.settings.get().defaultModel;
  const available = await studio.engine.run<EngineModelInfo[]>('models', null);
  const models = available.map((m, i) => ({
    id: m.id,
    name: m.name,
    source: m.source,
    resolution: m.resolution,
    hash: m.hash,
    isDefault: defaultModel ? m.id === defaultModel : i === 0,
    examplePrompts: m.examplePrompts,
  }));
  return { models };
};
