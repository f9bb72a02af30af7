// The evaluation classifier of the quality bench (issue 6): a small CNN trained in PyTorch by
// scripts/train-embedded/train_classifier.py, shipped in assets/eval/classifier as
// weights.safetensors (PyTorch names and layouts) + config.json (architecture, heads, classes).
// Architecture: stride-2 3x3 conv + GroupNorm + SiLU blocks, the last one flattened, a linear +
// SiLU to the feature vector, a linear head per label. Here it runs on NHWC pictures in [-1, 1] and gives every head's logits and the penultimate
// feature vector the Fréchet distance is measured in.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { loadParamsInto } from '../../../main/engine/io/param-file.ts';
import { openSafetensors } from '../../../main/engine/io/safetensors.ts';
import { silu } from '../../../main/engine/nn/activations.ts';
import { Conv2d } from '../../../main/engine/nn/conv2d.ts';
import { Linear } from '../../../main/engine/nn/linear.ts';
import { GroupNorm } from '../../../main/engine/nn/norm.ts';
import { ParamScope, ParamStore } from '../../../main/engine/nn/params.ts';

export const CLASSIFIER_FORMAT = 'scedit-studio.eval-classifier/1';
export const CLASSIFIER_DIR = fileURLToPath(new URL('../../../assets/eval/classifier', import.meta.url));

const headSchema = z.object({
  name: z.string().regex(/^[a-z_]+$/),
  /** The dataset source whose items carry this label; null: every item (the source head). */
  source: z.string().nullable(),
  label: z.string().nullable(),
  classes: z.array(z.string()).min(2),
  heldoutAccuracy: z.number().nullable(),
});

const configSchema = z.object({
  format: z.literal(CLASSIFIER_FORMAT),
  input: z.object({ size: z.number().int().positive(), channels: z.literal(3) }),
  architecture: z.object({
    channels: z.array(z.number().int().positive()).min(1),
    groups: z.number().int().positive(),
    normEps: z.number().positive(),
    features: z.number().int().positive(),
  }),
  heads: z.array(headSchema).min(1),
});

export type ClassifierHead = z.infer<typeof headSchema>;
export type ClassifierConfig = z.infer<typeof configSchema>;

export interface ClassifierOutput {
  /** [B, features]: the penultimate layer. */
  features: tf.Tensor2D;
  /** Head name -> [B, classes]. */
  logits: Record<string, tf.Tensor2D>;
}

export class EvalClassifier {
  private readonly store = new ParamStore({ allocate: true, trainable: false });
  private readonly blocks: { conv: Conv2d; norm: GroupNorm }[] = [];
  private readonly feature: Linear;
  private readonly heads: { head: ClassifierHead; linear: Linear }[];

  constructor(readonly config: ClassifierConfig) {
    const root = new ParamScope(this.store);
    const { channels, groups, normEps, features } = config.architecture;
    let inChannels: number = config.input.channels;
    channels.forEach((outChannels, i) => {
      const block = root.child('blocks').child(i);
      this.blocks.push({
        conv: new Conv2d(block.child('conv'), {
          inChannels,
          outChannels,
          kernelSize: 3,
          stride: 2,
          padding: 1,
        }),
        norm: new GroupNorm(block.child('norm'), { groups, channels: outChannels, eps: normEps }),
      });
      inChannels = outChannels;
    });
    const side = config.input.size / 2 ** channels.length;
    if (!Number.isInteger(side))
      throw new Error(
        `eval classifier: input size ${config.input.size} does not halve ${channels.length} times`,
      );
    this.feature = new Linear(root.child('feature'), {
      inFeatures: inChannels * side * side,
      outFeatures: features,
    });
    this.heads = config.heads.map((head) => ({
      head,
      linear: new Linear(root.child('heads').child(head.name), {
        inFeatures: features,
        outFeatures: head.classes.length,
      }),
    }));
  }

  get headNames(): string[] {
    return this.heads.map((h) => h.head.name);
  }

  head(name: string): ClassifierHead {
    const found = this.heads.find((h) => h.head.name === name);
    if (!found)
      throw new Error(`the eval classifier has no head "${name}" (it has ${this.headNames.join(', ')})`);
    return found.head;
  }

  /** images: [B, size, size, 3] in [-1, 1]. */
  forward(images: tf.Tensor4D): ClassifierOutput {
    const { size } = this.config.input;
    const [, h, w, c] = images.shape;
    if (h !== size || w !== size || c !== 3)
      throw new Error(
        `eval classifier: expected [B, ${size}, ${size}, 3] pictures, got [${images.shape.join(', ')}]`,
      );
    return tf.tidy(() => {
      let x: tf.Tensor4D = images;
      for (const { conv, norm } of this.blocks) x = silu(norm.apply(conv.apply(x)));
      // The file's feature weight reads the last block flattened in PyTorch's (C, H, W) order.
      const flat = tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [x.shape[0], -1]) as tf.Tensor2D;
      const features = silu(this.feature.apply(flat));
      const logits: Record<string, tf.Tensor2D> = {};
      for (const { head, linear } of this.heads) logits[head.name] = linear.apply(features);
      return { features, logits };
    });
  }

  dispose(): void {
    this.store.dispose();
  }

  /** Every parameter, for loading by PyTorch name. */
  params() {
    return this.store.list();
  }
}

export function parseClassifierConfig(value: unknown, source: string): ClassifierConfig {
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${source}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const names = parsed.data.heads.map((h) => h.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new Error(`${source}: heads: "${twice}" appears twice`);
  return parsed.data;
}

/** Loads config.json + weights.safetensors; a missing, extra or mis-shaped weight fails with its name. */
export async function loadEvalClassifier(dir = CLASSIFIER_DIR): Promise<EvalClassifier> {
  const configPath = join(dir, 'config.json');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(configPath, 'utf8'));
  } catch (err) {
    throw new Error(`${configPath}: cannot read the eval classifier's config (${(err as Error).message})`);
  }
  const classifier = new EvalClassifier(parseClassifierConfig(json, configPath));
  const file = await openSafetensors(join(dir, 'weights.safetensors'));
  try {
    await loadParamsInto(file, classifier.params(), { strict: true });
  } catch (err) {
    classifier.dispose();
    throw err;
  } finally {
    await file.close();
  }
  return classifier;
}
