// A depth model the user converted to a TensorFlow.js graph model (e.g. MiDaS small): model.json
// and its shards in a folder, with an optional depth.json (depth-model-config.ts) beside them.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import type * as tf from '@tensorflow/tfjs-core';
import type { RgbaImage } from '../../engine/io/image.ts';
import { checkAnnotatorImage } from '../annotator-error.ts';
import { loadGraphModelFile, ModelFileError } from '../graph-model-file.ts';
import type { DepthEstimator, DepthMap } from './depth-estimator.ts';
import type { DepthIoConfig } from './depth-model-config.ts';
import { depthIoConfigSchema, describeZodIssues } from './depth-model-config.ts';
import { depthModelInput, depthModelOutput } from './run-depth-model.ts';

const DEFAULT_SIDE = 256;

async function readIoConfig(path: string): Promise<DepthIoConfig> {
  if (!existsSync(path)) return depthIoConfigSchema.parse({});
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ModelFileError(`${path}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const parsed = depthIoConfigSchema.safeParse(json);
  if (!parsed.success) throw new ModelFileError(`${path}: ${describeZodIssues(parsed.error)}`);
  return parsed.data;
}

export class GraphModelDepth implements DepthEstimator {
  readonly name = 'model';
  private constructor(
    private readonly model: GraphModel,
    private readonly io: DepthIoConfig,
    private readonly inputSize: [number, number],
    readonly path: string,
  ) {}

  static async load(modelJsonPath: string): Promise<GraphModelDepth> {
    const io = await readIoConfig(join(dirname(modelJsonPath), 'depth.json'));
    const model = await loadGraphModelFile(modelJsonPath);
    const input = model.inputs[0];
    if (model.inputs.length !== 1 || !input) {
      model.dispose();
      throw new ModelFileError(
        `${modelJsonPath}: a depth model takes one picture; this one has ${model.inputs.length} inputs`,
      );
    }
    const shape = input.shape ?? [];
    if (shape.length !== 4 || (shape[3] !== 3 && shape[3] !== -1)) {
      model.dispose();
      throw new ModelFileError(
        `${modelJsonPath}: the input must be an NHWC RGB picture [1, h, w, 3]; it is [${shape.join(', ')}]`,
      );
    }
    const configured = typeof io.input_size === 'number' ? [io.input_size, io.input_size] : io.input_size;
    const h = shape[1]! > 0 ? shape[1]! : (configured?.[0] ?? DEFAULT_SIDE);
    const w = shape[2]! > 0 ? shape[2]! : (configured?.[1] ?? DEFAULT_SIDE);
    return new GraphModelDepth(model, io, [h, w], modelJsonPath);
  }

  async estimate(image: RgbaImage): Promise<DepthMap> {
    checkAnnotatorImage(image);
    const input = depthModelInput(image, this.inputSize, this.io);
    let output: tf.Tensor;
    try {
      const result = this.model.execute(input);
      if (Array.isArray(result)) {
        for (const t of result.slice(1)) t.dispose();
        output = result[0]!;
      } else {
        output = result as tf.Tensor;
      }
    } catch (err) {
      throw new ModelFileError(
        `${this.path}: running the model failed (${err instanceof Error ? err.message : String(err)})`,
      );
    } finally {
      input.dispose();
    }
    return depthModelOutput(output, image, this.io, this.path);
  }

  dispose(): void {
    this.model.dispose();
  }
}
