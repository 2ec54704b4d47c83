/**
 * The kernel side of the lab's views and widgets (kernel-ext/src/notebook/lab), on the tiny
 * preset in plain node with a recording display sink and the comm router driven directly:
 * every payload captured is validated against kernel-ext/schemas/ with ajv; live training
 * curves update one display in place; the uncertainty explorer's base64 columns decode to the
 * pool; a lasso selection becomes a query set that pays through the gate (tagged "query");
 * the labelling widget journals each human score before acknowledging it and fit continues
 * from the human labels; calibration reads the held-out scores the eval stage writes; and
 * proxyrm.ablate streams each finished cell into one display.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { ledgerRecords } from "proxyrm/dist/oracle/ledger";
import { readLabels } from "proxyrm/dist/store/arrow-tables";
import { readHeldoutScores } from "proxyrm/dist/stages/heldout-scores";
import type { KernelMessage } from "../kernel-ext/src/comm-messages";
import { setDisplaySink, type MimeBundle } from "../kernel-ext/src/display";
import { answer } from "../kernel-ext/src/kernel/widgets";
import * as proxyrm from "../kernel-ext/src/notebook";
import { payloadProblems } from "./helpers/schemas";

interface Shown {
  bundle: MimeBundle;
  displayId?: string;
  update?: boolean;
}
const shown: Shown[] = [];
let tmp: string;
let run: proxyrm.ProxyRun;

const payloadOf = (bundle: MimeBundle): Record<string, unknown> => {
  const types = Object.keys(bundle).filter((k) => k.startsWith("application/vnd.proxyrm."));
  assert.equal(types.length, 1, `one proxyrm MIME type, got ${types.join(", ")}`);
  return bundle[types[0]] as Record<string, unknown>;
};

/** Validates a bundle's payload (as the kernel would serialise it) against its schema. */
function valid(bundle: MimeBundle): Record<string, unknown> {
  const payload = JSON.parse(JSON.stringify(payloadOf(bundle))) as Record<string, unknown>;
  assert.deepEqual(payloadProblems(payload), [], `${String(payload.kind)} payload breaks its schema`);
  assert.match(bundle["text/html"] as string, new RegExp(`^<div class="proxyrm proxyrm-${String(payload.kind)}"`));
  assert.ok(typeof bundle["text/plain"] === "string" && (bundle["text/plain"] as string).length > 0);
  return payload;
}

async function send(data: unknown): Promise<KernelMessage[]> {
  const sent: KernelMessage[] = [];
  await answer({ closed: false, send: (m: unknown) => void sent.push(m as KernelMessage) }, data, "test");
  return sent;
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-lab-"));
  setDisplaySink({ display: (bundle, options) => void shown.push({ bundle, displayId: options.displayId, update: options.update }), clearOutput() {} });
  run = await proxyrm.open({ preset: "tiny", seed: 4, out: path.join(tmp, "run") });
});

after(() => {
  run?.close();
  setDisplaySink(undefined);
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("lab views on a tiny run", () => {
  let explorer: proxyrm.UncertaintyExplorer;

  it("live training curves update one display in place while SFT trains, and every payload fits its schema", async () => {
    const from = shown.length;
    await run.sft({ curves: true });
    const training = shown.slice(from).filter((s) => payloadOf(s.bundle).kind === "training");
    assert.ok(training.length >= 2, `at least two training updates, got ${training.length}`);
    assert.equal(new Set(training.map((s) => s.displayId)).size, 1, "one display id");
    assert.equal(training[0].update, false);
    assert.ok(training.slice(1).every((s) => s.update === true), "later ones update in place");
    for (const s of training) valid(s.bundle);
    const last = payloadOf(training.at(-1)!.bundle) as unknown as proxyrm.TrainingPayload;
    assert.equal(last.status, "done");
    const sft = last.series.find((s) => s.name === "sft" && s.metric === "loss");
    assert.ok(sft && sft.values.length === run.config.sft.steps, "one loss per SFT step");
  });

  it("the explorer before scoring: PCA of the pool as base64 Float32, no colour yet", async () => {
    explorer = await run.explore();
    const p = valid(proxyrm.toMimeBundle(explorer)) as unknown as proxyrm.UncertaintyPayload;
    const pool = run.config.world.poolPrompts * run.config.generate.k;
    assert.equal(p.n, pool);
    assert.equal(proxyrm.decodeFloat32(p.x).length, pool);
    assert.equal(proxyrm.decodeFloat32(p.y).length, pool);
    assert.equal(proxyrm.decodeInt32(p.prompt_index).length, pool);
    assert.equal(p.color, "none");
    assert.equal(p.mean, null);
    assert.equal(p.projection, "pca");
    assert.ok(p.explained && p.explained[0] >= p.explained[1]);
    assert.equal(p.widget, explorer.widget);
  });

  it("DPO reports its loss, reward margin and accuracy live", async () => {
    const from = shown.length;
    await run.dpo({ curves: true });
    const training = shown.slice(from).filter((s) => payloadOf(s.bundle).kind === "training");
    for (const s of training) valid(s.bundle);
    const last = payloadOf(training.at(-1)!.bundle) as unknown as proxyrm.TrainingPayload;
    for (const metric of ["loss", "margin", "accuracy"] as const) assert.ok(last.series.some((s) => s.name === "dpo" && s.metric === metric && s.values.length > 0), `dpo ${metric}`);
    assert.ok(last.series.some((s) => s.name === "fit proxy" && s.metric === "loss"), "the proxy's loss too");
  });

  it("after scoring the explorer colours by the ensemble's disagreement and marks picks and labels", async () => {
    explorer = await run.explore({ display: false });
    const p = valid(proxyrm.toMimeBundle(explorer)) as unknown as proxyrm.UncertaintyPayload;
    assert.equal(p.color, "disagreement");
    const std = proxyrm.decodeFloat32(p.std!);
    assert.ok(std.some((v) => v > 0));
    assert.equal(p.selected.length, run.config.select.budget);
    assert.ok(p.labelled.length > 0 && p.labelled.every((l) => l.oracle === "rubric"));
  });

  it("UMAP is an option and is seeded: the same run gives the same coordinates", async () => {
    const a = await run.explore({ projection: "umap", display: false });
    const b = await run.explore({ projection: "umap", display: false });
    const pa = valid(proxyrm.toMimeBundle(a)) as unknown as proxyrm.UncertaintyPayload;
    assert.equal(pa.projection, "umap");
    assert.equal(pa.explained, null);
    assert.equal(pa.x, (proxyrm.toMimeBundle(b)[proxyrm.mimeType("uncertainty")] as proxyrm.UncertaintyPayload).x);
  });

  it("a lasso reaches the kernel as a query set the notebook pays to label, through the gate", async () => {
    const p = payloadOf(proxyrm.toMimeBundle(explorer)) as unknown as proxyrm.UncertaintyPayload;
    const labelled = new Set(p.labelled.map((l) => p.response_ids[l.index]));
    const unlabelled = p.response_ids.filter((id) => !labelled.has(id)).slice(0, 3);
    const lassoed = [...unlabelled, p.response_ids[p.labelled[0].index]];
    assert.deepEqual(await send({ type: "lasso.select", widget: explorer.widget, response_ids: lassoed }), [{ type: "lasso.ack", widget: explorer.widget, count: 4, unlabelled: 3 }]);
    const [bad] = await send({ type: "lasso.select", widget: explorer.widget, response_ids: ["not-a-response"] });
    assert.equal(bad.type, "error");
    const set = explorer.querySet();
    assert.deepEqual([...set.ids], lassoed, "a bad selection leaves the last good one");
    assert.deepEqual([...set.unlabelled], unlabelled);

    const paidBefore = ledgerRecords(path.join(run.dir, "ledger.jsonl")).filter((r) => r.tag === "query" && r.status === "scored").length;
    const result = await set.label({ budget: 2 });
    assert.equal(result.paid, 2, "the budget caps the paid calls");
    const query = ledgerRecords(path.join(run.dir, "ledger.jsonl")).filter((r) => r.tag === "query");
    assert.equal(query.filter((r) => r.status === "pending").length, 2);
    assert.equal(query.filter((r) => r.status === "scored").length - paidBefore, 2);
    const labels = readLabels(path.join(run.dir, proxyrm.QUERY_LABELS_FILE));
    assert.deepEqual(labels.map((l) => l.response_id).sort(), unlabelled.slice(0, 2).sort());
    const again = await set.label({ budget: 2 });
    assert.equal(again.paid, 1, "a second request pays only for what is still unlabelled");
    assert.equal(readLabels(path.join(run.dir, proxyrm.QUERY_LABELS_FILE)).length, 3);
  });

  it("calibration reads per-response held-out scores that eval wrote, proxy vs off-policy", async () => {
    const cal = await run.calibration({ display: false });
    const p = valid(proxyrm.toMimeBundle(cal)) as unknown as proxyrm.CalibrationPayload;
    const rows = readHeldoutScores(path.join(run.dir, "heldout_scores.arrow"));
    const n = rows.filter((r) => r.evaluator === "proxy").length;
    assert.ok(n > 0);
    assert.equal(p.heldout.gold.length, n);
    assert.equal(p.proxy.mean.length, n);
    assert.ok(p.offpolicy, "tiny runs the baselines, so the off-policy evaluator is there");
    const metrics = JSON.parse(fs.readFileSync(path.join(run.dir, "metrics.json"), "utf8")) as { proxy_ece: number; offpolicy_proxy_ece: number };
    assert.ok(Math.abs(p.proxy.ece - metrics.proxy_ece) < 1e-3, "the same ECE as metrics.json");
    assert.ok(Math.abs(p.offpolicy!.ece - metrics.offpolicy_proxy_ece) < 1e-3);
    for (const e of [p.proxy, p.offpolicy!]) {
      assert.ok(e.coverage.one_sigma <= e.coverage.two_sigma);
      const within = e.mean.filter((m, i) => Math.abs(m - p.heldout.gold[i]) <= 2 * e.std[i]).length / n;
      assert.ok(Math.abs(within - e.coverage.two_sigma) < 0.02, "coverage is what the rows say");
    }
    assert.equal(p.histograms.gold.reduce((a, b) => a + b, 0), n);
  });

  it("the cost ledger counts paid calls against the budget, and the query set's calls apart", () => {
    const p = valid(proxyrm.toMimeBundle(run.ledger())) as unknown as proxyrm.LedgerPayload;
    const metrics = JSON.parse(fs.readFileSync(path.join(run.dir, "metrics.json"), "utf8")) as { expert_queries: number };
    assert.equal(p.totals.paid, metrics.expert_queries);
    assert.ok(p.totals.paid <= p.budget);
    const main = p.calls.filter((c) => c.tag === null);
    assert.equal(main.at(-1)!.paid_so_far, p.totals.paid);
    assert.ok(p.totals.other_paid >= 3, "query-set and baseline calls are counted under other tags");
    assert.ok(p.calls.some((c) => c.tag === "query"));
  });

  it("run.curves() shows the saved curves", () => {
    const p = valid(proxyrm.toMimeBundle(run.curves())) as unknown as proxyrm.TrainingPayload;
    assert.ok(p.series.some((s) => s.name === "sft") && p.series.some((s) => s.name === "dpo"));
  });
});

describe("labelling widget", () => {
  let human: proxyrm.ProxyRun;
  let widget: proxyrm.LabelWidget;

  after(() => human?.close());

  it("shows the first selected tuple with the rubric; each score is journalled before its ack; fit continues from human labels", async () => {
    human = await proxyrm.open({ preset: "tiny", seed: 5, out: path.join(tmp, "human"), config: { oracle: { kind: "human", person: "bo" }, baselines: false } });
    widget = await human.labelWidget({ display: false });
    const p = valid(proxyrm.toMimeBundle(widget)) as unknown as proxyrm.LabelWidgetPayload;
    assert.equal(p.oracle, "human:bo");
    assert.equal(p.rubric.length, 5);
    assert.equal(p.progress.labelled, 0);
    assert.ok(p.item);

    const [first] = await send({ type: "label.next", widget: widget.widget });
    assert.equal(first.type, "label.item");
    const total = (first as { progress: { total: number } }).progress.total;
    const ledger = path.join(human.dir, "ledger.jsonl");
    let item = (first as { item: { response_id: string } | null }).item;
    let n = 0;
    while (item) {
      const sent: KernelMessage[] = [];
      let journalledAtAck = false;
      await answer(
        {
          closed: false,
          send: (m: unknown) => {
            const msg = m as KernelMessage;
            if (msg.type === "label.ack") journalledAtAck = ledgerRecords(ledger).some((r) => r.status === "scored" && r.response_id === msg.response_id && r.oracle === "human:bo");
            sent.push(msg);
          },
        },
        { type: "label.submit", widget: widget.widget, response_id: item.response_id, score: n % 6, ...(n === 0 ? { note: "<img src=x onerror=alert(1)> stays text" } : {}) },
        "test",
      );
      assert.equal(sent[0].type, "label.ack", JSON.stringify(sent[0]));
      assert.ok(journalledAtAck, "the scored record is in ledger.jsonl before the ack is sent");
      assert.equal(sent[1].type, "label.item");
      item = (sent[1] as { item: { response_id: string } | null }).item;
      n++;
    }
    assert.equal(n, total);
    const [bad] = await send({ type: "label.submit", widget: widget.widget, response_id: "nope", score: 3 });
    assert.equal(bad.type, "error");
    assert.match((bad as { message: string }).message, /not one of the/);

    const paid = ledgerRecords(ledger).filter((r) => r.status === "scored");
    assert.equal(paid.length, total, "one paid call per score");
    await human.fit({ display: false });
    const labels = readLabels(path.join(human.dir, "labels.arrow"));
    assert.equal(labels.length, total);
    assert.ok(labels.every((l) => l.oracle === "human:bo"));
    assert.ok(labels.some((l) => l.rationale === "<img src=x onerror=alert(1)> stays text"), "the note is kept verbatim as the rationale");
  });
});

describe("proxyrm.ablate", () => {
  it("runs the grid through the ablate runner and streams each finished cell into one display", async () => {
    const from = shown.length;
    const out = path.join(tmp, "sweep");
    const result = await proxyrm.ablate({ preset: "tiny", strategies: ["random", "coreset-eft"], budgets: [4], seeds: 2, seed: 11, proxyOnly: true, out, jobs: 2 });
    const updates = shown.slice(from).filter((s) => payloadOf(s.bundle).kind === "ablation");
    for (const s of updates) valid(s.bundle);
    assert.equal(new Set(updates.map((s) => s.displayId)).size, 1, "one display id");
    const done = updates.map((s) => (payloadOf(s.bundle) as unknown as proxyrm.AblationPayload).done);
    assert.ok(new Set(done).size >= 3, `the display showed the sweep growing: ${done.join(",")}`);
    assert.equal(result.data.status, "done");
    assert.equal(result.data.done, 4);
    assert.equal(result.rows.length, 4);
    const bands = result.data.bands.filter((b) => b.metric === "proxy_spearman");
    assert.equal(bands.length, 2);
    for (const b of bands) assert.ok(b.n === 2 && b.lo <= b.mean && b.mean <= b.hi);
    // Resumable: a second call finds every cell done and runs nothing.
    const again = await proxyrm.ablate({ preset: "tiny", strategies: ["random", "coreset-eft"], budgets: [4], seeds: 2, seed: 11, proxyOnly: true, out, display: false });
    assert.deepEqual(again.rows, result.rows);
  });
});
