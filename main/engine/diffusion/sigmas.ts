// The sigmas a sampler walks through: pick inference timesteps from the training schedule with
// one of diffusers' spacings, or space sigmas as Karras et al. 2022 do (rho = 7). The list runs
// from the noisiest sigma down and always ends with 0 (the clean image).
import { type NoiseSchedule, timestepToSigma } from './schedule.ts';

/**
 * - linspace: evenly from T-1 down to 0, fractional timesteps allowed (includes both ends).
 * - leading: multiples of floor(T / steps) plus the schedule's stepsOffset (SD 1.x with DDIM).
 * - trailing: from T-1 down in steps of T / steps (what zero-terminal-SNR models need).
 */
export type TimestepSpacing = 'linspace' | 'leading' | 'trailing';

export interface SamplerSigmaOptions {
  /** Default 'linspace'. */
  spacing?: TimestepSpacing;
  /** Space sigmas by Karras' rho schedule between the spaced schedule's ends. */
  karras?: boolean;
  /** Karras' rho; default 7. */
  rho?: number;
}

/** numpy's round(): halves go to the even neighbour. */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Inference timesteps, noisiest first, as diffusers' set_timesteps computes them. */
export function inferenceTimesteps(
  schedule: NoiseSchedule,
  steps: number,
  spacing: TimestepSpacing,
): number[] {
  const total = schedule.config.trainTimesteps;
  if (!Number.isInteger(steps) || steps < 1 || steps > total)
    throw new Error(`steps must be an integer from 1 to ${total}, not ${steps}`);
  const out: number[] = [];
  switch (spacing) {
    case 'linspace':
      // numpy's linspace would give [0] for one step; the noisiest timestep is the useful one.
      if (steps === 1) return [total - 1];
      for (let i = steps - 1; i >= 0; i--) out.push(((total - 1) * i) / (steps - 1));
      return out;
    case 'leading': {
      const ratio = Math.floor(total / steps);
      for (let i = steps - 1; i >= 0; i--)
        out.push(Math.min(i * ratio + schedule.config.stepsOffset, total - 1));
      return out;
    }
    case 'trailing': {
      const ratio = total / steps;
      for (let i = 0; i < steps; i++) out.push(Math.max(roundHalfEven(total - i * ratio) - 1, 0));
      return out;
    }
    default:
      throw new Error(`spacing ${JSON.stringify(spacing)} is not one of linspace, leading, trailing`);
  }
}

/** Karras et al. 2022 eq. 5: n sigmas from sigmaMax to sigmaMin, evenly spaced in sigma^(1/rho). */
export function karrasSigmas(sigmaMin: number, sigmaMax: number, count: number, rho = 7): number[] {
  const minRoot = sigmaMin ** (1 / rho);
  const maxRoot = sigmaMax ** (1 / rho);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const ramp = count === 1 ? 0 : i / (count - 1);
    out.push((maxRoot + ramp * (minRoot - maxRoot)) ** rho);
  }
  return out;
}

/** `steps + 1` sigmas, descending, the last one 0. */
export function samplerSigmas(
  schedule: NoiseSchedule,
  steps: number,
  options: SamplerSigmaOptions = {},
): number[] {
  const spacing = options.spacing ?? 'linspace';
  const rho = options.rho ?? 7;
  if (!(rho > 0)) throw new Error(`rho must be positive, not ${rho}`);
  const spaced = inferenceTimesteps(schedule, steps, spacing).map((t) => timestepToSigma(schedule, t));
  const sigmas = options.karras ? karrasSigmas(spaced[spaced.length - 1]!, spaced[0]!, steps, rho) : spaced;
  return [...sigmas, 0];
}
