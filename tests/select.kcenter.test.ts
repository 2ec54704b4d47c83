/**
 * What only k-center has: exactness. kCenterGreedy's speed-ups (running min-distances, early
 * exit from a distance sum) must never change a pick, so it is compared pick for pick with
 * the textbook algorithm that recomputes every distance at every step.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { UserError } from "../src/errors";
import { Rng } from "../src/rng";
import { kCenterGreedy } from "../src/select/kcenter";
import { strategies } from "../src/select/index";
import type { Matrix } from "../src/select/types";
import { textbookKCenter } from "./helpers/kcenter-textbook";
import { plainKCenter } from "./helpers/kcenter-plain";
import { clusteredMatrix } from "../bench/clustered-data";


function gaussianMatrix(rows: number, dim: number, rng: Rng): Matrix {
  const data = new Float32Array(rows * dim);
  for (let k = 0; k < data.length; k++) data[k] = rng.normal();
  return { rows, dim, data };
}

/** Few distinct points, many copies: exercises ties and the distance-0 endgame. */
function duplicatedMatrix(rows: number, dim: number, distinct: number, rng: Rng): Matrix {
  const prototypes = gaussianMatrix(distinct, dim, rng);
  const data = new Float32Array(rows * dim);
  for (let i = 0; i < rows; i++) {
    const p = rng.int(distinct);
    data.set(prototypes.data.subarray(p * dim, (p + 1) * dim), i * dim);
  }
  return { rows, dim, data };
}

/** Integer grid values: many exactly equal distances, so tie-breaking decides most picks. */
function gridMatrix(rows: number, dim: number, rng: Rng): Matrix {
  const data = Float32Array.from({ length: rows * dim }, () => rng.int(3));
  return { rows, dim, data };
}

describe("kCenterGreedy", () => {
  it("matches the textbook algorithm on random, duplicated and grid data, with and without labelled centres", () => {
    const rng = new Rng(2024);
    const cases: { name: string; m: Matrix }[] = [
      { name: "gaussian 60x8", m: gaussianMatrix(60, 8, rng) },
      { name: "gaussian 90x37 (dim not a multiple of the early-exit stride)", m: gaussianMatrix(90, 37, rng) },
      { name: "gaussian 40x1", m: gaussianMatrix(40, 1, rng) },
      { name: "duplicated 50x6, 7 distinct", m: duplicatedMatrix(50, 6, 7, rng) },
      { name: "grid 45x3", m: gridMatrix(45, 3, rng) },
    ];
    for (const { name, m } of cases) {
      for (const labelled of [[], [0], [5, 1, 5, m.rows - 1]]) {
        for (const first of labelled.length === 0 ? [0, m.rows - 1, rng.int(m.rows)] : [0]) {
          const k = m.rows - new Set(labelled).size; // all the way into the distance-0 endgame
          const expected = textbookKCenter(m, k, { centres: labelled, first });
          const actual = kCenterGreedy(m, k, { labelled, first });
          assert.deepEqual(actual, expected, `${name}, labelled [${labelled}], first ${first}`);
          assert.deepEqual(kCenterGreedy(m, 7, { labelled, first }), expected.slice(0, 7), `${name}: a prefix`);
        }
      }
    }
  });

  it("matches a plain running-minimum k-center where pruning matters: the benchmark's clustered data, no clusters, duplicates", () => {
    const clustered = clusteredMatrix({ rows: 3000, dim: 24, clusters: 50, seed: 7 });
    const unclustered = clusteredMatrix({ rows: 1500, dim: 24, clusters: 0, seed: 8 });
    // Every row of the clustered data twice, interleaved with its copy further down: exact
    // duplicates, so groups tie and the distance-0 endgame is reached with k = rows - 1.
    const doubled: Matrix = { rows: 1200, dim: 24, data: new Float32Array(1200 * 24) };
    doubled.data.set(clustered.data.subarray(0, 600 * 24));
    doubled.data.set(clustered.data.subarray(0, 600 * 24), 600 * 24);
    const cases: { name: string; m: Matrix; k: number; centres: number[]; first: number }[] = [
      { name: "clustered 3000x24, 50 blobs", m: clustered, k: 400, centres: [], first: 0 },
      { name: "clustered, labelled centres in one blob", m: clustered, k: 200, centres: [3, 11, 3], first: 0 },
      { name: "clustered, first pick last row", m: clustered, k: 150, centres: [], first: 2999 },
      { name: "unclustered 1500x24", m: unclustered, k: 300, centres: [], first: 5 },
      { name: "duplicated rows, into the distance-0 endgame", m: doubled, k: 1199, centres: [], first: 0 },
    ];
    for (const { name, m, k, centres, first } of cases) {
      assert.deepEqual(kCenterGreedy(m, k, { labelled: centres, first }), plainKCenter(m, k, { centres, first }), name);
    }
  });

  it("picks as worked out by hand on a small 2-D example", () => {
    // (0,0) (1,0) (10,0) (0,5) (9,1)
    const m: Matrix = { rows: 5, dim: 2, data: new Float32Array([0, 0, 1, 0, 10, 0, 0, 5, 9, 1]) };
    // From 0: squared distances 1, 100, 25, 82 -> 2. Then min(1,81)=1, min(25,125)=25,
    // min(82,2)=2 -> 3. Then 1 vs 2 -> 4. Then 1.
    assert.deepEqual(kCenterGreedy(m, 5, { first: 0 }), [0, 2, 3, 4, 1]);
    // Centre (10,0): 100, 81, 125, 2 -> 3. Then min(100,25)=25, min(81,26)=26, 2 -> 1.
    // Then min(25,1)=1 vs 2 -> 4. Then 0.
    assert.deepEqual(kCenterGreedy(m, 4, { labelled: [2] }), [3, 1, 4, 0]);
    // From (9,1): 82, 65, 2, 97 -> 3. Then min(82,25)=25, min(65,26)=26, min(2,125)=2 -> 1.
    assert.deepEqual(kCenterGreedy(m, 3, { first: 4 }), [4, 3, 1]);
  });

  it("breaks exact ties to the lower index", () => {
    // Centre at 0; points 1 and 2 are both at squared distance 4, point 3 coincides with 0.
    const m: Matrix = { rows: 4, dim: 1, data: new Float32Array([0, 2, -2, 0]) };
    assert.deepEqual(kCenterGreedy(m, 4, { first: 0 }), [0, 1, 2, 3]);
    assert.deepEqual(kCenterGreedy(m, 3, { labelled: [3] }), [1, 2, 0]);
  });

  it("returns nothing for k = 0 and throws a UserError for k beyond the uncovered points or a bad first", () => {
    const m: Matrix = { rows: 4, dim: 1, data: new Float32Array([0, 1, 2, 3]) };
    assert.deepEqual(kCenterGreedy(m, 0, { first: 0 }), []);
    assert.throws(() => kCenterGreedy(m, 4, { labelled: [1] }), UserError);
    assert.throws(() => kCenterGreedy(m, 5), UserError);
    assert.throws(() => kCenterGreedy(m, 2, { first: 4 }), UserError);
    assert.throws(() => kCenterGreedy(m, 2, { labelled: [9] }), UserError);
  });

  it("does not mutate the matrix or the labelled list", () => {
    const m = gaussianMatrix(30, 4, new Rng(1));
    const data = Array.from(m.data);
    const labelled = [4, 2];
    kCenterGreedy(m, 10, { labelled });
    assert.deepEqual(Array.from(m.data), data);
    assert.deepEqual(labelled, [4, 2]);
  });
});

describe("coreset strategies", () => {
  for (const [strategy, view] of [
    [strategies["coreset-ift"], "ift"],
    [strategies["coreset-eft"], "eft"],
  ] as const) {
    it(`${strategy.name} is k-center greedy on embeddings.${view}, first pick ctx.first or drawn from the rng`, () => {
      const rng = new Rng(9);
      const m = gaussianMatrix(40, 6, rng);
      const other = gaussianMatrix(40, 6, rng); // the other view must be ignored
      const embeddings = view === "ift" ? { ift: m, eft: other } : { ift: other, eft: m };
      const withFirst = strategy.select(40, { budget: 12, rng: new Rng(1), embeddings, first: 17 });
      assert.deepEqual(withFirst, textbookKCenter(m, 12, { centres: [], first: 17 }));
      const drawnFirst = new Rng(3).int(40);
      const withRng = strategy.select(40, { budget: 12, rng: new Rng(3), embeddings });
      assert.deepEqual(withRng, textbookKCenter(m, 12, { centres: [], first: drawnFirst }));
      const labelled = [8, 30];
      const withLabelled = strategy.select(40, { budget: 12, rng: new Rng(3), embeddings, labelled, first: 17 });
      assert.deepEqual(withLabelled, textbookKCenter(m, 12, { centres: labelled, first: 0 }), "labelled items are the centres; first is unused");
    });
  }
});
