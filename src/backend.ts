/**
 * Picks the TensorFlow.js backend: tensorflow (tfjs-node-gpu, when the user installed it and
 * it loads) -> wasm (SIMD, ~30x the cpu backend for matmul) -> cpu. tfjs is loaded lazily so
 * commands that train nothing (select, export, report) start fast.
 */
import type * as TF from "@tensorflow/tfjs";

export type BackendName = "tensorflow" | "wasm" | "cpu";

let loaded: { tf: typeof TF; backend: BackendName } | undefined;

/** Loads tfjs once and sets the best available backend (or the one asked for). */
export async function loadTf(prefer?: BackendName): Promise<{ tf: typeof TF; backend: BackendName }> {
  if (loaded && (!prefer || prefer === loaded.backend)) return loaded;
  const order: BackendName[] = prefer ? [prefer] : ["tensorflow", "wasm", "cpu"];
  for (const name of order) {
    const tf = await tryBackend(name);
    if (tf) {
      loaded = { tf, backend: name };
      return loaded;
    }
  }
  throw new Error(`no TensorFlow.js backend could be initialised (tried ${order.join(", ")})`);
}

async function tryBackend(name: BackendName): Promise<typeof TF | undefined> {
  try {
    if (name === "tensorflow") {
      // tfjs-node-gpu registers the "tensorflow" backend on load and brings its own tfjs-core;
      // it is optional, so a missing or unloadable libtensorflow falls through to wasm.
      const gpu = require("@tensorflow/tfjs-node-gpu") as typeof TF;
      await gpu.setBackend("tensorflow");
      await gpu.ready();
      return gpu.getBackend() === "tensorflow" ? gpu : undefined;
    }
    const tf = require("@tensorflow/tfjs") as typeof TF;
    if (name === "wasm") require("@tensorflow/tfjs-backend-wasm");
    const ok = await tf.setBackend(name);
    if (!ok) return undefined;
    await tf.ready();
    return tf.getBackend() === name ? tf : undefined;
  } catch {
    return undefined;
  }
}
