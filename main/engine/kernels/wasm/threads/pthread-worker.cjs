// Entry file of a wasm backend thread under Node. tfjs-backend-wasm hands Emscripten its thread
// bootstrap as a Blob URL, which Node's worker_threads cannot start (ERR_WORKER_PATH); this file
// runs the same bootstrap, which tfjs ships as a string, from a real path. The bootstrap expects
// the CommonJS `require` and `__filename` of a worker script, so it gets this file's. Like tfjs,
// turn the string's raw newlines back into escapes: they stand inside string literals.
const {
  wasmWorkerContents,
} = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js');

new Function('require', '__filename', wasmWorkerContents.replace(/\n/g, '\\n'))(require, __filename);
