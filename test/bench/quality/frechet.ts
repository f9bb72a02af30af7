// Fréchet distance between two sets of feature vectors, each summarised as a Gaussian (Heusel et
// al. 2017, the FID formula): |mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2)).
// tr((S_a S_b)^(1/2)) is computed as the sum of the square roots of the eigenvalues of the
// symmetric matrix S_a^(1/2) S_b S_a^(1/2), which has the same eigenvalues as S_a S_b, so only
// symmetric eigenproblems are solved (cyclic Jacobi, in float64).

export interface GaussianStats {
  dim: number;
  count: number;
  mean: Float64Array;
  /** Row-major dim x dim, unbiased (divided by count - 1). */
  cov: Float64Array;
}

/** rows: count x dim, row-major. */
export function gaussianStats(rows: ArrayLike<number>, count: number, dim: number): GaussianStats {
  if (rows.length !== count * dim)
    throw new Error(`feature rows: ${rows.length} values do not make ${count} rows of ${dim}`);
  if (count < 2) throw new Error(`feature rows: need at least 2 rows for a covariance, got ${count}`);
  const mean = new Float64Array(dim);
  for (let r = 0; r < count; r++) for (let j = 0; j < dim; j++) mean[j]! += rows[r * dim + j]!;
  for (let j = 0; j < dim; j++) mean[j]! /= count;
  const cov = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < dim; j++) centred[j] = rows[r * dim + j]! - mean[j]!;
    for (let i = 0; i < dim; i++) {
      const ci = centred[i]!;
      for (let j = i; j < dim; j++) cov[i * dim + j]! += ci * centred[j]!;
    }
  }
  for (let i = 0; i < dim; i++)
    for (let j = i; j < dim; j++) {
      const v = cov[i * dim + j]! / (count - 1);
      cov[i * dim + j] = v;
      cov[j * dim + i] = v;
    }
  return { dim, count, mean, cov };
}

export interface SymmetricEigen {
  values: Float64Array;
  /** Row-major; column k is the eigenvector of values[k]. */
  vectors: Float64Array;
}

/** Eigen-decomposition of a symmetric n x n matrix (row-major) by cyclic Jacobi rotations. */
export function symmetricEigen(matrix: ArrayLike<number>, n: number): SymmetricEigen {
  const a = Float64Array.from(matrix);
  if (a.length !== n * n) throw new Error(`symmetricEigen: ${a.length} values are not a ${n}x${n} matrix`);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  const scale = a.reduce((s, x) => s + x * x, 0);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off <= 1e-30 * scale || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i]!;
  return { values, vectors: v };
}

function multiply(x: Float64Array, y: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      const xik = x[i * n + k]!;
      if (xik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j]! += xik * y[k * n + j]!;
    }
  return out;
}

/** The PSD square root V diag(sqrt(max(lambda, 0))) V^T of a symmetric matrix. */
export function psdSqrt(matrix: ArrayLike<number>, n: number): Float64Array {
  const { values, vectors } = symmetricEigen(matrix, n);
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const root = Math.sqrt(Math.max(values[k]!, 0));
    if (root === 0) continue;
    for (let i = 0; i < n; i++) {
      const vik = vectors[i * n + k]! * root;
      for (let j = 0; j < n; j++) out[i * n + j]! += vik * vectors[j * n + k]!;
    }
  }
  return out;
}

/** tr((A B)^(1/2)) for symmetric positive semi-definite A and B. */
export function traceSqrtProduct(a: ArrayLike<number>, b: ArrayLike<number>, n: number): number {
  const rootA = psdSqrt(a, n);
  const m = multiply(multiply(rootA, Float64Array.from(b), n), rootA, n);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const avg = (m[i * n + j]! + m[j * n + i]!) / 2;
      m[i * n + j] = avg;
      m[j * n + i] = avg;
    }
  return symmetricEigen(m, n).values.reduce((s, lambda) => s + Math.sqrt(Math.max(lambda, 0)), 0);
}

export function frechetDistance(a: GaussianStats, b: GaussianStats): number {
  if (a.dim !== b.dim) throw new Error(`Fréchet distance: feature sizes differ (${a.dim} vs ${b.dim})`);
  const n = a.dim;
  let meanTerm = 0;
  let traces = 0;
  for (let i = 0; i < n; i++) {
    meanTerm += (a.mean[i]! - b.mean[i]!) ** 2;
    traces += a.cov[i * n + i]! + b.cov[i * n + i]!;
  }
  return meanTerm + traces - 2 * traceSqrtProduct(a.cov, b.cov, n);
}
