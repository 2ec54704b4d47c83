/**
 * Adam over all of a small model's weights at once, for the reward heads: thousands of steps
 * on a few thousand weights, where tfjs's AdamOptimizer's ~14 kernels per variable cost more
 * than the arithmetic. Here the gradients are joined into one vector, the same element-wise
 * ops run once over it, and the new weights are sliced back out. Not for TinyGPT: on wasm each
 * Slice reads its whole input, so slicing 106k weights into 20 variables made an SFT step
 * slower (80 against 47 ms of CPU), not faster.
 *
 * Every element goes through exactly tfjs's operations, in tfjs's order, with the same float32
 * constants (tfjs-core 4.22 adam_optimizer.js), so the weights after any number of steps are
 * the same bits as with tf.train.adam (tests/flat-adam.test.ts): a run's artefacts do not change.
 */
import type * as TF from "@tensorflow/tfjs";

export class FlatAdam {
  private m?: TF.Variable;
  private v?: TF.Variable;
  private readonly accBeta1: TF.Variable;
  private readonly accBeta2: TF.Variable;
  private readonly epsilon: number;
  private layout?: { variables: TF.Variable[]; sizes: number[] };

  constructor(
    private readonly tf: typeof TF,
    private readonly learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
  ) {
    this.accBeta1 = tf.tidy(() => tf.scalar(beta1).variable());
    this.accBeta2 = tf.tidy(() => tf.scalar(beta2).variable());
    this.epsilon = tf.backend().epsilon();
  }

  /** tf.Optimizer.minimize's contract: one step on `variables`, returning the cost if asked. */
  minimize(f: () => TF.Scalar, returnCost: boolean, variables: TF.Variable[]): TF.Scalar | null {
    const { value, grads } = this.tf.variableGrads(f, variables);
    this.applyGradients(variables, grads);
    this.tf.dispose(grads);
    if (returnCost) return value;
    value.dispose();
    return null;
  }

  private applyGradients(variables: TF.Variable[], grads: TF.NamedTensorMap): void {
    const tf = this.tf;
    if (!this.layout) {
      const sizes = variables.map((x) => x.size);
      const total = sizes.reduce((a, b) => a + b, 0);
      this.layout = { variables, sizes };
      this.m = tf.tidy(() => tf.zeros([total]).variable(false));
      this.v = tf.tidy(() => tf.zeros([total]).variable(false));
    } else if (variables.length !== this.layout.variables.length || variables.some((x, i) => x !== this.layout!.variables[i])) {
      throw new Error("FlatAdam: minimize() must be given the same variables every step");
    }
    const { sizes } = this.layout;
    const m = this.m!;
    const v = this.v!;
    tf.tidy(() => {
      const flat = (ts: TF.Tensor[]) => tf.concat(ts.map((t) => tf.reshape(t, [-1])));
      const gradient = flat(variables.map((x) => grads[x.name]));
      const value = flat(variables);
      const oneMinusAccBeta1 = tf.sub(1, this.accBeta1);
      const oneMinusAccBeta2 = tf.sub(1, this.accBeta2);
      // tfjs-core's AdamOptimizer.applyGradients, op for op.
      const newFirstMoment = tf.add(tf.mul(m, this.beta1), tf.mul(gradient, 1 - this.beta1));
      const newSecondMoment = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(gradient), 1 - this.beta2));
      const biasCorrectedFirstMoment = tf.div(newFirstMoment, oneMinusAccBeta1);
      const biasCorrectedSecondMoment = tf.div(newSecondMoment, oneMinusAccBeta2);
      m.assign(newFirstMoment);
      v.assign(newSecondMoment);
      const newValue = tf.add(tf.mul(tf.div(biasCorrectedFirstMoment, tf.add(tf.sqrt(biasCorrectedSecondMoment), this.epsilon)), -this.learningRate), value);
      // One slice per variable: wasm's SplitV copies element by element in JS (~16 ms here).
      let offset = 0;
      variables.forEach((x, i) => {
        x.assign(tf.reshape(tf.slice(newValue, offset, sizes[i]), x.shape));
        offset += sizes[i];
      });
      this.accBeta1.assign(tf.mul(this.accBeta1, this.beta1));
      this.accBeta2.assign(tf.mul(this.accBeta2, this.beta2));
    });
  }

  dispose(): void {
    this.accBeta1.dispose();
    this.accBeta2.dispose();
    this.m?.dispose();
    this.v?.dispose();
  }
}
