/**
 * Identity on wasm without the copy. tfjs-core saves every tensor a gradient needs by running
 * the Identity kernel (engine.saveTensorsForBackwardMode, and customGrad's save), and
 * tfjs-backend-wasm's Identity copies the data, where the cpu backend only adds a reference.
 * In a TinyGPT SFT step that is ~190 copies of activations and weights, ~10% of the step.
 * Tensors are immutable (a Variable's assign swaps its dataId, it never writes in place) and
 * wasm's own Reshape already shares data the same way, so sharing is safe, and values, hence
 * a run's bytes, are unchanged.
 */
import type * as TF from "@tensorflow/tfjs";

const SHARED = Symbol.for("proxyrm.identity-shares-data");

type IdentityArgs = { inputs: { x: TF.TensorInfo }; backend: { incRef(dataId: unknown): void } };

let copying: TF.KernelConfig | undefined;

/** Re-registers wasm's Identity kernel to add a reference instead of copying. Idempotent. */
export function shareIdentityOnWasm(tf: typeof TF): void {
  const kernel = tf.getKernel("Identity", "wasm");
  if (!kernel || (kernel as unknown as Record<symbol, boolean>)[SHARED]) return;
  copying = kernel;
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

/** Puts tfjs's copying kernel back, or the sharing one (tests and bench/ compare the two). */
export function useCopyingIdentity(tf: typeof TF, copy: boolean): void {
  if (!copy) return shareIdentityOnWasm(tf);
  if (!copying) return; // never replaced
  tf.unregisterKernel("Identity", "wasm");
  tf.registerKernel(copying);
}
