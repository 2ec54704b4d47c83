/**
 * Identity on wasm without the copy. tfjs-core saves every tensor a gradient needs by running
 * the Identity kernel (engine.saveTensorsForBackwardMode, and customGrad's save), and
 * tfjs-backend-wasm's Identity copies the data, where the cpu backend only adds a reference.
 * A TinyGPT SFT step made ~190 such copies of activations and weights (docs/BENCHMARKS.md,
 * "before and after the speed-ups", measures what removing them and the other changes gave).
 * Tensors are immutable (a Variable's assign swaps its dataId, it never writes in place) and
 * wasm's own Reshape already shares data the same way, so sharing is safe, and values, hence
 * a run's bytes, are unchanged.
 */
import type * as TF from "@tensorflow/tfjs";

const SHARED = Symbol.for("proxyrm.identity-shares-data");

type IdentityArgs = { inputs: { x: TF.TensorInfo }; backend: { incRef(dataId: unknown): void } };

/** Re-registers wasm's Identity kernel to add a reference instead of copying. Idempotent. */
export function shareIdentityOnWasm(tf: typeof TF): void {
  const kernel = tf.getKernel("Identity", "wasm");
  if (!kernel || (kernel as unknown as Record<symbol, boolean>)[SHARED]) return;
  const copy = kernel.kernelFunc;
  tf.unregisterKernel("Identity", "wasm");
  const shared: TF.KernelConfig = {
    kernelName: "Identity",
    backendName: "wasm",
    kernelFunc: (args) => {
      const { inputs, backend } = args as unknown as IdentityArgs;
      const x = inputs.x;
      if (x.dtype === "string") return copy(args); // strings live outside the heap
      backend.incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  };
  (shared as unknown as Record<symbol, boolean>)[SHARED] = true;
  tf.registerKernel(shared);
}
