/**
 * `proxyrm ablate --vary KEY=v1,v2` at the level of the grid (src/ablate/grid.ts): every value
 * repeats the grid, values that change the shared stages' inputs get their own shared runs and
 * values that do not share them, and bad specifications fail with one line naming --vary or the
 * field. The end-to-end sweep is exercised by tests/ablate.test.ts's grid.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseVary, planCells, type AblationPlan } from "../src/ablate/grid";
import { UserError } from "../src/errors";

const plan = (vary: string): AblationPlan => ({
  out: "/tmp/sweep",
  preset: "tiny",
  base: { world: { families: "zipf" } },
  strategies: ["random", "stratified-random"],
  budgets: [4],
  seed: 301,
  seeds: 2,
  vary: parseVary(vary),
});

describe("ablate --vary", () => {
  it("parses numbers, booleans and strings", () => {
    assert.deepEqual(parseVary("world.misrank=0,0.3,0.6"), { key: "world.misrank", values: [0, 0.3, 0.6] });
    assert.deepEqual(parseVary("select.space=policy,proxy-features"), { key: "select.space", values: ["policy", "proxy-features"] });
    assert.deepEqual(parseVary("baselines=true,false").values, [true, false]);
  });

  it("repeats the grid at each value, the value in each cell's config and setting", () => {
    const cells = planCells(plan("world.misrank=0,0.6"));
    assert.equal(cells.length, 2 * 2 * 2);
    for (const value of [0, 0.6]) {
      const at = cells.filter((c) => c.variant === `world.misrank=${value}`);
      assert.equal(at.length, 4);
      for (const c of at) {
        assert.equal(c.config.world.misrank, value);
        assert.equal(c.config.world.families, "zipf", "the --config fields stay");
        assert.deepEqual(c.base, { world: { families: "zipf", misrank: value } });
        assert.ok(c.dir.includes(`world.misrank=${value}`), c.dir);
      }
    }
    // The world differs, so each value has its own shared stages per seed.
    assert.equal(new Set(cells.map((c) => c.shared)).size, 4);
  });

  it("shares the per-seed stages between values that leave them alone", () => {
    const cells = planCells(plan("select.space=policy,proxy-features"));
    assert.equal(new Set(cells.map((c) => c.shared)).size, 2, "one shared run per seed");
    assert.deepEqual(new Set(cells.map((c) => c.config.select.space)), new Set(["policy", "proxy-features"]));
  });

  it("refuses a malformed --vary or a value of the wrong type with one line naming it", () => {
    for (const bad of ["misrank", "=1,2", "world.misrank=", "world.misrank=0,,1", "world.misrank=0,0"]) {
      assert.throws(() => parseVary(bad), (err: unknown) => err instanceof UserError && err.message.includes("--vary"), bad);
    }
    assert.throws(() => planCells(plan("world.misrank=abc")), (err: unknown) => err instanceof UserError && err.message.includes("world.misrank"));
    assert.throws(() => planCells(plan("world.misrank=2")), (err: unknown) => err instanceof UserError && err.message.includes("world.misrank"));
    assert.throws(() => planCells(plan("world.nope=1")), (err: unknown) => err instanceof UserError && err.message.includes("world.nope"));
  });

  it("leaves a grid without --vary as it was: cells/<cell>, shared/seed-<n>", () => {
    const cells = planCells({ ...plan("world.misrank=0"), vary: undefined });
    assert.deepEqual(cells.map((c) => c.dir), ["/tmp/sweep/cells/random-b4-s301", "/tmp/sweep/cells/stratified-random-b4-s301", "/tmp/sweep/cells/random-b4-s302", "/tmp/sweep/cells/stratified-random-b4-s302"]);
    assert.deepEqual([...new Set(cells.map((c) => c.shared))], ["/tmp/sweep/shared/seed-301", "/tmp/sweep/shared/seed-302"]);
  });
});
