// Loads a TensorFlow.js graph model (model.json + weight shards) from disk. tfjs-converter's
// own loaders fetch over HTTP; the studio runs offline, so the files are read here and handed
// over through an in-memory IOHandler, after checks that name the file that is wrong.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import type { io } from '@tensorflow/tfjs-core';

export class ModelFileError extends Error {}

const DTYPE_BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

function weightBytes(spec: io.WeightsManifestEntry): number | null {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const bytes = DTYPE_BYTES[dtype];
  return bytes === undefined ? null : count * bytes;
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ModelFileError(
      code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot be read (${code ?? String(err)})`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ModelFileError(`${path}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
}

/** Reads and checks model.json and its shards; returns what tfjs-converter needs to build the model. */
export async function readGraphModelArtifacts(modelJsonPath: string): Promise<io.ModelArtifacts> {
  const json = (await readJson(modelJsonPath)) as Partial<io.ModelJSON> | null;
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new ModelFileError(`${modelJsonPath}: not a TensorFlow.js model (the JSON is not an object)`);
  if (json.format === 'layers-model')
    throw new ModelFileError(
      `${modelJsonPath}: is a TensorFlow.js Layers model; convert it as a graph model (tensorflowjs_converter --output_format tfjs_graph_model)`,
    );
  const topology = json.modelTopology as { node?: unknown } | undefined;
  if (!topology || typeof topology !== 'object' || !Array.isArray(topology.node))
    throw new ModelFileError(
      `${modelJsonPath}: not a TensorFlow.js graph model (no modelTopology.node list)`,
    );
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest))
    throw new ModelFileError(`${modelJsonPath}: weightsManifest is missing or not a list`);
  const folder = dirname(modelJsonPath);
  const buffers: Uint8Array[] = [];
  const specs: io.WeightsManifestEntry[] = [];
  for (const [g, group] of manifest.entries()) {
    if (!group || !Array.isArray(group.paths) || !Array.isArray(group.weights))
      throw new ModelFileError(`${modelJsonPath}: weightsManifest[${g}] needs "paths" and "weights" lists`);
    let groupBytes = 0;
    for (const shard of group.paths) {
      if (typeof shard !== 'string' || shard.includes('..') || shard.startsWith('/'))
        throw new ModelFileError(
          `${modelJsonPath}: weightsManifest[${g}] names a shard outside the model folder`,
        );
      const shardPath = join(folder, shard);
      try {
        const bytes = await readFile(shardPath);
        buffers.push(bytes);
        groupBytes += bytes.length;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new ModelFileError(
          code === 'ENOENT'
            ? `${shardPath}: weight shard missing (listed in ${modelJsonPath})`
            : `${shardPath}: cannot be read (${code ?? String(err)})`,
        );
      }
    }
    let expected = 0;
    for (const spec of group.weights as io.WeightsManifestEntry[]) {
      if (!spec || typeof spec.name !== 'string' || !Array.isArray(spec.shape))
        throw new ModelFileError(
          `${modelJsonPath}: weightsManifest[${g}] has a weight without name and shape`,
        );
      const bytes = weightBytes(spec);
      expected = bytes === null || expected < 0 ? -1 : expected + bytes;
      specs.push(spec);
    }
    if (expected >= 0 && expected !== groupBytes)
      throw new ModelFileError(
        `${modelJsonPath}: weight group ${g} (${group.paths.join(', ')}) holds ${groupBytes} bytes, its weights need ${expected}`,
      );
  }
  const total = buffers.reduce((n, b) => n + b.length, 0);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    weightData.set(b, offset);
    offset += b.length;
  }
  return {
    modelTopology: json.modelTopology,
    weightSpecs: specs,
    weightData: weightData.buffer,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    signature: json.signature,
    userDefinedMetadata: json.userDefinedMetadata,
    modelInitializer: json.modelInitializer,
    initializerSignature: json.initializerSignature,
  };
}

/** A graph model read from `modelJsonPath` and the shards beside it; nothing is fetched. */
export async function loadGraphModelFile(modelJsonPath: string): Promise<GraphModel> {
  const artifacts = await readGraphModelArtifacts(modelJsonPath);
  try {
    return await loadGraphModel({ load: async () => artifacts });
  } catch (err) {
    throw new ModelFileError(
      `${modelJsonPath}: the graph could not be built (${err instanceof Error ? err.message : String(err)})`,
    );
  }
}
