import * as tf from '@tensorflow/tfjs-core';
import { Param, ParamStore } from '../nn/params.ts';

/**
 * Every object reachable from `root` through fields and arrays that satisfies `match`, in field
 * order. Tensors and parameters are leaves. Used to find the layers an adapter wraps (LoRA)
 * without the networks having to know about adapters.
 */
export function findModules<T>(root: object, match: (value: unknown) => value is T): T[] {
  const found: T[] = [];
  const seen = new Set<object>();
  const visit = (value: unknown) => {
    if (value === null || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    if (value instanceof tf.Tensor || value instanceof Param || value instanceof ParamStore) return;
    if (match(value)) {
      found.push(value);
      return;
    }
    for (const child of Array.isArray(value) ? value : Object.values(value)) visit(child);
  };
  visit(root);
  return found;
}
