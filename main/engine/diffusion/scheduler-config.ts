// Reads the scheduler_config.json that diffusers model folders carry into our schedule config.
// (Original LDM yaml files say `linear_start: 0.00085, linear_end: 0.012` with their default
// "linear" schedule, which is diffusers' scaled_linear: linear in sqrt(beta).)
import type { BetaSchedule, PredictionType, ScheduleConfig } from './schedule.ts';
import type { TimestepSpacing } from './sigmas.ts';

export interface ImportedScheduler {
  schedule: ScheduleConfig;
  /** The spacing the file asks for, when it names one. */
  spacing?: TimestepSpacing;
}

const BETA_SCHEDULES: readonly BetaSchedule[] = ['linear', 'scaled_linear', 'squaredcos_cap_v2'];
const PREDICTIONS: readonly PredictionType[] = ['epsilon', 'v_prediction'];
const SPACINGS: readonly TimestepSpacing[] = ['linspace', 'leading', 'trailing'];

export function scheduleFromDiffusersConfig(json: unknown, source: string): ImportedScheduler {
  const fail = (message: string): never => {
    throw new Error(`${source}: ${message}`);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('is not a JSON object');
  const c = json as Record<string, unknown>;
  const number = (key: string): number | undefined => {
    const v = c[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v))
      return fail(`"${key}" must be a number, not ${JSON.stringify(v)}`);
    return v;
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[]): T | undefined => {
    const v = c[key];
    if (v === undefined || v === null) return undefined;
    if (!allowed.includes(v as T))
      return fail(`"${key}" is ${JSON.stringify(v)}; supported: ${allowed.join(', ')}`);
    return v as T;
  };
  if (Array.isArray(c.trained_betas) && c.trained_betas.length > 0)
    fail('"trained_betas" (an explicit beta list) is not supported; only named beta schedules are');
  const schedule: ScheduleConfig = { betaSchedule: oneOf('beta_schedule', BETA_SCHEDULES) ?? 'linear' };
  const optional: [keyof ScheduleConfig, unknown][] = [
    ['betaStart', number('beta_start')],
    ['betaEnd', number('beta_end')],
    ['trainTimesteps', number('num_train_timesteps')],
    ['prediction', oneOf('prediction_type', PREDICTIONS)],
    ['stepsOffset', number('steps_offset')],
  ];
  for (const [key, value] of optional) if (value !== undefined) Object.assign(schedule, { [key]: value });
  if (c.rescale_betas_zero_snr === true) schedule.rescaleZeroTerminalSnr = true;
  const spacing = oneOf('timestep_spacing', SPACINGS);
  return spacing ? { schedule, spacing } : { schedule };
}
