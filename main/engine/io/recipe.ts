// Recipes inside generated PNGs. Two chunks: `parameters`, the text the popular web UIs write
// (so other tools show prompt, seed and sampler), and `scedit`, JSON with everything needed to
// reproduce the picture exactly (tuner hashes and weights, condition layers, base model hash).
// Reading accepts pictures from elsewhere: other apps' `parameters`, ComfyUI's `prompt` graph, or
// nothing at all.
import { z } from 'zod';
import { shortHash } from './file-hash.ts';
import { readPngText, writePngText } from './png-text.ts';

export const RECIPE_CHUNK = 'scedit';
export const PARAMETERS_CHUNK = 'parameters';
export const RECIPE_FORMAT_VERSION = 1;

const hashSchema = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 hex digest');

export const recipeTunerSchema = z.object({
  name: z.string(),
  /** sha256 of the tuner file. */
  hash: hashSchema,
  kind: z.enum(['sc', 'csc']),
  weight: z.number(),
  condition: z.string().optional(),
});

/**
 * The region mask as the artist drew it, in canvas pixels: the mask picture is rendered from it,
 * and a restore gets the editable shape back. A few numbers, so it travels inside the PNG too,
 * where the mask picture's hash alone would mean nothing to another studio.
 */
export const recipeRegionSchema = z.object({
  shape: z.enum(['rect', 'ellipse']),
  x: z.number().finite(),
  y: z.number().finite(),
  width: z.number().finite().nonnegative(),
  height: z.number().finite().nonnegative(),
  /** true: the layer applies everywhere except inside the shape. */
  inverted: z.boolean().default(false),
});

export const recipeConditionSchema = z.object({
  /** canny, depth, pose, scribble, … */
  kind: z.string(),
  weight: z.number(),
  /** sha256 of the CSC tuner that consumes this map. */
  tunerHash: hashSchema.optional(),
  /** sha256 of the condition map PNG and of the optional region mask, in the file store. */
  imageHash: hashSchema.optional(),
  maskHash: hashSchema.optional(),
  /** The shape the mask was drawn as; recipes written before it have only the mask's hash. */
  region: recipeRegionSchema.optional(),
  /** Active fraction of the sampling steps, 0..1. */
  start: z.number().min(0).max(1).default(0),
  end: z.number().min(0).max(1).default(1),
});

export const recipeSchema = z.object({
  prompt: z.string(),
  negativePrompt: z.string().default(''),
  seed: z.number().int().nonnegative(),
  sampler: z.string().min(1),
  steps: z.number().int().positive(),
  guidance: z.number(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  baseModel: z.object({ name: z.string(), hash: hashSchema }),
  tuners: z.array(recipeTunerSchema).default([]),
  conditions: z.array(recipeConditionSchema).default([]),
  controlScale: z.number().default(1),
  /** Settings a later version may add (scheduler, eta, …), kept verbatim. */
  extra: z.record(z.string(), z.unknown()).optional(),
});

export type Recipe = z.output<typeof recipeSchema>;
export type RecipeInput = z.input<typeof recipeSchema>;
export type RecipeTuner = z.output<typeof recipeTunerSchema>;
export type RecipeCondition = z.output<typeof recipeConditionSchema>;
export type RecipeRegion = z.output<typeof recipeRegionSchema>;

export { shortHash };

function quoteIfNeeded(value: string): string {
  return /[,:\n\r"]/.test(value) ? JSON.stringify(value) : value;
}

/** The `parameters` text for a recipe, in the web-UI format (../shared/FORMATS.md). */
export function formatParameters(recipe: Recipe): string {
  const pairs: [string, string][] = [
    ['Steps', String(recipe.steps)],
    ['Sampler', recipe.sampler],
    ['CFG scale', String(recipe.guidance)],
    ['Seed', String(recipe.seed)],
    ['Size', `${recipe.width}x${recipe.height}`],
    ['Model hash', shortHash(recipe.baseModel.hash)],
    ['Model', recipe.baseModel.name],
  ];
  if (recipe.tuners.length > 0) {
    // Same shape as the web UIs' "Lora hashes": name: short hash, plus our weights.
    pairs.push(['SCEdit tuners', recipe.tuners.map((t) => `${t.name}: ${t.weight}`).join(', ')]);
    pairs.push([
      'SCEdit tuner hashes',
      recipe.tuners.map((t) => `${t.name}: ${shortHash(t.hash)}`).join(', '),
    ]);
  }
  if (recipe.controlScale !== 1) pairs.push(['Control scale', String(recipe.controlScale)]);
  const lines = [recipe.prompt];
  if (recipe.negativePrompt) lines.push(`Negative prompt: ${recipe.negativePrompt}`);
  lines.push(pairs.map(([k, v]) => `${k}: ${quoteIfNeeded(v)}`).join(', '));
  return lines.join('\n');
}

export interface ParsedParameters {
  prompt: string;
  negativePrompt: string;
  /** The last line's pairs, values unquoted; empty when the text has no such line. */
  settings: Record<string, string>;
}

const PAIR = /\s*([\w][\w \-/+.()]*?):\s*("(?:\\.|[^\\"])*"|[^,]*)(?:,|$)/g;

function parsePairs(line: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  let count = 0;
  let consumed = 0;
  for (const m of line.matchAll(PAIR)) {
    if (m[0].length === 0) break;
    if (m.index !== consumed) return null; // text between pairs: this is not a settings line
    consumed = m.index + m[0].length;
    let value = m[2]!.trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        value = value.slice(1, -1);
      }
    }
    out[m[1]!.trim()] = value;
    count++;
  }
  if (line.slice(consumed).trim() !== '') return null;
  return count >= 3 ? out : null;
}

/** Parses `parameters` text written by this studio or by another tool. Never throws. */
export function parseParameters(text: string): ParsedParameters {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let settings: Record<string, string> = {};
  if (lines.length > 0) {
    const last = parsePairs(lines.at(-1)!);
    if (last) {
      settings = last;
      lines.pop();
    }
  }
  const negAt = lines.findIndex((l) => l.startsWith('Negative prompt:'));
  const promptLines = negAt < 0 ? lines : lines.slice(0, negAt);
  const negLines = negAt < 0 ? [] : lines.slice(negAt);
  if (negLines.length > 0) negLines[0] = negLines[0]!.slice('Negative prompt:'.length).trimStart();
  return {
    prompt: promptLines.join('\n').trim(),
    negativePrompt: negLines.join('\n').trim(),
    settings,
  };
}

/** What a `parameters` text tells about a recipe (hashes there are short, so no tuners). */
export interface PartialRecipe {
  prompt?: string;
  negativePrompt?: string;
  seed?: number;
  sampler?: string;
  scheduler?: string;
  steps?: number;
  guidance?: number;
  width?: number;
  height?: number;
  modelName?: string;
  modelHash?: string;
}

function num(value: string | undefined | unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

export function parametersToPartialRecipe(parsed: ParsedParameters): PartialRecipe {
  const s = parsed.settings;
  const size = /^(\d+)x(\d+)$/.exec(s.Size ?? '');
  return dropUndefined({
    prompt: parsed.prompt,
    negativePrompt: parsed.negativePrompt,
    seed: num(s.Seed),
    sampler: s.Sampler,
    scheduler: s['Schedule type'],
    steps: num(s.Steps),
    guidance: num(s['CFG scale']),
    width: size ? Number(size[1]) : undefined,
    height: size ? Number(size[2]) : undefined,
    modelName: s.Model,
    modelHash: s['Model hash'],
  });
}

function dropUndefined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

type ComfyNode = { class_type?: unknown; inputs?: Record<string, unknown> };

/** Best effort over ComfyUI's `prompt` graph: the first sampler node and what feeds it. */
export function comfyPromptToPartialRecipe(json: string): PartialRecipe | null {
  let graph: Record<string, ComfyNode>;
  try {
    const parsed = JSON.parse(json) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
    graph = parsed as Record<string, ComfyNode>;
  } catch {
    return null;
  }
  const nodeOf = (link: unknown): ComfyNode | undefined =>
    Array.isArray(link) && (typeof link[0] === 'string' || typeof link[0] === 'number')
      ? graph[String(link[0])]
      : undefined;
  const textOf = (link: unknown, depth = 0): string | undefined => {
    const node = nodeOf(link);
    if (!node?.inputs || depth > 8) return undefined;
    const t = node.inputs.text ?? node.inputs.text_g;
    if (typeof t === 'string') return t;
    if (Array.isArray(t)) return textOf(t, depth + 1);
    return textOf(node.inputs.conditioning, depth + 1);
  };
  const sampler = Object.values(graph).find(
    (n) => typeof n?.class_type === 'string' && /^KSampler/.test(n.class_type) && n.inputs,
  );
  if (!sampler?.inputs) return null;
  const inp = sampler.inputs;
  const latent = nodeOf(inp.latent_image)?.inputs;
  const model = nodeOf(inp.model)?.inputs;
  return dropUndefined({
    prompt: textOf(inp.positive),
    negativePrompt: textOf(inp.negative),
    seed: num(inp.seed ?? inp.noise_seed),
    sampler: typeof inp.sampler_name === 'string' ? inp.sampler_name : undefined,
    scheduler: typeof inp.scheduler === 'string' ? inp.scheduler : undefined,
    steps: num(inp.steps),
    guidance: num(inp.cfg),
    width: num(latent?.width),
    height: num(latent?.height),
    modelName: typeof model?.ckpt_name === 'string' ? model.ckpt_name : undefined,
  });
}

/** Validates a recipe (throws an Error naming the field and what is wrong). */
export function parseRecipe(value: unknown, source = 'recipe'): Recipe {
  const result = recipeSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Error(`${source}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return result.data;
}

/** The JSON of the `scedit` chunk. */
export function formatRecipeJson(recipe: Recipe): string {
  return JSON.stringify({ format: 'scedit-recipe', version: RECIPE_FORMAT_VERSION, ...recipe });
}

export function parseRecipeJson(text: string, source = 'scedit chunk'): Recipe {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source}: not valid JSON (${(err as Error).message})`);
  }
  if (!value || typeof value !== 'object') throw new Error(`${source}: not a JSON object`);
  const { format, version, ...rest } = value as Record<string, unknown>;
  if (format !== 'scedit-recipe')
    throw new Error(`${source}: format is ${JSON.stringify(format)}, expected "scedit-recipe"`);
  if (typeof version !== 'number' || version > RECIPE_FORMAT_VERSION)
    throw new Error(
      `${source}: recipe version ${String(version)} is newer than this studio reads (${RECIPE_FORMAT_VERSION})`,
    );
  return parseRecipe(rest, source);
}

/** A copy of the PNG carrying the recipe in both chunks (replacing any earlier recipe). */
export function embedRecipe(png: Uint8Array, input: RecipeInput, source?: string): Uint8Array {
  const recipe = parseRecipe(input, source ?? 'recipe');
  return writePngText(
    png,
    [
      { keyword: PARAMETERS_CHUNK, text: formatParameters(recipe) },
      { keyword: RECIPE_CHUNK, text: formatRecipeJson(recipe) },
    ],
    { source },
  );
}

export type RecipeSource = 'scedit' | 'parameters' | 'comfyui' | 'none';

export interface RecipeReading {
  /** Where the answer came from: our chunk, another tool's chunk, or nothing. */
  source: RecipeSource;
  /** The full recipe, only when the picture carries our chunk. */
  recipe: Recipe | null;
  /** What could be read, from whichever chunk (for pictures from other tools). */
  partial: PartialRecipe;
  /** The raw `parameters` text, when present. */
  parameters?: string;
  /** Why a chunk that was present could not be used. */
  warnings: string[];
}

/**
 * Reads the recipe of a PNG. Pictures from other tools, or with no recipe, give what they have
 * (source 'none' and an empty partial when nothing). Throws only when the bytes are not a PNG.
 */
export function readRecipe(png: Uint8Array, source = 'PNG data'): RecipeReading {
  const chunks = readPngText(png, source);
  const byKey = new Map(chunks.map((c) => [c.keyword, c.text]));
  const warnings: string[] = [];
  const parametersText = byKey.get(PARAMETERS_CHUNK);
  const fromParameters =
    parametersText !== undefined ? parametersToPartialRecipe(parseParameters(parametersText)) : undefined;
  const ours = byKey.get(RECIPE_CHUNK);
  if (ours !== undefined) {
    try {
      const recipe = parseRecipeJson(ours, `${source}: scedit chunk`);
      return {
        source: 'scedit',
        recipe,
        partial: parametersToPartialRecipe(parseParameters(formatParameters(recipe))),
        ...(parametersText !== undefined ? { parameters: parametersText } : {}),
        warnings,
      };
    } catch (err) {
      warnings.push((err as Error).message);
    }
  }
  if (fromParameters) {
    return {
      source: 'parameters',
      recipe: null,
      partial: fromParameters,
      parameters: parametersText,
      warnings,
    };
  }
  const comfy = byKey.get('prompt');
  if (comfy !== undefined) {
    const partial = comfyPromptToPartialRecipe(comfy);
    if (partial) return { source: 'comfyui', recipe: null, partial, warnings };
    warnings.push(`${source}: "prompt" chunk is not a ComfyUI graph with a sampler`);
  }
  return { source: 'none', recipe: null, partial: {}, warnings };
}
