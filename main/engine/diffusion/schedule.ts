// Noise schedules as pure functions: betas -> alphas_cumprod -> sigmas, with the definitions
// diffusers' schedulers use (linear, scaled_linear, squaredcos_cap_v2, and the optional
// zero-terminal-SNR rescale of Lin et al. 2023, "Common Diffusion Noise Schedules and Sample Steps
// are Flawed"). Sampling happens in sigma space (x = x0 + sigma * noise, k-diffusion's convention):
// sigma_t = sqrt((1 - alphas_cumprod[t]) / alphas_cumprod[t]). Values are float64.

export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';
export type PredictionType = 'epsilon' | 'v_prediction';

export interface ScheduleConfig {
  betaSchedule: BetaSchedule;
  /** Defaults: 0.0001 for linear, 0.00085 for scaled_linear (unused by squaredcos_cap_v2). */
  betaStart?: number;
  /** Defaults: 0.02 for linear, 0.012 for scaled_linear (unused by squaredcos_cap_v2). */
  betaEnd?: number;
  /** Discrete training timesteps; default 1000. */
  trainTimesteps?: number;
  /** What the network predicts; default epsilon. */
  prediction?: PredictionType;
  /** Rescale so the last timestep is pure noise (zero SNR); pair it with 'trailing' spacing. */
  rescaleZeroTerminalSnr?: boolean;
  /** Added to 'leading' timesteps (SD 1.x uses 1). */
  stepsOffset?: number;
}

export interface NoiseSchedule {
  readonly config: Readonly<Required<ScheduleConfig>>;
  readonly betas: Float64Array;
  readonly alphasCumprod: Float64Array;
  /** sigma per training timestep, ascending with t. */
  readonly sigmas: Float64Array;
  readonly logSigmas: Float64Array;
  readonly sigmaMin: number;
  readonly sigmaMax: number;
}

/** Stable Diffusion 1.x: scaled_linear 0.00085..0.012 over 1000 steps, epsilon prediction. */
export const SD15_SCHEDULE: ScheduleConfig = {
  betaSchedule: 'scaled_linear',
  betaStart: 0.00085,
  betaEnd: 0.012,
  trainTimesteps: 1000,
  prediction: 'epsilon',
  stepsOffset: 1,
};

/**
 * With zero terminal SNR the last alphas_cumprod is 0 and its sigma infinite; diffusers' sigma
 * schedulers substitute 2^-24 for it, and so do we (sigma ~ 4096, pure noise in practice).
 */
const TERMINAL_ALPHA_CUMPROD = 2 ** -24;
const COSINE_MAX_BETA = 0.999;

function linspace(start: number, end: number, count: number): Float64Array {
  const out = new Float64Array(count);
  if (count === 1) {
    out[0] = start;
    return out;
  }
  for (let i = 0; i < count; i++) out[i] = start + ((end - start) * i) / (count - 1);
  return out;
}

function cosineAlphaBar(t: number): number {
  return Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
}

export function makeBetas(
  kind: BetaSchedule,
  count: number,
  betaStart: number,
  betaEnd: number,
): Float64Array {
  switch (kind) {
    case 'linear':
      return linspace(betaStart, betaEnd, count);
    case 'scaled_linear':
      return linspace(Math.sqrt(betaStart), Math.sqrt(betaEnd), count).map((b) => b * b);
    case 'squaredcos_cap_v2': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++)
        out[i] = Math.min(1 - cosineAlphaBar((i + 1) / count) / cosineAlphaBar(i / count), COSINE_MAX_BETA);
      return out;
    }
  }
}

export function cumulativeAlphas(betas: Float64Array): Float64Array {
  const out = new Float64Array(betas.length);
  let product = 1;
  for (let i = 0; i < betas.length; i++) {
    product *= 1 - betas[i]!;
    out[i] = product;
  }
  return out;
}

/**
 * Shifts and scales sqrt(alphas_cumprod) so that its last value is 0 and its first is unchanged
 * (Lin et al. 2023, algorithm 1); returns the betas that produce the rescaled cumulative product.
 */
export function rescaleZeroTerminalSnr(betas: Float64Array): Float64Array {
  const root = cumulativeAlphas(betas).map(Math.sqrt);
  const first = root[0]!;
  const last = root[root.length - 1]!;
  const scaled = root.map((r) => ((r - last) * first) / (first - last));
  const out = new Float64Array(betas.length);
  let previous = 1;
  for (let i = 0; i < betas.length; i++) {
    const alphaBar = scaled[i]! ** 2;
    out[i] = 1 - alphaBar / previous;
    previous = alphaBar;
  }
  return out;
}

function resolveConfig(config: ScheduleConfig): Required<ScheduleConfig> {
  const kinds: BetaSchedule[] = ['linear', 'scaled_linear', 'squaredcos_cap_v2'];
  if (!kinds.includes(config.betaSchedule))
    throw new Error(
      `schedule.betaSchedule ${JSON.stringify(config.betaSchedule)} is not one of ${kinds.join(', ')}`,
    );
  const scaled = config.betaSchedule === 'scaled_linear';
  const resolved: Required<ScheduleConfig> = {
    betaSchedule: config.betaSchedule,
    betaStart: config.betaStart ?? (scaled ? 0.00085 : 0.0001),
    betaEnd: config.betaEnd ?? (scaled ? 0.012 : 0.02),
    trainTimesteps: config.trainTimesteps ?? 1000,
    prediction: config.prediction ?? 'epsilon',
    rescaleZeroTerminalSnr: config.rescaleZeroTerminalSnr ?? false,
    stepsOffset: config.stepsOffset ?? 0,
  };
  const { betaStart, betaEnd, trainTimesteps, prediction, stepsOffset } = resolved;
  if (!Number.isInteger(trainTimesteps) || trainTimesteps < 2)
    throw new Error(`schedule.trainTimesteps must be an integer >= 2, not ${trainTimesteps}`);
  for (const [field, value] of [
    ['betaStart', betaStart],
    ['betaEnd', betaEnd],
  ] as const)
    if (!(value > 0 && value < 1)) throw new Error(`schedule.${field} must lie in (0, 1), not ${value}`);
  if (prediction !== 'epsilon' && prediction !== 'v_prediction')
    throw new Error(`schedule.prediction ${JSON.stringify(prediction)} is not epsilon or v_prediction`);
  if (!Number.isInteger(stepsOffset) || stepsOffset < 0)
    throw new Error(`schedule.stepsOffset must be a non-negative integer, not ${stepsOffset}`);
  return resolved;
}

export function makeSchedule(config: ScheduleConfig): NoiseSchedule {
  const resolved = resolveConfig(config);
  let betas = makeBetas(resolved.betaSchedule, resolved.trainTimesteps, resolved.betaStart, resolved.betaEnd);
  if (resolved.rescaleZeroTerminalSnr) betas = rescaleZeroTerminalSnr(betas);
  const alphasCumprod = cumulativeAlphas(betas);
  const last = alphasCumprod.length - 1;
  if (resolved.rescaleZeroTerminalSnr) alphasCumprod[last] = TERMINAL_ALPHA_CUMPROD;
  const sigmas = alphasCumprod.map((a) => Math.sqrt((1 - a) / a));
  return Object.freeze({
    config: Object.freeze(resolved),
    betas,
    alphasCumprod,
    sigmas,
    logSigmas: sigmas.map(Math.log),
    sigmaMin: sigmas[0]!,
    sigmaMax: sigmas[last]!,
  });
}

/** The (fractional) training timestep of a sigma, interpolating linearly in log sigma. */
export function sigmaToTimestep(schedule: NoiseSchedule, sigma: number): number {
  const logs = schedule.logSigmas;
  const logSigma = Math.log(sigma);
  if (logSigma <= logs[0]!) return 0;
  const last = logs.length - 1;
  if (logSigma >= logs[last]!) return last;
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (logs[mid]! <= logSigma) lo = mid;
    else hi = mid;
  }
  const w = (logSigma - logs[lo]!) / (logs[hi]! - logs[lo]!);
  return lo + w;
}

/** Sigma at a (fractional) timestep, interpolating linearly in sigma as diffusers does. */
export function timestepToSigma(schedule: NoiseSchedule, t: number): number {
  const sigmas = schedule.sigmas;
  const last = sigmas.length - 1;
  if (!(t >= 0 && t <= last)) throw new Error(`timestep ${t} is outside [0, ${last}]`);
  const lo = Math.floor(t);
  if (lo === last) return sigmas[last]!;
  const w = t - lo;
  return sigmas[lo]! * (1 - w) + sigmas[lo + 1]! * w;
}
