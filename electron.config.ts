import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';
import type { Plugin } from 'vite';

// The threaded wasm backend starts its threads from this file, found next to the bundle that
// imports it (main/engine/kernels/wasm/threads/threaded-wasm.ts); bundling would not copy it.
function threadBootstrapAsset(): Plugin {
  const source = resolve('main/engine/kernels/wasm/threads/pthread-worker.cjs');
  return {
    name: 'scedit-thread-bootstrap',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'pthread-worker.cjs', source: readFileSync(source, 'utf8') });
    },
  };
}

// electron-vite: main process, preload and renderer built apart (Node code never reaches the
// renderer bundle). `npm run build` writes out/main, out/preload and out/renderer.
export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin(), threadBootstrapAsset()],
    build: {
      outDir: 'out/main',
      // The engine worker is its own entry: the main bundle starts it as out/main/engine-worker.js.
      rollupOptions: {
        input: {
          index: resolve('main/app/index.ts'),
          'engine-worker': resolve('main/jobs/engine-worker.ts'),
        },
      },
    },
  },
  preload: {
    plugins: [externalizeDepsPlugin()],
    build: {
      outDir: 'out/preload',
      // Sandboxed preloads must be CommonJS.
      rollupOptions: {
        input: { index: resolve('main/app/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'renderer',
    plugins: [react()],
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: { index: resolve('renderer/index.html') } },
    },
  },
});
