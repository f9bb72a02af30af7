import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { gemmSimd, MR, NR } from '../../../../main/engine/kernels/wasm/gemm-simd.ts';
import { heapOffset } from '../../../../main/engine/kernels/wasm/wasm-bytes.ts';
import { seeded, useWasmWithOverrides } from './compare-backends.ts';

/** C = A·B in float64, A [m, k] and B [k, n] row-major. */
function reference(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) c[i * n + j]! += a[i * k + p]! * b[p * n + j]!;
  return c;
}

describe('the SIMD matrix product (packed panels, register tiles)', () => {
  beforeAll(useWasmWithOverrides);

  for (const fused of [true, false]) {
    it(`matches a float64 product on ragged shapes (${fused ? 'fused multiply-add' : 'multiply and add'})`, () => {
      const backend = tf.backend() as BackendWasm;
      const gemm = gemmSimd(backend, { fused });
      expect(gemm).not.toBeNull();
      expect(gemm!.fused).toBe(fused);
      for (const [m, k, n] of [
        [1, 1, 1],
        [MR, 3, NR],
        [MR + 1, 7, NR - 1],
        [2 * MR + 5, 33, 3 * NR + 3],
      ] as [number, number, number][]) {
        const aData = new Float32Array(seeded([m, k], m + k));
        const bData = new Float32Array(seeded([k, n], k + n));
        const a = tf.tensor(aData, [m, k]);
        const aT = tf.transpose(a);
        const b = tf.tensor(bData, [k, n]);
        const packedA = tf.zeros([Math.ceil(m / MR) * MR * k]);
        const packedB = tf.zeros([Math.ceil(n / NR) * NR * k]);
        const tile = tf.zeros([MR * NR]);
        const at = (t: tf.Tensor) => heapOffset(backend, t);
        gemm!.packPanels(at(a), at(packedA), m, k, k * 4, 4, MR);
        gemm!.packPanels(at(b), at(packedB), n, k, 4, n * 4, NR);
        const want = reference(aData, bData, m, k, n);
        const whole = m - (m % MR);
        // A's rows as panels (any m), and in place, row-major and transposed (whole tiles only).
        const layouts = [
          {
            name: 'panels',
            tiles: gemm!.gemmTilesRowsAdjacent,
            a: at(packedA),
            strides: [k * MR * 4, 4, MR * 4],
            rows: m,
          },
          {
            name: 'row-major',
            tiles: gemm!.gemmTiles,
            a: at(a),
            strides: [MR * k * 4, k * 4, 4],
            rows: whole,
          },
          {
            name: 'transposed',
            tiles: gemm!.gemmTilesRowsAdjacent,
            a: at(aT),
            strides: [MR * 4, 4, m * 4],
            rows: whole,
          },
        ];
        for (const layout of layouts) {
          if (layout.rows === 0) continue;
          const rows = layout.rows;
          // Written over a canvas of sentinels: the product must touch exactly its rows x n values.
          const c = tf.fill([m, n + 2], 7);
          for (const accumulate of [0, 1]) {
            const [aTile, aRow, aK] = layout.strides as [number, number, number];
            layout.tiles(
              layout.a,
              aTile,
              aRow,
              aK,
              at(packedB),
              at(c),
              rows,
              n,
              k,
              (n + 2) * 4,
              at(tile),
              accumulate,
            );
            // The second call adds the product to the first's.
            const got = c.dataSync();
            for (let i = 0; i < m; i++) {
              for (let j = 0; j < n; j++) {
                const expected = i < rows ? (1 + accumulate) * want[i * n + j]! : 7;
                expect(
                  Math.abs(got[i * (n + 2) + j]! - expected),
                  `${layout.name} ${m}x${k}x${n}`,
                ).toBeLessThan(1e-4);
              }
              expect([got[i * (n + 2) + n], got[i * (n + 2) + n + 1]]).toEqual([7, 7]);
            }
          }
          c.dispose();
        }
        tf.dispose([a, aT, b, packedA, packedB, tile]);
      }
    });
  }
});
