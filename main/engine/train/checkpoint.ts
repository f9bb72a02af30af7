// A training checkpoint: one .safetensors file (written atomically, so a kill leaves the previous
// checkpoint or the new one) holding the trained parameters in PyTorch names and layouts, the AdamW
// moments and EMA weights in the same layouts, and the loop state in its metadata: step, samples
// consumed (the whole random state: see rng.ts), the data order, the loss history and the
// fingerprint of data and settings it belongs to.
import { fromTorchLayout, toTorchLayout } from '../io/param-file.ts';
import { openSafetensors, type TensorToWrite, writeSafetensors } from '../io/safetensors.ts';
import type { Param } from '../nn/params.ts';
import { torchShape } from '../nn/params.ts';

export const CHECKPOINT_FORMAT = 'scedit-studio.train-checkpoint/1';

export interface LoopState {
  step: number;
  samplesSeen: number;
  seed: number;
  adamStep: number;
  lossHistory: { step: number; loss: number }[];
  fingerprint: string;
  /** Where in the data the run stands (epoch and that epoch's order). */
  data: { epoch: number; order: number[] };
}

export interface CheckpointContents {
  state: LoopState;
  params: Float32Array[];
  adamM: Float32Array[];
  adamV: Float32Array[];
  ema: Float32Array[] | null;
}

export async function writeCheckpoint(
  path: string,
  params: readonly Param[],
  contents: CheckpointContents,
): Promise<void> {
  const tensors: TensorToWrite[] = [];
  const add = (group: string, values: readonly Float32Array[]) => {
    for (const [i, p] of params.entries())
      tensors.push({
        name: `${group}.${p.name}`,
        dtype: 'F32',
        shape: torchShape(p.spec),
        data: toTorchLayout(p.spec, values[i]!),
      });
  };
  add('param', contents.params);
  add('adam_m', contents.adamM);
  add('adam_v', contents.adamV);
  if (contents.ema) add('ema', contents.ema);
  await writeSafetensors(path, tensors, { format: CHECKPOINT_FORMAT, state: JSON.stringify(contents.state) });
}

export async function readCheckpoint(path: string, params: readonly Param[]): Promise<CheckpointContents> {
  const file = await openSafetensors(path);
  try {
    if (file.metadata.format !== CHECKPOINT_FORMAT)
      throw new Error(
        `${path}: not a training checkpoint of this studio (format ${file.metadata.format ?? 'missing'})`,
      );
    let state: LoopState;
    try {
      state = JSON.parse(file.metadata.state ?? '') as LoopState;
    } catch {
      throw new Error(`${path}: the checkpoint's state is not valid JSON`);
    }
    const read = async (group: string): Promise<Float32Array[]> => {
      const out: Float32Array[] = [];
      for (const p of params) {
        const name = `${group}.${p.name}`;
        if (!file.has(name))
          throw new Error(
            `${path}: the checkpoint has no "${name}"; it belongs to another tuner configuration`,
          );
        const want = torchShape(p.spec);
        const got = file.info(name).shape;
        if (want.join() !== got.join())
          throw new Error(`${path}: "${name}" has shape [${got.join(', ')}], expected [${want.join(', ')}]`);
        out.push(fromTorchLayout(p.spec, await file.read(name)));
      }
      return out;
    };
    const hasEma = params.length > 0 && file.has(`ema.${params[0]!.name}`);
    return {
      state,
      params: await read('param'),
      adamM: await read('adam_m'),
      adamV: await read('adam_v'),
      ema: hasEma ? await read('ema') : null,
    };
  } finally {
    await file.close();
  }
}
