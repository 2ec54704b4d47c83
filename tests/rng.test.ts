/**
 * The seeded generator every random choice in proxyrm draws from: same seed, same stream;
 * ranges and permutations as documented; weighted draws in proportion; forks and derived
 * seeds give separate, reproducible streams.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Rng, deriveSeed } from "../src/rng";

function draws(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.uint32());
}

/** Pearson correlation of two equally long samples. */
function correlation(a: number[], b: number[]): number {
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe("Rng", () => {
  it("gives the same stream for the same seed and a different one for another seed", () => {
    assert.deepEqual(draws(new Rng(42), 50), draws(new Rng(42), 50));
    assert.notDeepEqual(draws(new Rng(42), 50), draws(new Rng(43), 50));
    // Seeds are taken as uint32: 2^32 + 42 is the same seed as 42.
    assert.deepEqual(draws(new Rng(2 ** 32 + 42), 10), draws(new Rng(42), 10));
  });

  it("next() is in [0, 1) with mean about 1/2", () => {
    const rng = new Rng(1);
    let sum = 0;
    for (let i = 0; i < 20000; i++) {
      const u = rng.next();
      assert.ok(u >= 0 && u < 1, `next() gave ${u}`);
      sum += u;
    }
    assert.ok(Math.abs(sum / 20000 - 0.5) < 0.01);
  });

  it("int(n) stays in [0, n) and hits every value", () => {
    const rng = new Rng(7);
    for (const n of [1, 2, 3, 10, 1000]) {
      const seen = new Set<number>();
      for (let i = 0; i < Math.max(200, n * 20); i++) {
        const k = rng.int(n);
        assert.ok(Number.isInteger(k) && k >= 0 && k < n, `int(${n}) gave ${k}`);
        seen.add(k);
      }
      assert.equal(seen.size, n, `int(${n}) missed values`);
    }
  });

  it("normal() has mean about 0 and variance about 1", () => {
    const rng = new Rng(3);
    const xs = Array.from({ length: 20000 }, () => rng.normal());
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1);
    assert.ok(xs.every(Number.isFinite));
    assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
    assert.ok(Math.abs(variance - 1) < 0.05, `variance ${variance}`);
  });

  it("shuffle returns a permutation and leaves its input alone", () => {
    const rng = new Rng(11);
    const input = Array.from({ length: 30 }, (_, i) => i * 3);
    const before = input.slice();
    const out = rng.shuffle(input);
    assert.deepEqual(input, before);
    assert.notEqual(out, input);
    assert.deepEqual([...out].sort((a, b) => a - b), before);
    assert.notDeepEqual(out, before, "30 elements came back in order");
    assert.deepEqual(rng.shuffle([]), []);
    assert.deepEqual(rng.shuffle(["x"]), ["x"]);
  });

  it("shuffle puts each element in each position about equally often", () => {
    const rng = new Rng(5);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 8000; i++) counts[rng.shuffle([0, 1, 2, 3]).indexOf(0)]++;
    for (const c of counts) assert.ok(Math.abs(c / 8000 - 0.25) < 0.025, `position counts ${counts}`);
  });

  it("weighted draws indices in proportion to the weights and never a zero weight", () => {
    const rng = new Rng(9);
    const weights = [1, 0, 2, 7];
    const counts = [0, 0, 0, 0];
    const n = 20000;
    for (let i = 0; i < n; i++) counts[rng.weighted(weights)]++;
    assert.equal(counts[1], 0);
    assert.ok(Math.abs(counts[0] / n - 0.1) < 0.015, `counts ${counts}`);
    assert.ok(Math.abs(counts[2] / n - 0.2) < 0.015, `counts ${counts}`);
    assert.ok(Math.abs(counts[3] / n - 0.7) < 0.015, `counts ${counts}`);
    for (let i = 0; i < 500; i++) assert.equal(rng.weighted([0, 0, 3, 0]), 2);
    for (let i = 0; i < 500; i++) assert.equal(rng.weighted(Float64Array.from([0, 5])), 1);
  });

  it("pick returns elements of the array, all of them eventually", () => {
    const rng = new Rng(2);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(rng.pick(["a", "b", "c"]));
    assert.deepEqual([...seen].sort(), ["a", "b", "c"]);
  });

  it("fork gives reproducible child streams, different per salt and from the parent", () => {
    const childA1 = new Rng(100).fork(1);
    const childA2 = new Rng(100).fork(1);
    assert.deepEqual(draws(childA1, 20), draws(childA2, 20));

    const parent = new Rng(100);
    const a = parent.fork(1);
    const b = parent.fork(2);
    const sa = draws(a, 2000);
    const sb = draws(b, 2000);
    const sp = draws(parent, 2000);
    assert.notDeepEqual(sa.slice(0, 20), sb.slice(0, 20));
    assert.notDeepEqual(sa.slice(0, 20), sp.slice(0, 20));
    assert.ok(Math.abs(correlation(sa, sb)) < 0.1);
    assert.ok(Math.abs(correlation(sa, sp)) < 0.1);

    // The same salt forked twice in a row gives two different children (the parent advanced).
    const again = new Rng(100);
    assert.notDeepEqual(draws(again.fork(1), 10), draws(again.fork(1), 10));
  });

  it("a fork's draws do not change the parent's later stream", () => {
    const p1 = new Rng(55);
    const c1 = p1.fork(3);
    draws(c1, 100);
    const p2 = new Rng(55);
    p2.fork(3);
    assert.deepEqual(draws(p1, 20), draws(p2, 20));
  });
});

describe("deriveSeed", () => {
  it("is stable across calls and a uint32", () => {
    const s = deriveSeed(1, "generate");
    assert.equal(deriveSeed(1, "generate"), s);
    assert.ok(Number.isInteger(s) && s >= 0 && s < 2 ** 32);
  });

  it("differs per name and per base seed", () => {
    const names = ["sft", "generate", "select", "oracle", "fit", "dpo", "eval", "baseline", ""];
    const seeds = names.map((n) => deriveSeed(1, n));
    assert.equal(new Set(seeds).size, names.length, `collisions in ${seeds}`);
    for (const n of names) assert.notEqual(deriveSeed(1, n), deriveSeed(2, n), `seed 1 vs 2 collide for "${n}"`);
    // Anagrams are different names.
    assert.notEqual(deriveSeed(1, "ab"), deriveSeed(1, "ba"));
  });

  it("feeds Rngs whose streams differ per name", () => {
    assert.notDeepEqual(draws(new Rng(deriveSeed(7, "sft")), 10), draws(new Rng(deriveSeed(7, "dpo")), 10));
  });
});
