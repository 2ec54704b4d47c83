/**
 * The strategy contract (shared/DESIGN.md "Strategy contract", STYLE.md "Strategies"),
 * written once and run against every strategy in src/select/index.ts: a strategy added to
 * the list is checked here without a line of new test code.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "../src/errors";
import { Rng } from "../src/rng";
import { NEEDS, getStrategy, strategies } from "../src/select/index";
import type { Matrix, Need, ProxyPrediction, SelectContext, Strategy } from "../src/select/types";

const POOL = 24;
const DIM = 5;

function randomMatrix(rows: number, dim: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const data = new Float32Array(rows * dim);
  for (let k = 0; k < data.length; k++) data[k] = rng.normal();
  return { rows, dim, data };
}

function constantMatrix(rows: number, dim: number): Matrix {
  return { rows, dim, data: new Float32Array(rows * dim).fill(0.5) };
}

const MEMBERS = 3;

/** POOL random score distributions over 0..5, row-major. */
function randomDistributions(rng: Rng): Float64Array {
  const probs = new Float64Array(POOL * 6);
  for (let i = 0; i < POOL; i++) {
    const raw = Array.from({ length: 6 }, () => rng.next() + 0.01);
    const total = raw.reduce((a, b) => a + b, 0);
    raw.forEach((p, s) => (probs[i * 6 + s] = p / total));
  }
  return probs;
}

/** What each Need means as context, built fresh per call so tests can compare against copies. */
function supply(need: Need, ctx: SelectContext, seed: number): void {
  if (need === "embeddings.ift") ctx.embeddings = { ...ctx.embeddings, ift: randomMatrix(POOL, DIM, seed + 1) };
  if (need === "embeddings.eft") ctx.embeddings = { ...ctx.embeddings, eft: randomMatrix(POOL, DIM + 2, seed + 2) };
  if (need.startsWith("proxy") && ctx.proxy === undefined) {
    const rng = new Rng(seed + 3);
    const mean = Float64Array.from({ length: POOL }, () => 5 * rng.next());
    const std = Float64Array.from({ length: POOL }, () => rng.next());
    ctx.proxy = { mean, std, probs: randomDistributions(rng) };
  }
  if (need === "proxy.members") {
    const rng = new Rng(seed + 4);
    ctx.proxy = { ...ctx.proxy!, members: Array.from({ length: MEMBERS }, () => randomDistributions(rng)) };
  }
  if (need === "proxy.features") ctx.proxy = { ...ctx.proxy!, features: randomMatrix(POOL, DIM + 3, seed + 5) };
  // Five families of unequal size; prompts of 4 responses each, as the pool has them.
  if (need === "tasks") ctx.tasks = Array.from({ length: POOL }, (_, i) => `task${i % 7 < 4 ? 0 : (i % 7) - 3}`);
  if (need === "prompts") ctx.prompts = Array.from({ length: POOL }, (_, i) => `p${Math.floor(i / 4)}`);
}

const contextForRound = (strategy: Strategy, overrides: Partial<SelectContext>) => contextFor(strategy, overrides);

function contextFor(strategy: Strategy, overrides: Partial<SelectContext> = {}, seed = 7): SelectContext {
  const ctx: SelectContext = { budget: 5, rng: new Rng(seed) };
  // "proxy" first: proxy.members and proxy.features extend it.
  const needs = [...strategy.needs].sort((a, b) => Number(b === "proxy") - Number(a === "proxy"));
  for (const need of needs) supply(need, ctx, seed);
  return { ...ctx, ...overrides };
}

/** Deep copy of everything a strategy could mutate (typed arrays included). */
function snapshot(ctx: SelectContext): unknown {
  return {
    budget: ctx.budget,
    first: ctx.first,
    labelled: ctx.labelled ? [...ctx.labelled] : undefined,
    ift: ctx.embeddings?.ift ? Array.from(ctx.embeddings.ift.data) : undefined,
    eft: ctx.embeddings?.eft ? Array.from(ctx.embeddings.eft.data) : undefined,
    mean: ctx.proxy ? Array.from(ctx.proxy.mean) : undefined,
    std: ctx.proxy ? Array.from(ctx.proxy.std) : undefined,
    probs: ctx.proxy?.probs ? Array.from(ctx.proxy.probs) : undefined,
    members: ctx.proxy?.members?.map((member) => Array.from(member)),
    features: ctx.proxy?.features ? Array.from(ctx.proxy.features.data) : undefined,
    tasks: ctx.tasks ? [...ctx.tasks] : undefined,
    prompts: ctx.prompts ? [...ctx.prompts] : undefined,
  };
}

function assertValidPicks(picks: number[], budget: number, labelled: readonly number[] = []): void {
  assert.equal(picks.length, budget);
  assert.equal(new Set(picks).size, budget, `duplicate picks: ${picks}`);
  for (const index of picks) {
    assert.ok(Number.isInteger(index) && index >= 0 && index < POOL, `out of range: ${index}`);
    assert.ok(!labelled.includes(index), `picked labelled index ${index}`);
  }
}

const embeddingNeeds = (s: Strategy) =>
  s.needs.filter((n): n is "embeddings.ift" | "embeddings.eft" => n.startsWith("embeddings."));

/**
 * Strategies whose order among equal items is a seeded random draw by design (random; and
 * balanced, within a score bucket), so "all-equal inputs pick the lowest indices" is not
 * theirs. tests/select.strategies.test.ts pins balanced's draws to random's instead.
 */
const DRAWS_AMONG_EQUALS = new Set(["random", "balanced", "stratified-random"]);

interface ProxyField {
  /** As errors name it: proxy.mean, proxy.members[1], ... */
  name: string;
  /** Values per row: 1 for mean/std, 6 for a score distribution. */
  width: number;
  values: Float64Array;
  /** The proxy with this field's array swapped for `values`. */
  replace(proxy: ProxyPrediction, values: Float64Array): ProxyPrediction;
}

/** Every array of the proxy a strategy was supplied. */
function proxyFields(ctx: SelectContext): ProxyField[] {
  const proxy = ctx.proxy;
  if (!proxy) return [];
  const fields: ProxyField[] = [
    { name: "proxy.mean", width: 1, values: proxy.mean, replace: (p, mean) => ({ ...p, mean }) },
    { name: "proxy.std", width: 1, values: proxy.std, replace: (p, std) => ({ ...p, std }) },
  ];
  if (proxy.probs) fields.push({ name: "proxy.probs", width: 6, values: proxy.probs, replace: (p, probs) => ({ ...p, probs }) });
  proxy.members?.forEach((member, m) =>
    fields.push({
      name: `proxy.members[${m}]`,
      width: 6,
      values: member,
      replace: (p, values) => ({ ...p, members: p.members!.map((old, k) => (k === m ? values : old)) }),
    }),
  );
  return fields;
}

describe("strategy list", () => {
  it("run's and ablate's --help name every strategy (built bin: npm run build)", () => {
    const bin = path.join(__dirname, "..", "src", "dist", "cli", "main.js");
    for (const command of ["run", "ablate"]) {
      const help = spawnSync(process.execPath, [bin, command, "--help"], { encoding: "utf8" }).stdout;
      for (const name of Object.keys(strategies)) assert.ok(help.includes(name), `${command} --help lacks ${name}`);
    }
  });

  it("each strategy is listed under its own name and declares only known needs", () => {
    for (const [key, strategy] of Object.entries(strategies)) {
      assert.equal(strategy.name, key);
      assert.ok(strategy.summary.length > 0);
      for (const need of strategy.needs) {
        assert.ok(NEEDS.includes(need), need);
      }
    }
  });

  it("getStrategy finds each listed strategy and names the known ones for an unknown name", () => {
    for (const strategy of Object.values(strategies)) assert.equal(getStrategy(strategy.name), strategy);
    assert.throws(
      () => getStrategy("toString"),
      (err: unknown) => err instanceof UserError && err.message.includes('"toString"') && err.message.includes("coreset-eft"),
    );
  });

  it("docs/strategies.md has a table row for every strategy, naming its needs", () => {
    const doc = fs.readFileSync(path.join(__dirname, "..", "docs", "strategies.md"), "utf8");
    for (const strategy of Object.values(strategies)) {
      const row = doc.split("\n").find((line) => line.startsWith(`| \`${strategy.name}\` |`));
      assert.ok(row, `no row for ${strategy.name} in docs/strategies.md`);
      for (const need of strategy.needs) assert.ok(row.includes(need), `${strategy.name}'s row omits need ${need}`);
    }
  });
});

for (const strategy of Object.values(strategies)) {
  describe(`strategy ${strategy.name}`, () => {
    it("returns budget distinct in-range indices", () => {
      for (const budget of [0, 1, 5, 13]) assertValidPicks(strategy.select(POOL, contextFor(strategy, { budget })), budget);
    });

    it("never picks a labelled index", () => {
      const labelled = [0, 3, 4, 9, 17, 23];
      const picks = strategy.select(POOL, contextFor(strategy, { budget: 10, labelled }));
      assertValidPicks(picks, 10, labelled);
    });

    it("picks the same for the same seed, from a fresh rng", () => {
      const a = strategy.select(POOL, contextFor(strategy, { budget: 8 }, 11));
      const b = strategy.select(POOL, contextFor(strategy, { budget: 8 }, 11));
      assert.deepEqual(a, b);
    });

    it("gives the same answer on a second call with the same inputs (no hidden state)", () => {
      const ctx = contextFor(strategy, { budget: 8, first: 2 });
      const first = strategy.select(POOL, { ...ctx, rng: new Rng(5) });
      const second = strategy.select(POOL, { ...ctx, rng: new Rng(5) });
      assert.deepEqual(first, second);
    });

    it("does not mutate its inputs", () => {
      const ctx = contextFor(strategy, { budget: 9, labelled: [2, 5, 1] });
      const before = snapshot(ctx);
      strategy.select(POOL, ctx);
      assert.deepEqual(snapshot(ctx), before);
    });

    it("accepts budget = available and then picks every unlabelled index", () => {
      const labelled = [1, 2, 20];
      const picks = strategy.select(POOL, contextFor(strategy, { budget: POOL - labelled.length, labelled }));
      assertValidPicks(picks, POOL - labelled.length, labelled);
    });

    it("throws a UserError naming both numbers when budget exceeds the unlabelled pool", () => {
      const labelled = [0, 1, 2, 2]; // a repeated index counts once: 21 available
      assert.throws(
        () => strategy.select(POOL, contextFor(strategy, { budget: 22, labelled })),
        (err: unknown) => err instanceof UserError && /\b22\b/.test(err.message) && /\b21\b/.test(err.message),
      );
    });

    it("throws a UserError for a negative or fractional budget", () => {
      for (const budget of [-1, 2.5, Number.NaN]) {
        assert.throws(() => strategy.select(POOL, contextFor(strategy, { budget })), UserError, `budget ${budget}`);
      }
    });

    it("throws a UserError for a labelled index outside the pool", () => {
      for (const bad of [-1, POOL, 1.5]) {
        assert.throws(
          () => strategy.select(POOL, contextFor(strategy, { labelled: [bad] })),
          (err: unknown) => err instanceof UserError && err.message.includes(String(bad)),
        );
      }
    });

    for (const need of strategy.needs) {
      it(`throws a UserError naming ${need} when it is missing`, () => {
        // A strategy that reads the proxy only after the first round needs it once something is labelled.
        const later = strategy.proxyAfterFirstRound && need.startsWith("proxy");
        const ctx = contextFor(strategy, later ? { labelled: [0] } : {});
        if (need === "proxy") delete ctx.proxy;
        else if (need === "proxy.members") ctx.proxy = { ...ctx.proxy!, members: undefined };
        else if (need === "proxy.features") ctx.proxy = { ...ctx.proxy!, features: undefined };
        else if (need === "tasks" || need === "prompts") delete ctx[need];
        else ctx.embeddings = { ...ctx.embeddings, [need === "embeddings.ift" ? "ift" : "eft"]: undefined };
        assert.throws(
          () => strategy.select(POOL, ctx),
          (err: unknown) => err instanceof UserError && err.message.includes(need),
        );
      });
    }

    if (!DRAWS_AMONG_EQUALS.has(strategy.name)) {
      it("picks the lowest indices when every input is equal (ties to the lower index)", () => {
        const ctx = contextFor(strategy, { budget: 6, first: 0 });
        if (ctx.embeddings?.ift) ctx.embeddings.ift = constantMatrix(POOL, DIM);
        if (ctx.embeddings?.eft) ctx.embeddings.eft = constantMatrix(POOL, DIM);
        if (ctx.proxy) {
          ctx.proxy = {
            mean: new Float64Array(POOL).fill(2.5),
            std: new Float64Array(POOL).fill(0.5),
            probs: new Float64Array(POOL * 6).fill(1 / 6),
            members: ctx.proxy.members?.map(() => new Float64Array(POOL * 6).fill(1 / 6)),
            features: ctx.proxy.features ? constantMatrix(POOL, DIM) : undefined,
          };
        }
        if (ctx.tasks) ctx.tasks = new Array(POOL).fill("task");
        assert.deepEqual(strategy.select(POOL, ctx), [0, 1, 2, 3, 4, 5]);
        assert.deepEqual(strategy.select(POOL, { ...ctx, labelled: [0, 2, 3] }), [1, 4, 5, 6, 7, 8]);
      });
    }

    for (const need of embeddingNeeds(strategy)) {
      const view = need === "embeddings.ift" ? "ift" : "eft";

      it(`throws a UserError naming the row for a NaN or infinite value in ${need}`, () => {
        for (const [row, bad] of [[13, Number.NaN], [0, Infinity], [POOL - 1, -Infinity]] as const) {
          const ctx = contextFor(strategy);
          const matrix = ctx.embeddings![view]!;
          const data = matrix.data.slice();
          data[row * matrix.dim + 1] = bad;
          ctx.embeddings = { ...ctx.embeddings, [view]: { ...matrix, data } };
          assert.throws(
            () => strategy.select(POOL, ctx),
            (err: unknown) => err instanceof UserError && new RegExp(`row ${row}\\b`).test(err.message) && err.message.includes(need),
          );
        }
      });

      it(`throws a UserError when ${need} has a row count other than the pool size`, () => {
        const ctx = contextFor(strategy);
        ctx.embeddings = { ...ctx.embeddings, [view]: randomMatrix(POOL - 1, DIM, 3) };
        assert.throws(
          () => strategy.select(POOL, ctx),
          (err: unknown) => err instanceof UserError && err.message.includes(String(POOL - 1)) && err.message.includes(String(POOL)),
        );
      });
    }

    for (const { name: field } of proxyFields(contextFor(strategy))) {
      const fieldOf = (ctx: SelectContext) => proxyFields(ctx).find(({ name }) => name === field)!;
      // A strategy that reads the proxy only after the first round is checked in a later round.
      const contextFor = (s: Strategy) => contextForRound(s, s.proxyAfterFirstRound ? { labelled: [0] } : {});

      it(`throws a UserError naming ${field} and the row for a NaN or infinite value in it`, () => {
        for (const [row, bad] of [[13, Number.NaN], [0, Infinity], [POOL - 1, Number.NaN]] as const) {
          const ctx = contextFor(strategy);
          const { width, values, replace } = fieldOf(ctx);
          const broken = values.slice();
          broken[row * width + (width - 1)] = bad;
          ctx.proxy = replace(ctx.proxy!, broken);
          assert.throws(
            () => strategy.select(POOL, ctx),
            (err: unknown) => err instanceof UserError && err.message.includes(field) && new RegExp(`row ${row}\\b`).test(err.message),
          );
        }
      });

      it(`throws a UserError naming ${field} when it has a row count other than the pool size`, () => {
        const ctx = contextFor(strategy);
        const { width, values, replace } = fieldOf(ctx);
        ctx.proxy = replace(ctx.proxy!, values.slice(0, (POOL - 1) * width));
        assert.throws(
          () => strategy.select(POOL, ctx),
          (err: unknown) => err instanceof UserError && err.message.includes(field) && err.message.includes(String(POOL)),
        );
      });
    }
  });
}

describe("needs beyond embeddings and proxy scores", () => {
  for (const strategy of Object.values(strategies).filter((s) => s.needs.includes("tasks") || s.needs.includes("prompts"))) {
    for (const need of strategy.needs.filter((n): n is "tasks" | "prompts" => n === "tasks" || n === "prompts")) {
      it(`${strategy.name}: a ${need} column of the wrong length is a UserError naming it and both counts`, () => {
        const ctx = contextFor(strategy);
        ctx[need] = ctx[need]!.slice(0, POOL - 2);
        assert.throws(
          () => strategy.select(POOL, ctx),
          (err: unknown) => err instanceof UserError && err.message.includes(need) && err.message.includes(String(POOL - 2)) && err.message.includes(String(POOL)),
        );
      });
    }
  }

  for (const strategy of Object.values(strategies).filter((s) => s.needs.includes("proxy.features"))) {
    it(`${strategy.name}: a NaN in proxy.features is a UserError naming the row`, () => {
      const ctx = contextFor(strategy);
      const features = ctx.proxy!.features!;
      const data = features.data.slice();
      data[13 * features.dim] = Number.NaN;
      ctx.proxy = { ...ctx.proxy!, features: { ...features, data } };
      assert.throws(() => strategy.select(POOL, ctx), (err: unknown) => err instanceof UserError && err.message.includes("proxy.features") && /row 13\b/.test(err.message));
    });
  }

  for (const strategy of Object.values(strategies).filter((s) => s.proxyAfterFirstRound)) {
    it(`${strategy.name}: picks its first round without any proxy`, () => {
      const ctx = contextFor(strategy, { budget: 6 });
      delete ctx.proxy;
      assertValidPicks(strategy.select(POOL, ctx), 6);
    });
  }
});
