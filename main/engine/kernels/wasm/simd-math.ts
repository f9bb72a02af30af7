// Transcendental functions on four floats at once, as WebAssembly SIMD code (see wasm-bytes.ts):
// WebAssembly has no exp or erf instruction, so kernels that need them (geglu.ts) inline these.
// Each emitter reads its input from a v128 local and uses the scratch locals it is given.
//
// exp: Cody-Waite range reduction x = n·ln 2 + r (ln 2 split in two so r is exact enough), the
// Cephes library's expf polynomial for e^r (1 + r + r²·P(r), P of degree 5), and 2^n built in the
// exponent bits; relative error ~1e-7. Inputs are clamped below at -87 (e^-87 ~ 1.6e-38, still a normal
// float), which is all our callers need: they only take exp of arguments <= 0.
//
// Normal CDF: Phi(x) = erfc(-x / sqrt 2) / 2, with erfc(u) for u >= 0 from Numerical Recipes'
// erfcc (t = 1 / (1 + u/2), erfc = t·exp(-u² + P(t)), fractional error < 1.2e-7), reflected for
// x >= 0 as 1 - erfc/2. For negative x this is more accurate in float32 than 0.5·(1 + erf(x/√2)),
// which cancels; both agree to ~1e-7 in absolute terms.
import { op } from './wasm-bytes.ts';

const { get, set } = op;

const LOG2E = Math.LOG2E;
// ln 2 = LN2_HI + LN2_LO, LN2_HI with few enough mantissa bits that n·LN2_HI is exact.
const LN2_HI = 0.693359375;
const LN2_LO = -2.1219444e-4;
const EXP_POLY = [
  1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1,
];
const ERFC_POLY = [
  0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196,
  1.00002368, -1.26551223,
];
const EXP_FLOOR = -87;

/** c[0]·t^(k-1) + ... + c[k-1] by Horner's rule, t in a local. */
function horner(t: number, coefficients: readonly number[]): number[] {
  const code = op.f32x4(coefficients[0]!);
  for (const c of coefficients.slice(1)) code.push(...get(t), ...op.mul, ...op.f32x4(c), ...op.add);
  return code;
}

/** Pushes exp(x) for the v128 local x (overwritten with max(x, -87)); n and r are scratch. */
export function expCode(x: number, { n, r }: { n: number; r: number }): number[] {
  return [
    ...get(x),
    ...op.f32x4(EXP_FLOOR),
    ...op.max,
    ...set(x),
    ...get(x),
    ...op.f32x4(LOG2E),
    ...op.mul,
    ...op.nearest,
    ...set(n),
    // r = x - n·LN2_HI - n·LN2_LO
    ...get(x),
    ...get(n),
    ...op.f32x4(LN2_HI),
    ...op.mul,
    ...op.sub,
    ...get(n),
    ...op.f32x4(LN2_LO),
    ...op.mul,
    ...op.sub,
    ...set(r),
    // e^r = 1 + r + r²·P(r)
    ...horner(r, EXP_POLY),
    ...get(r),
    ...get(r),
    ...op.mul,
    ...op.mul,
    ...get(r),
    ...op.add,
    ...op.ones,
    ...op.add,
    // · 2^n, its bits (n + 127) << 23
    ...get(n),
    ...op.i32x4TruncSatF32x4,
    ...op.i32x4(127),
    ...op.i32x4Add,
    ...op.i32(23),
    ...op.i32x4Shl,
    ...op.mul,
  ];
}

export interface NormalCdfLocals {
  /** x² / 2 on return (callers reuse it for the density). */
  halfSquare: number;
  t: number;
  /** Scratch for exp. */
  e: number;
  n: number;
  r: number;
}

/** Sets the local `phi` to Phi(x) for the v128 local x, and `halfSquare` to x²/2. */
export function normalCdfCode(x: number, phi: number, s: NormalCdfLocals): number[] {
  return [
    ...get(x),
    ...get(x),
    ...op.mul,
    ...op.f32x4(0.5),
    ...op.mul,
    ...set(s.halfSquare),
    // t = 1 / (1 + u/2), u = |x| / sqrt 2
    ...op.ones,
    ...op.ones,
    ...get(x),
    ...op.abs,
    ...op.f32x4(Math.SQRT1_2 / 2),
    ...op.mul,
    ...op.add,
    ...op.div,
    ...set(s.t),
    // erfc(u) = t · exp(P(t) - u²), u² = x²/2
    ...horner(s.t, ERFC_POLY),
    ...get(s.halfSquare),
    ...op.sub,
    ...set(s.e),
    ...get(s.t),
    ...expCode(s.e, s),
    ...op.mul,
    ...op.f32x4(0.5),
    ...op.mul,
    ...set(phi),
    // x >= 0: 1 - erfc/2, else erfc/2
    ...op.ones,
    ...get(phi),
    ...op.sub,
    ...get(phi),
    ...get(x),
    ...op.zero,
    ...op.ge,
    ...op.bitselect,
    ...set(phi),
  ];
}
