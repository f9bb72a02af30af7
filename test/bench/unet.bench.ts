// `npm run bench -- unet [--runs N] [--stock]`: the embedded model on the chosen backend (wasm
// unless SCEDIT_BACKEND says otherwise), median milliseconds of: the U-Net forward at batch 2 (the
// guidance pair), a training step at batch 8 (epsilon MSE + Adam over every U-Net weight), the
// VAE decode, the text encoder, and a 20-step 64×64 generation with guidance end to end.
// Weights are the deterministic initial ones: speed does not depend on their values.
// --stock measures tfjs's stock wasm kernels instead of our overrides.
// --peer also runs the PyTorch peer (test/bench/peer/unet_peer.py; Debian's python3-torch and
// libopenblas0-openmp) on the same architecture and weights: parity (max abs difference of one
// forward) and its forward / training-step medians at 1 and 2 threads, with our ratio to them.
// --interleaved times only the forward and the training step, ours and the two-thread peer's in
// turn (one run of each per round), so both see the same machine: on a shared host whose load
// comes and goes, the ratio of back-to-back medians can be off by a third.
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { backendReport, describeBackend, initBackend } from '../../main/engine/backend.ts';
import { denoiserFromPredictor } from '../../main/engine/diffusion/denoiser.ts';
import { guidedPredictor } from '../../main/engine/diffusion/guidance.ts';
import { seededNoise } from '../../main/engine/diffusion/noise.ts';
import { sample, startSample } from '../../main/engine/diffusion/samplers.ts';
import { makeSchedule, SD15_SCHEDULE } from '../../main/engine/diffusion/schedule.ts';
import { samplerSigmas } from '../../main/engine/diffusion/sigmas.ts';
import { embedded } from '../../main/engine/models/configs/embedded.ts';
import { EmbeddedTextEncoder } from '../../main/engine/models/text/text-encoder.ts';
import { WordTokenizer } from '../../main/engine/models/text/tokenizer.ts';
import { UNet } from '../../main/engine/models/unet/unet.ts';
import { AutoencoderKL } from '../../main/engine/models/vae/vae.ts';
import { exportPeerFiles, exportTextPeerFiles, exportVaePeerFiles, parityWeights } from './peer/export.ts';
import { median, table } from './stats.ts';
import { unetTrainingStep } from './unet-training-step.ts';

interface Timing {
  wall: number[];
  cpu: number[];
}

/**
 * Wall and process CPU milliseconds per run. tfjs-wasm runs on one thread, so on a machine shared
 * with other jobs the CPU time is the better estimate of the wall time an idle machine would give.
 */
async function timeRuns(fn: () => Promise<void>, runs: number, warmup = 1): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wall, cpu };
}

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} needs a positive integer`);
  return value;
}

export default async function unetBench(args: string[]): Promise<void> {
  const runs = option(args, '--runs', 5);
  const report = await initBackend({ stockKernels: args.includes('--stock') });
  console.log(describeBackend(report));
  if (args.includes('--peer-only')) {
    await runPeer(runs, new Map());
    return;
  }
  if (args.includes('--interleaved')) {
    await runInterleaved(runs);
    return;
  }

  const unet = new UNet(embedded.unet, { seed: 1 });
  const vae = new AutoencoderKL(embedded.vae, { seed: 2 });
  const captions = ['a red apple', 'a blue figure raising both arms beside a yellow ball', 'grinning face'];
  const tokenizer = WordTokenizer.learn(captions, { contextLength: embedded.text.contextLength });
  const text = new EmbeddedTextEncoder(tokenizer, embedded.text, { seed: 3 });
  const latent: [number, number, number] = [16, 16, embedded.unet.inChannels];
  const { contextLength } = text;
  const dim = text.contextDim;
  console.log(
    `embedded: U-Net ${(unet.params.count() / 1e6).toFixed(2)} M, VAE ${(vae.params.count() / 1e6).toFixed(2)} M, text ${(text.transformer.params.count() / 1e6).toFixed(2)} M parameters (text at this tokenizer's vocab bound ${embedded.text.vocabSize})`,
  );

  const rows: Record<string, string | number>[] = [];
  const ours = new Map<string, Timing>();
  const record = (name: string, { wall, cpu }: Timing) => {
    ours.set(name, { wall, cpu });
    rows.push({
      workload: name,
      'median wall ms': median(wall),
      'median cpu ms': median(cpu),
      'min wall ms': Math.min(...wall),
      runs: wall.length,
    });
    console.log(`${name}: median ${median(wall).toFixed(1)} ms wall, ${median(cpu).toFixed(1)} ms cpu`);
  };

  {
    const x = tf.randomNormal([2, ...latent]) as tf.Tensor4D;
    const t = tf.tensor1d([500, 500]);
    const ctx = tf.randomNormal([2, contextLength, dim]) as tf.Tensor3D;
    record(
      'U-Net forward, batch 2',
      await timeRuns(async () => {
        const y = unet.forward(x, t, ctx);
        await y.data();
        y.dispose();
      }, runs * 2),
    );
    tf.dispose([x, t, ctx]);
  }

  {
    const training = unetTrainingStep(unet, contextLength, dim);
    record('U-Net training step, batch 8', await timeRuns(() => training.run(), runs));
    training.dispose();
  }

  {
    const z = tf.randomNormal([1, ...latent]) as tf.Tensor4D;
    record(
      'VAE decode, batch 1 (64×64)',
      await timeRuns(async () => {
        const y = vae.decodeDiffusionLatents(z);
        await y.data();
        y.dispose();
      }, runs),
    );
    z.dispose();
  }

  record(
    'text encode, prompt + empty',
    await timeRuns(async () => {
      const c = text.encode(['a red apple', '']);
      await c.data();
      c.dispose();
    }, runs),
  );

  const schedule = makeSchedule(SD15_SCHEDULE);
  const sigmas = samplerSigmas(schedule, 20, { karras: true });
  const generate = async () => {
    const cond = text.encode(['a red apple']);
    const uncond = text.emptyContext();
    const predict = guidedPredictor(
      (xIn, t, context) =>
        tf.tidy(() =>
          unet.forward(
            xIn as tf.Tensor4D,
            tf.fill([xIn.shape[0]!], t) as tf.Tensor1D,
            context as tf.Tensor3D,
          ),
        ),
      { cond, uncond, scale: 7.5 },
    );
    const denoise = denoiserFromPredictor(predict, schedule);
    const rng = seededNoise(42);
    const xT = startSample(rng, [1, ...latent], sigmas);
    const latents = await sample('dpmpp_2m', denoise, xT, sigmas, { rng });
    const image = vae.decodeDiffusionLatents(latents as tf.Tensor4D);
    await image.data();
    tf.dispose([cond, uncond, xT, latents, image]);
  };
  const before = tf.memory().numTensors;
  record(
    'generation: 20 steps DPM++ 2M, guidance 7.5, 64×64',
    await timeRuns(generate, Math.max(2, runs - 2)),
  );
  const leaked = tf.memory().numTensors - before;

  console.log(`\n${table(rows)}`);
  console.log(`tensors left by the generations: ${leaked}`);
  console.log(
    `load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores: on a shared machine wall times are noisy; cpu ms ≈ idle wall ms (one thread).`,
  );
  unet.dispose();
  vae.dispose();
  text.dispose();
  if (args.includes('--peer')) await runPeer(runs, ours);
}

interface PeerResult {
  threads: number;
  torch: string;
  parity_max_abs_diff: number;
  output_max_abs: number;
  forward_ms: number;
  train_ms: number;
  forward_cpu_ms: number;
  train_cpu_ms: number;
  vae_parity: number;
  vae_output_max_abs: number;
  text_parity: number;
  text_output_max_abs: number;
}

const PEER_DIR = fileURLToPath(new URL('./peer/', import.meta.url));
const OUTPUT_DIR = fileURLToPath(new URL('./output/unet-peer/', import.meta.url));

/** The environment that makes Debian's torch a fair peer (see issue 3, item 7). */
function peerEnv(threads: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    LD_LIBRARY_PATH: '/usr/lib/x86_64-linux-gnu/openblas-openmp',
    GLIBC_TUNABLES:
      'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=17179869184:glibc.malloc.arena_max=1',
    OMP_NUM_THREADS: String(threads),
  };
}

async function runPeer(runs: number, ours: Map<string, Timing>): Promise<void> {
  const unet = new UNet(embedded.unet, { seed: 1 });
  parityWeights(unet.params);
  await exportPeerFiles(unet, OUTPUT_DIR);
  unet.dispose();
  const vae = new AutoencoderKL(embedded.vae, { seed: 2 });
  parityWeights(vae.params);
  await exportVaePeerFiles(vae, OUTPUT_DIR);
  vae.dispose();
  const tokenizer = WordTokenizer.learn(['a red apple', 'grinning face with big eyes'], {
    contextLength: embedded.text.contextLength,
  });
  const text = new EmbeddedTextEncoder(tokenizer, embedded.text, { seed: 3 });
  parityWeights(text.transformer.params);
  await exportTextPeerFiles(text, OUTPUT_DIR);
  text.dispose();
  const results: PeerResult[] = [];
  for (const threads of [1, 2]) {
    const run = spawnSync(
      '/usr/bin/python3',
      [`${PEER_DIR}unet_peer.py`, '--dir', OUTPUT_DIR, '--threads', String(threads), '--runs', String(runs)],
      { env: peerEnv(threads), encoding: 'utf8' },
    );
    if (run.status !== 0) {
      console.error(`PyTorch peer failed (${threads} thread(s)):\n${run.stderr || run.error}`);
      return;
    }
    results.push(JSON.parse(run.stdout.trim().split('\n').at(-1)!) as PeerResult);
  }
  const nan: Timing = { wall: [Number.NaN], cpu: [Number.NaN] };
  const forward = ours.get('U-Net forward, batch 2') ?? nan;
  const train = ours.get('U-Net training step, batch 8') ?? nan;
  const rows = results.flatMap((r) => [
    {
      workload: 'U-Net forward, batch 2',
      'torch threads': r.threads,
      'torch wall ms': r.forward_ms,
      'torch cpu ms': r.forward_cpu_ms,
      'ours / torch (wall)': median(forward.wall) / r.forward_ms,
      'ours / torch (cpu)': median(forward.cpu) / r.forward_cpu_ms,
    },
    {
      workload: 'U-Net training step, batch 8',
      'torch threads': r.threads,
      'torch wall ms': r.train_ms,
      'torch cpu ms': r.train_cpu_ms,
      'ours / torch (wall)': median(train.wall) / r.train_ms,
      'ours / torch (cpu)': median(train.cpu) / r.train_cpu_ms,
    },
  ]);
  console.log(
    `\nPyTorch ${results[0]!.torch} peer (OpenMP OpenBLAS, glibc malloc tunables):\n${table(rows)}`,
  );
  const p = results[0]!;
  const verdict = (diff: number) => (diff <= 1e-4 ? 'PASS' : 'FAIL');
  for (const [name, diff, scale] of [
    ['U-Net forward', p.parity_max_abs_diff, p.output_max_abs],
    ['VAE encode+decode', p.vae_parity, p.vae_output_max_abs],
    ['text transformer', p.text_parity, p.text_output_max_abs],
  ] as const) {
    console.log(
      `parity ${name}: max |ours - torch| = ${diff.toExponential(2)} over outputs up to ${scale.toFixed(3)} (target <= 1e-4): ${verdict(diff)}`,
    );
  }
}

/** A PyTorch peer kept running (`--serve`) that times one workload per request. */
class ServedPeer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: string[] = [];
  private waiting: { resolve: (line: string) => void; reject: (err: Error) => void } | null = null;
  private exited: Error | null = null;

  constructor(threads: number) {
    this.child = spawn(
      '/usr/bin/python3',
      [`${PEER_DIR}unet_peer.py`, '--dir', OUTPUT_DIR, '--threads', String(threads), '--serve'],
      { env: peerEnv(threads) },
    );
    let buffered = '';
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        if (this.waiting) {
          const { resolve } = this.waiting;
          this.waiting = null;
          resolve(line);
        } else this.lines.push(line);
      }
    });
    // One handler for the peer's life (one per awaited line piled up listeners over the rounds).
    this.child.once('exit', (code) => {
      this.exited = new Error(`the PyTorch peer exited (${code})`);
      this.waiting?.reject(this.exited);
      this.waiting = null;
    });
  }

  private next(): Promise<string> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  async ready(): Promise<void> {
    const line = await this.next();
    if (!(JSON.parse(line) as { ready?: boolean }).ready) throw new Error(`unexpected peer line: ${line}`);
  }

  async time(workload: 'forward' | 'train'): Promise<number> {
    this.child.stdin.write(`${workload}\n`);
    return (JSON.parse(await this.next()) as { ms: number }).ms;
  }

  close(): void {
    this.child.stdin.end();
  }
}

async function runInterleaved(rounds: number): Promise<void> {
  const unet = new UNet(embedded.unet, { seed: 1 });
  parityWeights(unet.params);
  await exportPeerFiles(unet, OUTPUT_DIR);
  const peer = new ServedPeer(2);
  await peer.ready();
  const { contextLength, width } = embedded.text;
  const x = tf.randomNormal([2, 16, 16, embedded.unet.inChannels]) as tf.Tensor4D;
  const t = tf.tensor1d([500, 500]);
  const ctx = tf.randomNormal([2, contextLength, width]) as tf.Tensor3D;
  const forward = async () => {
    const t0 = performance.now();
    const y = unet.forward(x, t, ctx);
    await y.data();
    y.dispose();
    return performance.now() - t0;
  };
  const training = unetTrainingStep(unet, contextLength, width);
  const step = async () => {
    const t0 = performance.now();
    await training.run();
    return performance.now() - t0;
  };
  await forward();
  await step();
  const times = {
    forward: [] as number[],
    train: [] as number[],
    peerForward: [] as number[],
    peerTrain: [] as number[],
  };
  for (let i = 0; i < rounds; i++) {
    times.forward.push(await forward());
    times.peerForward.push(await peer.time('forward'));
    times.train.push(await step());
    times.peerTrain.push(await peer.time('train'));
  }
  peer.close();
  training.dispose();
  tf.dispose([x, t, ctx]);
  unet.dispose();
  const ratios = (a: number[], b: number[]) => a.map((v, i) => v / b[i]!);
  console.log(
    `\nInterleaved with the two-thread PyTorch peer, ${rounds} rounds (ours on ${backendReport()?.threads ?? 1} wasm thread(s)):\n${table(
      [
        {
          workload: 'U-Net forward, batch 2',
          'ours median ms': median(times.forward),
          'torch median ms': median(times.peerForward),
          'median of round ratios': median(ratios(times.forward, times.peerForward)),
        },
        {
          workload: 'U-Net training step, batch 8',
          'ours median ms': median(times.train),
          'torch median ms': median(times.peerTrain),
          'median of round ratios': median(ratios(times.train, times.peerTrain)),
        },
      ],
    )}`,
  );
}
