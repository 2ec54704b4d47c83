/**
 * Cooperative interrupt on the smoke preset, through the notebook API in plain node with the
 * kernel's interrupt memory installed: another thread sets the shared abort flag in the middle
 * of run.sft() (policy training) and of run.fit() (reward-head training, mid-member), the call
 * stops at its next step with AbortedError, the same call then completes, and tf.memory()
 * holds as many tensors as after an uninterrupted run: nothing a stopped step made is left.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import * as tf from "@tensorflow/tfjs";
import { AbortedError, setAbortCheck, UserError } from "proxyrm";
import { setDisplaySink } from "../kernel-ext/src/display";
import { createInterruptMemory, FLAG, installInterruptMemory, TERMINATIONS, type InterruptMemory } from "../kernel-ext/src/kernel/interrupt-memory";
import * as proxyrm from "../kernel-ext/src/notebook";

const SEED = 5;

let tmp: string;
let memory: InterruptMemory;
/** [0]: abort checks made since the last arm(); [1]: the check count at which the other thread sets the flag. */
let checks: Int32Array;
const runs: proxyrm.ProxyRun[] = [];

/**
 * A thread that sets the kernel's abort flag once the main thread has made `at` abort checks
 * (each loop checks once per step): the flag is set off the main thread, mid-stage.
 */
function arm(at: number): Worker {
  Atomics.store(checks, 0, 0);
  Atomics.store(checks, 1, at);
  Atomics.store(memory.words, FLAG, 0);
  const source = `
    const { workerData } = require("node:worker_threads");
    const { checks, words, flag } = workerData;
    while (Atomics.load(checks, 0) < Atomics.load(checks, 1)) Atomics.wait(checks, 2, 0, 2);
    Atomics.store(words, flag, 1);`;
  return new Worker(source, { eval: true, workerData: { checks, words: memory.words, flag: FLAG } });
}

function disarm(): void {
  Atomics.store(memory.words, FLAG, 0);
}

async function open(name: string): Promise<proxyrm.ProxyRun> {
  const run = await proxyrm.open({ preset: "smoke", seed: SEED, out: path.join(tmp, name) });
  runs.push(run);
  return run;
}

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-abort-"));
  setDisplaySink({ display() {}, clearOutput() {} });
  memory = createInterruptMemory();
  installInterruptMemory(memory);
  // Count every check the loops make, then answer with the kernel's own check (the flag).
  checks = new Int32Array(new SharedArrayBuffer(12));
  const flagSet = () => Atomics.load(memory.words, FLAG) === 1;
  setAbortCheck(() => {
    Atomics.add(checks, 0, 1);
    return flagSet();
  });
});

after(() => {
  for (const run of runs) run.close();
  setAbortCheck(undefined);
  setDisplaySink(undefined);
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("cooperative interrupt (smoke preset)", () => {
  let interrupted: proxyrm.ProxyRun;
  let straight: proxyrm.ProxyRun;

  it("run.sft() stops mid-training at the flag, completes when called again, and leaves the tensors and the checkpoint of an uninterrupted run", async () => {
    interrupted = await open("interrupted");
    const steps = interrupted.config.sft.steps;
    const before = tf.memory().numTensors;
    const setter = arm(100);
    await assert.rejects(interrupted.sft({ display: false }), AbortedError);
    await setter.terminate();
    const seen = Atomics.load(checks, 0);
    assert.ok(seen >= 100 && seen < steps / 2, `stopped within a few steps of the flag (${seen} checks of ${steps} steps)`);
    assert.equal(tf.memory().numTensors, before, "the stopped call leaves no tensor behind");
    assert.equal(interrupted.isDone("sft"), false);
    disarm();
    await interrupted.sft({ display: false });
    const afterInterrupted = tf.memory().numTensors - before;

    straight = await open("straight");
    const base = tf.memory().numTensors;
    await straight.sft({ display: false });
    assert.equal(afterInterrupted, tf.memory().numTensors - base, "as many tensors as an uninterrupted sft");
    const ckpt = (run: proxyrm.ProxyRun) => fs.readFileSync(path.join(run.dir, "models", "sft.ckpt"));
    assert.ok(ckpt(interrupted).equals(ckpt(straight)), "the same checkpoint bytes as an uninterrupted sft");
  });

  it("run.fit() stops in the middle of a reward head's training, completes when called again, and leaves the tensors of an uninterrupted fit", async () => {
    const heads = interrupted.config.proxy.heads;
    assert.equal(interrupted.config.proxy.kind, "heads");
    // Everything before fit, uninterrupted; then both sessions start fit from the same state
    // (closed: fit loads M1 from its checkpoint in both).
    for (const run of [interrupted, straight]) {
      await run.label({ display: false });
      run.close();
    }
    const before = tf.memory().numTensors;
    // Past the first member's training, before the second's end: the flag lands mid-member.
    const at = heads.steps + Math.floor(heads.steps / 2);
    const setter = arm(at);
    await assert.rejects(interrupted.fit({ display: false }), AbortedError);
    await setter.terminate();
    const seen = Atomics.load(checks, 0);
    assert.ok(seen >= at && seen < 2 * heads.steps, `stopped within the second member (${seen} checks; ${heads.steps} steps per member)`);
    disarm();
    await interrupted.fit({ display: false });
    const afterInterrupted = tf.memory().numTensors - before;

    const base = tf.memory().numTensors;
    await straight.fit({ display: false });
    assert.equal(afterInterrupted, tf.memory().numTensors - base, "as many tensors as an uninterrupted fit");
  });

  it("a call the kernel stopped by force makes the run object say it must be reopened, instead of waiting forever", async () => {
    const run = await proxyrm.open({ preset: "tiny", seed: SEED, out: path.join(tmp, "forced"), config: { sft: { steps: 400 } } });
    runs.push(run);
    disarm();
    Atomics.store(checks, 0, 0);
    const first = run.sft({ display: false });
    while (Atomics.load(checks, 0) < 5) await new Promise((resolve) => setImmediate(resolve));
    // What the control thread does when an interrupt was ignored past its grace.
    Atomics.add(memory.words, TERMINATIONS, 1);
    const mustReopen = (err: unknown) => err instanceof UserError && err.code === "must-reopen" && err.message.includes("proxyrm.open({ out: ");
    await assert.rejects(run.sft({ display: false }), mustReopen);
    Atomics.store(memory.words, FLAG, 1);
    await assert.rejects(first, AbortedError);
    disarm();
    await assert.rejects(run.fit({ display: false }), mustReopen, "the run stays marked after the stopped call ended");
    run.close();
    const reopened = await proxyrm.open({ out: run.dir });
    runs.push(reopened);
    await reopened.sft({ display: false });
    assert.equal(reopened.isDone("sft"), true);
  });
});
