// The 'model' depth estimator: a user-provided model from a folder, recognised by its files
// (model.json -> TF.js graph model; *.safetensors + config.json -> convolutional net).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ModelFileError } from '../graph-model-file.ts';
import { ConvNetDepth } from './conv-net-depth.ts';
import type { DepthEstimator } from './depth-estimator.ts';
import { GraphModelDepth } from './graph-model-depth.ts';

export async function loadDepthModel(path: string): Promise<DepthEstimator> {
  if (!existsSync(path)) throw new ModelFileError(`${path}: no such depth model file or folder`);
  if (statSync(path).isFile()) {
    if (path.endsWith('.json')) return GraphModelDepth.load(path);
    if (path.endsWith('.safetensors')) return ConvNetDepth.load(path);
    throw new ModelFileError(`${path}: not a depth model (expected model.json or a .safetensors file)`);
  }
  if (existsSync(join(path, 'model.json'))) return GraphModelDepth.load(join(path, 'model.json'));
  const tensors = readdirSync(path).filter((f) => f.endsWith('.safetensors'));
  if (tensors.length === 1) return ConvNetDepth.load(join(path, tensors[0]!));
  if (tensors.length > 1)
    throw new ModelFileError(
      `${path}: holds ${tensors.length} .safetensors files (${tensors.join(', ')}); name the one to use`,
    );
  throw new ModelFileError(
    `${path}: no depth model here (expected model.json with its weight shards, or a .safetensors file with config.json)`,
  );
}
