/**
 * TinyGPT: a decoder-only transformer small enough to train on two CPU cores (TensorFlow.js).
 * Pre-LayerNorm blocks of causal self-attention and a ReLU MLP (GPT-2 shape, nanoGPT layout),
 * character vocabulary, untied output matrix. shared/recipes/tfjs-wasm-tiny-gpt.md has the
 * measured speeds and the wasm pitfalls the code below works around.
 *
 * Training code lives elsewhere (policy/sft.ts, proxy/eft.ts, dpo/train.ts), sampling in
 * policy/sample.ts. This file holds the parameters and the forward pass only.
 */
import type * as TF from "@tensorflow/tfjs";
import { Rng } from "../rng";
import { readFloats } from "../tensor-read";
import { VOCAB_SIZE } from "./tokenizer";

export interface TinyGPTConfig {
  vocabSize: number;
  /** Longest sequence (prompt + answer + end token) the model reads. */
  blockSize: number;
  nLayer: number;
  nHead: number;
  dModel: number;
}

export const defaultTinyGPTConfig: TinyGPTConfig = {
  vocabSize: VOCAB_SIZE,
  blockSize: 40,
  nLayer: 2,
  nHead: 4,
  dModel: 64,
};

type Tensor = TF.Tensor;
type Tensor2D = TF.Tensor2D;

/**
 * One layer's attention keys and values for the positions seen so far: [B*H, T, hd] each. A
 * type alias, not an interface, so a LayerCache[] is a TensorContainer (tf.tidy returns it,
 * tf.dispose frees it).
 */
export type LayerCache = { k: TF.Tensor; v: TF.Tensor };

export class TinyGPT {
  readonly params: Map<string, TF.Variable>;
  private readonly mm2: (a: Tensor, b: Tensor) => Tensor;
  private readonly mm3: (a: Tensor, b: Tensor) => Tensor;

  /** Initialise fresh weights from `seed` (GPT-2 init: N(0, 0.02), residual projections scaled). */
  constructor(
    readonly tf: typeof TF,
    readonly config: TinyGPTConfig,
    init: { seed: number } | { weights: ReadonlyMap<string, Float32Array | Tensor> },
  ) {
    const { dModel: d, vocabSize: v, blockSize: t, nLayer } = config;
    const shapes: [string, number[], number][] = [
      ["wte", [v, d], 0.02],
      ["wpe", [t, d], 0.01],
      ["lnf", [d], 1],
      ["wout", [d, v], 0.02],
    ];
    const residualStd = 0.02 / Math.sqrt(2 * nLayer);
    for (let l = 0; l < nLayer; l++) {
      shapes.push(
        [`h${l}.ln1`, [d], 1],
        [`h${l}.wq`, [d, d], 0.02],
        [`h${l}.wk`, [d, d], 0.02],
        [`h${l}.wv`, [d, d], 0.02],
        [`h${l}.wo`, [d, d], residualStd],
        [`h${l}.ln2`, [d], 1],
        [`h${l}.w1`, [d, 4 * d], 0.02],
        [`h${l}.w2`, [4 * d, d], residualStd],
      );
    }
    const rng = "seed" in init ? new Rng(init.seed) : undefined;
    this.params = new Map();
    for (const [name, shape, std] of shapes) {
      const size = shape.reduce((a, b) => a * b, 1);
      let values: Float32Array | Tensor;
      if (rng) {
        values = new Float32Array(size);
        // LayerNorm gains start at 1; everything else Gaussian.
        for (let i = 0; i < size; i++) values[i] = shape.length === 1 ? std : rng.normal() * std;
      } else {
        const given = (init as { weights: ReadonlyMap<string, Float32Array | Tensor> }).weights.get(name);
        if (!given || (given instanceof Float32Array ? given.length : given.size) !== size) throw new Error(`checkpoint lacks ${name} [${shape}]`);
        values = given;
      }
      const initial = values;
      this.params.set(name, tf.tidy(() => tf.variable(initial instanceof Float32Array ? tf.tensor(initial, shape) : tf.clone(initial), true, undefined)));
    }
    // matMul with a transpose flag runs ~10x slower on wasm, and tfjs's own matMul gradient uses
    // those flags: these custom gradients transpose explicitly instead.
    this.mm2 = tf.customGrad((a, b, save) => {
      (save as TF.GradSaveFunc)([a as Tensor, b as Tensor]);
      return {
        value: tf.matMul(a as Tensor2D, b as Tensor2D),
        gradFunc: (dy, saved) => [
          tf.matMul(dy as Tensor2D, tf.transpose(saved[1] as Tensor2D)),
          tf.matMul(tf.transpose(saved[0] as Tensor2D), dy as Tensor2D),
        ],
      };
    }) as (a: Tensor, b: Tensor) => Tensor;
    this.mm3 = tf.customGrad((a, b, save) => {
      (save as TF.GradSaveFunc)([a as Tensor, b as Tensor]);
      return {
        value: tf.matMul(a as TF.Tensor3D, b as TF.Tensor3D),
        gradFunc: (dy, saved) => [
          tf.matMul(dy as TF.Tensor3D, tf.transpose(saved[1], [0, 2, 1]) as TF.Tensor3D),
          tf.matMul(tf.transpose(saved[0], [0, 2, 1]) as TF.Tensor3D, dy as TF.Tensor3D),
        ],
      };
    }) as (a: Tensor, b: Tensor) => Tensor;
  }

  /** All trainable variables, in a stable order. */
  variables(): TF.Variable[] {
    return [...this.params.values()];
  }

  private p(name: string): TF.Variable {
    return this.params.get(name)!;
  }

  private layerNorm(x: Tensor, gain: Tensor): Tensor {
    const tf = this.tf;
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), gain);
  }

  /**
   * Final hidden states for token ids [B, T] (right-padded; causal attention keeps padding from
   * reaching earlier positions). Returns [B*T, D]. Call inside tf.tidy.
   */
  hidden(ids: TF.Tensor2D): Tensor2D {
    return this.forward(ids).hidden;
  }

  /**
   * The forward pass, optionally continuing from `past` (the keys and values of the positions
   * before `ids`, as returned in `present`): sampling feeds one new token per step instead of
   * the whole sequence again. Every dense op works row by row and a position's attention row
   * only reads the keys and values at or before it, so the hidden state of a position is the
   * same bits either way (tests/sample.kv-cache.test.ts checks this). Call inside tf.tidy.
   */
  forward(ids: TF.Tensor2D, past?: readonly LayerCache[]): { hidden: Tensor2D; present: LayerCache[] } {
    const tf = this.tf;
    const { dModel: d, nHead: h, vocabSize: v, nLayer } = this.config;
    const [b, t] = ids.shape;
    const start: number = past ? past[0].k.shape[1]! : 0; // positions already seen
    const total = start + t;
    if (total > this.config.blockSize) throw new Error(`sequence of ${total} tokens exceeds blockSize ${this.config.blockSize}`);
    const hd = d / h;
    // oneHot+matMul: tf.gather has no wasm gradient (UnsortedSegmentSum).
    const oneHot = tf.cast(tf.oneHot(tf.reshape(ids, [b * t]), v), "float32"); // [B*T, V]
    const tok = this.embedTokens(oneHot as Tensor2D); // [B*T, D]
    const pos = tf.slice(this.p("wpe"), [start, 0], [t, d]); // [T, D]
    let x = tf.reshape(tf.add(tf.reshape(tok, [b, t, d]), pos), [b * t, d]); // [B*T, D]
    // Row i (absolute position start+i) sees columns 0..start+i: a lower band over [T, start+T].
    const causal = tf.linalg.bandPart(tf.ones([t, total]), -1, start); // ones where column <= start + row
    const maskBias = tf.mul(tf.sub(1, causal), -1e9); // [T, start+T]
    const heads = (m: Tensor) => tf.reshape(tf.transpose(tf.reshape(m, [b, t, h, hd]), [0, 2, 1, 3]), [b * h, t, hd]);
    const present: LayerCache[] = [];
    for (let l = 0; l < nLayer; l++) {
      const a = this.layerNorm(x, this.p(`h${l}.ln1`));
      const q = heads(this.mm2(a, this.p(`h${l}.wq`))); // [B*H, T, hd]
      let k = heads(this.mm2(a, this.p(`h${l}.wk`)));
      let vv = heads(this.mm2(a, this.p(`h${l}.wv`)));
      if (past) {
        k = tf.concat([past[l].k, k], 1); // [B*H, start+T, hd]
        vv = tf.concat([past[l].v, vv], 1);
      }
      present.push({ k, v: vv });
      const scores = tf.add(tf.mul(this.mm3(q, tf.transpose(k, [0, 2, 1])), 1 / Math.sqrt(hd)), maskBias); // [B*H, T, start+T]
      const att = this.mm3(tf.softmax(scores), vv); // [B*H, T, hd]
      const merged = tf.reshape(tf.transpose(tf.reshape(att, [b, h, t, hd]), [0, 2, 1, 3]), [b * t, d]);
      x = tf.add(x, this.mm2(merged, this.p(`h${l}.wo`)));
      const m = this.layerNorm(x, this.p(`h${l}.ln2`));
      x = tf.add(x, this.mm2(tf.relu(this.mm2(m, this.p(`h${l}.w1`))), this.p(`h${l}.w2`)));
    }
    return { hidden: this.layerNorm(x, this.p("lnf")) as Tensor2D, present }; // [B*T, D]
  }

  /**
   * oneHot [B*T, V] x wte. Only wte needs a gradient: mm2 would also compute the one-hot
   * input's, a matMul per step thrown away. The weight's gradient is mm2's own expression, so
   * the bits are the same.
   */
  private embedTokens(oneHot: Tensor2D): Tensor2D {
    const tf = this.tf;
    // The one-hot is saved for the backward pass (the forward's intermediates are disposed
    // before it runs), through tfjs's save: on wasm a reference, not a copy (wasm-identity.ts).
    const embed = tf.customGrad((wte, save) => {
      (save as TF.GradSaveFunc)([oneHot]);
      return {
        value: tf.matMul(oneHot, wte as Tensor2D),
        gradFunc: (dy, saved) => tf.matMul(tf.transpose(saved[0] as Tensor2D), dy as Tensor2D),
      };
    }) as (wte: Tensor) => Tensor2D;
    return embed(this.p("wte"));
  }

  /** Logits [rows, V] for hidden states [rows, D]. */
  logits(hidden: Tensor2D): Tensor2D {
    return this.mm2(hidden, this.p("wout")) as Tensor2D;
  }

  /**
   * Per-position log-probability of each next token: ids [B, T] -> [B, T-1] where entry (i, j)
   * is log p(ids[i, j+1] | ids[i, ..j]). Call inside tf.tidy (differentiable).
   */
  tokenLogProbs(ids: TF.Tensor2D): Tensor2D {
    const tf = this.tf;
    const [b, t] = ids.shape;
    const hid = this.hidden(tf.slice(ids, [0, 0], [b, t - 1])); // [B*(T-1), D]
    const logp = tf.logSoftmax(this.logits(hid)); // [B*(T-1), V]
    const targets = tf.reshape(tf.slice(ids, [0, 1], [b, t - 1]), [b * (t - 1)]);
    const picked = tf.sum(tf.mul(logp, tf.oneHot(targets, this.config.vocabSize)), 1); // gather-free
    return tf.reshape(picked, [b, t - 1]) as Tensor2D;
  }

  /** A deep copy with its own variables (the DPO reference, a judge to fine-tune). */
  clone(): TinyGPT {
    // Copied on the backend, never read back: a GPU backend keeps the weights on the device.
    return new TinyGPT(this.tf, this.config, { weights: this.params });
  }

  /** Current weights as plain arrays (for checkpoints). */
  async weights(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const [name, v] of this.params) out.set(name, await readFloats(this.tf.clone(v)));
    return out;
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
  }
}
