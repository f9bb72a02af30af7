import { describe, expect, it } from 'vitest';
import {
  frechetDistance,
  type GaussianStats,
  gaussianStats,
  psdSqrt,
  symmetricEigen,
  traceSqrtProduct,
} from '../../../test/bench/quality/frechet.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** A random orthogonal n x n matrix (Gram–Schmidt on random columns), row-major. */
function randomRotation(n: number, seed: number): Float64Array {
  const next = rng(seed);
  const q = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const v = Array.from({ length: n }, () => next() - 0.5);
    for (let j = 0; j < k; j++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += v[i]! * q[i * n + j]!;
      for (let i = 0; i < n; i++) v[i]! -= dot * q[i * n + j]!;
    }
    const norm = Math.hypot(...v);
    for (let i = 0; i < n; i++) q[i * n + k] = v[i]! / norm;
  }
  return q;
}

/** Q diag(d) Q^T. */
function withEigenvalues(q: Float64Array, d: number[]): Float64Array {
  const n = d.length;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += q[i * n + k]! * d[k]! * q[j * n + k]!;
      out[i * n + j] = s;
    }
  return out;
}

function stats(mean: number[], cov: Float64Array): GaussianStats {
  return { dim: mean.length, count: 100, mean: Float64Array.from(mean), cov };
}

describe('Fréchet distance', () => {
  it('decomposes a symmetric matrix: A v = lambda v for every pair', () => {
    const n = 12;
    const d = Array.from({ length: n }, (_, i) => (i - 4) * 0.7);
    const a = withEigenvalues(randomRotation(n, 3), d);
    const { values, vectors } = symmetricEigen(a, n);
    const sorted = [...values].sort((x, y) => x - y);
    [...d]
      .sort((x, y) => x - y)
      .forEach((x, i) => {
        expect(sorted[i]).toBeCloseTo(x, 10);
      });
    for (let k = 0; k < n; k++)
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let j = 0; j < n; j++) av += a[i * n + j]! * vectors[j * n + k]!;
        expect(av).toBeCloseTo(values[k]! * vectors[i * n + k]!, 10);
      }
  });

  it('squares back: psdSqrt(A)^2 = A', () => {
    const n = 9;
    const a = withEigenvalues(randomRotation(n, 5), [4, 3, 2, 1, 0.5, 0.25, 0.1, 0.01, 2.5]);
    const r = psdSqrt(a, n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += r[i * n + k]! * r[k * n + j]!;
        expect(s).toBeCloseTo(a[i * n + j]!, 10);
      }
  });

  it('matches the closed form for covariances sharing eigenvectors: |dmu|^2 + sum (sqrt a - sqrt b)^2', () => {
    const n = 16;
    const q = randomRotation(n, 11);
    const da = Array.from({ length: n }, (_, i) => 0.2 + i * 0.3);
    const db = Array.from({ length: n }, (_, i) => 3 - i * 0.15);
    const ma = Array.from({ length: n }, (_, i) => Math.sin(i));
    const mb = Array.from({ length: n }, (_, i) => Math.cos(i));
    let expected = 0;
    for (let i = 0; i < n; i++)
      expected += (ma[i]! - mb[i]!) ** 2 + (Math.sqrt(da[i]!) - Math.sqrt(db[i]!)) ** 2;
    const fd = frechetDistance(stats(ma, withEigenvalues(q, da)), stats(mb, withEigenvalues(q, db)));
    expect(fd).toBeCloseTo(expected, 8);
  });

  it('matches the 2x2 closed form when the covariances do not commute', () => {
    // Eigenvalues of AB are real and positive; tr sqrt(AB) = sqrt(tr(AB) + 2 sqrt(det(AB))).
    const a = [2, 0.6, 0.6, 1];
    const b = [0.5, -0.3, -0.3, 3];
    const ab = [
      a[0]! * b[0]! + a[1]! * b[2]!,
      a[0]! * b[1]! + a[1]! * b[3]!,
      a[2]! * b[0]! + a[3]! * b[2]!,
      a[2]! * b[1]! + a[3]! * b[3]!,
    ];
    const det = ab[0]! * ab[3]! - ab[1]! * ab[2]!;
    const expected = Math.sqrt(ab[0]! + ab[3]! + 2 * Math.sqrt(det));
    expect(traceSqrtProduct(a, b, 2)).toBeCloseTo(expected, 10);
    const fd = frechetDistance(stats([1, 2], Float64Array.from(a)), stats([0, 0], Float64Array.from(b)));
    expect(fd).toBeCloseTo(5 + 2 + 1 + 0.5 + 3 - 2 * expected, 10);
  });

  it('is zero between a set and itself and grows with a shift of the mean', () => {
    const next = rng(1);
    const count = 300;
    const dim = 6;
    const rows = Float64Array.from({ length: count * dim }, () => next() + next() - 1);
    const s = gaussianStats(rows, count, dim);
    expect(frechetDistance(s, s)).toBeCloseTo(0, 8);
    const shifted = rows.map((v, i) => (i % dim === 2 ? v + 0.5 : v));
    expect(frechetDistance(s, gaussianStats(shifted, count, dim))).toBeCloseTo(0.25, 8);
  });

  it('computes the unbiased covariance and says when rows do not fit', () => {
    const s = gaussianStats([1, 2, 3, 6], 2, 2);
    expect([...s.mean]).toEqual([2, 4]);
    expect([...s.cov]).toEqual([2, 4, 4, 8]);
    expect(() => gaussianStats([1, 2, 3], 2, 2)).toThrow(/3 values do not make 2 rows of 2/);
    expect(() => gaussianStats([1, 2], 1, 2)).toThrow(/at least 2 rows/);
  });
});
