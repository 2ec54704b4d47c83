/**
 * Every read of tensor values back to JavaScript goes through here, asynchronously: the webgpu
 * backend has no usable synchronous GPU->CPU read in Node (its readSync draws through an
 * OffscreenCanvas), and tfjs-node-gpu blocks the event loop on dataSync. One read path keeps
 * the model code the same on every backend. Each helper disposes the tensor it reads.
 */
import type * as TF from "@tensorflow/tfjs";

/** The tensor's values as float32 (int tensors are converted); the tensor is disposed. */
export async function readFloats(t: TF.Tensor): Promise<Float32Array> {
  try {
    const values = await t.data();
    return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
  } finally {
    t.dispose();
  }
}

/** The single value of a scalar (or the first value of any tensor); the tensor is disposed. */
export async function readScalar(t: TF.Tensor): Promise<number> {
  return (await readFloats(t))[0];
}
