// How many parameters the studio's default CSC-Tuner may hold for a U-Net: issue 11's cost target,
// after the paper's 7.9 %, as a share of the ControlNet the same model would train.
import type { UNet } from '../models/unet/unet.ts';
import { ControlNet } from './controlnet.ts';

export const CSC_PARAMETER_SHARE = 0.08;

export function cscParameterBudget(unet: UNet, latentFactor: number): number {
  return ControlNet.parameterCount(unet, { latentFactor, conditionChannels: 3 }) * CSC_PARAMETER_SHARE;
}
