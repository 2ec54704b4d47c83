/**
 * The judge key a notebook hands to proxyrm.open() lives in #private fields (ProxyRun, and the
 * RunContext under its session): Object.entries, JSON.stringify and util.inspect of either,
 * as a notebook might print them, never show it.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { inspect } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { resolveConfig } from "proxyrm";
import { RunContext } from "../src/stages/context";
import * as proxyrm from "../kernel-ext/src/notebook";

const KEY = "sk-test-PRIVATE-0123456789abcdef";

let tmp: string;
let run: proxyrm.ProxyRun | undefined;

before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-secrets-"))));
after(() => {
  run?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Every way a notebook cell might print an object, with everything Node will show. */
function printed(value: object): string {
  let json = "";
  try {
    json = JSON.stringify(value) ?? "";
  } catch (err) {
    json = String(err); // a cycle: JSON shows nothing of the object then
  }
  return [JSON.stringify(Object.entries(value).map(([k]) => k)), String(Object.values(value).map(String)), json, inspect(value, { showHidden: true, depth: 6, customInspect: false })].join("\n");
}

describe("judge key in #private fields", () => {
  it("a ProxyRun opened with judgeApiKey does not show it", async () => {
    run = await proxyrm.open({ preset: "tiny", seed: 1, out: path.join(tmp, "run"), judgeApiKey: KEY });
    assert.ok(!printed(run).includes(KEY));
    assert.ok(!String(run).includes(KEY));
  });

  it("a RunContext holding the endpoint keys does not show them, and hands them to the stages through `keys`", () => {
    const ctx = new RunContext(tmp, resolveConfig("tiny"), tf, "cpu", { start() {}, tick() {}, end() {} }, undefined, { judge: KEY });
    assert.ok(!printed(ctx).includes(KEY));
    assert.equal(ctx.keys.judge, KEY);
  });
});
