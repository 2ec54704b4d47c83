/**
 * The active-learning side: embed the pool with M1 (prompt view for coresetIFT, judge-input view
 * for coresetEFT), pick the tuples worth an expert's score under the budget, and pay for them
 * through the one gate (budget, cache, ledger journal).
 */
import * as fs from "node:fs";
import { eftText, embedTexts, iftText } from "../embed/policy-embedder";
import { getStrategy } from "../select";
import type { Matrix, ProxyPrediction } from "../select/types";
import { judgeFeatureDim, judgeFeatures } from "../embed/judge-features";
import { RewardHeads } from "../proxy/heads";
import { writeLabels } from "../store/arrow-tables";
import { writeFileAtomic } from "../store/atomic";
import { readEmbeddingViews, writeEmbeddings } from "../store/embeddings";
import { UserError } from "../errors";
import type { GateReport } from "../oracle/gate";
import { HumanOracle, LabelsAwaitedError, awaitingHuman } from "../oracle/human";
import { judgeUserMessage } from "../oracle/judge-prompt";
import type { JudgeItem } from "../oracle/types";
import type { LabelRow, ResponseRow } from "../types";
import type { ProxyScores } from "../proxy/types";
import type { RunContext } from "./context";
import { embedEndpoint } from "./endpoints";
import { fitOnLabels, proxyEvaluator } from "./proxy";

/** Pool responses in a fixed order: the selection pool (indices refer to this order). */
export function poolResponses(ctx: RunContext): ResponseRow[] {
  return ctx.responses().filter((r) => r.source === "policy");
}

export async function embedStage(ctx: RunContext): Promise<void> {
  if (ctx.config.embed.url !== undefined) return embedWithEndpoint(ctx);
  const pool = poolResponses(ctx);
  const text = ctx.promptText();
  const model = ctx.model("sft");
  const d = model.config.dModel;
  // The IFT view embeds each prompt once and repeats it for each of its responses.
  const promptIds = [...new Set(pool.map((r) => r.prompt_id))];
  const promptVec = await embedTexts(model, promptIds.map((id) => iftText(text.get(id)!)), 256, ctx.progress, ctx.signal, "embed ift");
  const rowOf = new Map(promptIds.map((id, i) => [id, i]));
  const eft = await embedTexts(model, pool.map((r) => eftText(text.get(r.prompt_id)!, r.text)), 256, ctx.progress, ctx.signal, "embed eft");
  const data = new Float32Array(pool.length * 2 * d);
  pool.forEach((r, i) => data.set(promptVec.subarray(rowOf.get(r.prompt_id)! * d, (rowOf.get(r.prompt_id)! + 1) * d), i * d));
  data.set(eft, pool.length * d);
  writeEmbeddings(ctx.file("embeddings.arrow"), {
    ids: [...pool.map((r) => r.response_id), ...pool.map((r) => r.response_id)],
    views: [...pool.map(() => "ift" as const), ...pool.map(() => "eft" as const)],
    dim: d,
    data,
  });
}

/**
 * The endpoint's views: IFT embeds the prompt as written, EFT the judge's input (instruction and
 * response, as the judge reads them: judgeUserMessage).
 */
async function embedWithEndpoint(ctx: RunContext): Promise<void> {
  const pool = poolResponses(ctx);
  const text = ctx.promptText();
  const embedder = embedEndpoint(ctx);
  const ift = await embedder.embed(pool.map((r) => text.get(r.prompt_id)!), ctx.progress, ctx.signal, "embed ift");
  const eft = await embedder.embed(pool.map((r) => judgeUserMessage(text.get(r.prompt_id)!, r.text)), ctx.progress, ctx.signal, "embed eft");
  if (ift.dim !== eft.dim) throw new Error(`the embedder gave ${ift.dim} and ${eft.dim} dimensions`);
  const data = new Float32Array(pool.length * 2 * ift.dim);
  data.set(ift.data, 0);
  data.set(eft.data, pool.length * ift.dim);
  writeEmbeddings(ctx.file("embeddings.arrow"), {
    ids: [...pool.map((r) => r.response_id), ...pool.map((r) => r.response_id)],
    views: [...pool.map(() => "ift" as const), ...pool.map(() => "eft" as const)],
    dim: ift.dim,
    data,
  });
}

export function poolEmbeddings(ctx: RunContext): { ift: Matrix; eft: Matrix } {
  const pool = poolResponses(ctx);
  const views = readEmbeddingViews(ctx.file("embeddings.arrow"), ["ift", "eft"]);
  const view = (v: "ift" | "eft"): Matrix => {
    const m = views[v];
    if (m.ids.length !== pool.length || m.ids.some((id, i) => id !== pool[i].response_id)) {
      throw new Error(`embeddings.arrow (${v}) does not match the pool's responses`);
    }
    return { rows: m.ids.length, dim: m.dim, data: m.data };
  };
  return { ift: view("ift"), eft: view("eft") };
}

/** The budget split evenly over rounds (earlier rounds take the remainder). */
export function roundBudgets(budget: number, rounds: number): number[] {
  return Array.from({ length: rounds }, (_, r) => Math.floor(budget / rounds) + (r < budget % rounds ? 1 : 0));
}

/**
 * Active selection, round by round: pick a batch, pay for it, refit the proxy, pick again. The
 * first round of a strategy that needs a proxy is scored by the free off-policy (seed EFT)
 * evaluator. Rounds before the last pay through the gate here (the refit needs their labels);
 * the label stage then pays for the last round and writes every label.
 */
export async function selectStage(ctx: RunContext): Promise<void> {
  const pool = poolResponses(ctx);
  const strategy = getStrategy(ctx.config.select.strategy);
  const items = ctx.judgeItems(pool);
  const embeddings = strategy.needs.some((n) => n.startsWith("embeddings")) ? await selectionSpace(ctx, items) : undefined;
  const needsProxy = strategy.needs.some((n) => n.startsWith("proxy"));
  const taskOf = new Map(ctx.prompts().map((p) => [p.prompt_id, p.task]));
  const tasks = strategy.needs.includes("tasks") ? pool.map((r) => taskOf.get(r.prompt_id) ?? "") : undefined;
  const prompts = strategy.needs.includes("prompts") ? pool.map((r) => r.prompt_id) : undefined;
  const budgets = roundBudgets(ctx.config.select.budget, ctx.config.select.rounds);
  const picked: number[] = [];
  const rounds: string[][] = [];
  for (let r = 0; r < budgets.length; r++) {
    let proxy: ProxyPrediction | undefined;
    // A strategy that needs the proxy only after the first round never sees the off-policy evaluator.
    if (needsProxy && !(r === 0 && strategy.proxyAfterFirstRound)) {
      const evaluator = r === 0 ? await proxyEvaluator(ctx, "offpolicy") : await fitOnLabels(ctx, await payFor(ctx, picked.map((i) => items[i])), r);
      const scores: ProxyScores = await evaluator.predict(items, ctx.signal);
      proxy = scores;
      if (strategy.needs.includes("proxy.features")) {
        if (!(evaluator instanceof RewardHeads)) throw new Error(`${strategy.name} needs the reward heads' last layer`);
        proxy = { ...scores, features: { rows: pool.length, dim: evaluator.lastLayerDim, data: await evaluator.lastLayer(items, ctx.signal) } };
      }
      if (r > 0) evaluator.dispose();
    }
    const picks = strategy.select(pool.length, {
      budget: budgets[r],
      rng: r === 0 ? ctx.rng("select") : ctx.rng(`select-round-${r}`),
      embeddings,
      proxy,
      labelled: picked,
      tasks,
      prompts,
    });
    picked.push(...picks);
    rounds.push(picks.map((i) => pool[i].response_id));
  }
  const selection = { strategy: strategy.name, rounds, response_ids: rounds.flat() };
  writeFileAtomic(ctx.file("selection.json"), `${JSON.stringify(selection)}\n`);
}

/**
 * The matrix embedding-reading strategies measure distance in (`select.space`): M1's pooled
 * states as the paper has them, or the reward heads' input features z-scored per column (the
 * likelihood features carry the score, and unscaled they would vanish next to 64 hidden units).
 * In the proxy-features space both views are that one matrix.
 */
async function selectionSpace(ctx: RunContext, items: JudgeItem[]): Promise<{ ift: Matrix; eft: Matrix }> {
  const policy = poolEmbeddings(ctx);
  if (ctx.config.select.space === "policy") return policy;
  let matrix: Matrix = policy.eft;
  if (ctx.config.embed.url === undefined) {
    const model = ctx.model("sft");
    matrix = { rows: items.length, dim: judgeFeatureDim(model), data: await judgeFeatures(model, items, ctx.signal) };
  }
  const z = zScore(matrix);
  return { ift: z, eft: z };
}

/** Each column centred and scaled to unit variance (a constant column becomes 0). */
export function zScore(m: Matrix): Matrix {
  const data = new Float32Array(m.data.length);
  for (let d = 0; d < m.dim; d++) {
    let mean = 0;
    for (let i = 0; i < m.rows; i++) mean += m.data[i * m.dim + d];
    mean /= Math.max(1, m.rows);
    let variance = 0;
    for (let i = 0; i < m.rows; i++) variance += (m.data[i * m.dim + d] - mean) ** 2;
    const sd = Math.sqrt(variance / Math.max(1, m.rows));
    for (let i = 0; i < m.rows; i++) data[i * m.dim + d] = sd > 0 ? (m.data[i * m.dim + d] - mean) / sd : 0;
  }
  return { rows: m.rows, dim: m.dim, data };
}

/** Labels for items through the main gate (cached ones are free), without writing labels.arrow. */
async function payFor(ctx: RunContext, items: JudgeItem[]): Promise<LabelRow[]> {
  const report = await ctx.gate(ctx.config.select.budget).label(items, ctx.signal);
  logGateReport(ctx, "select", report);
  return report.labels;
}

export function selectedIds(ctx: RunContext): string[] {
  return (JSON.parse(fs.readFileSync(ctx.file("selection.json"), "utf8")) as { response_ids: string[] }).response_ids;
}

/** One line per kind of item left without a label, so a user sees what was paid and skipped. */
function logGateReport(ctx: RunContext, stage: string, report: GateReport): void {
  const items = (n: number) => `${n} item${n === 1 ? "" : "s"}`;
  if (report.recovered > 0) {
    ctx.progress.log?.(`${stage}: ${report.recovered} call${report.recovered === 1 ? "" : "s"} of unknown outcome from an interrupted run (pending in ledger.jsonl, never answered): counted as paid, not asked again`);
  }
  if (report.failed.length > 0) ctx.progress.log?.(`${stage}: ${items(report.failed.length)} failed (no score in the judge's replies, a re-ask included); skipped`);
  if (report.unknown.length > 0) ctx.progress.log?.(`${stage}: ${items(report.unknown.length)} without a label: a call's outcome is unknown; skipped`);
  if (report.unasked.length > 0) ctx.progress.log?.(`${stage}: ${items(report.unasked.length)} not asked: the budget went on re-asks and calls of unknown outcome`);
}

/**
 * Pays for labels through the one gate, reporting each paid call, and writes them (in input
 * order) to `file`. Labels paid earlier in this run dir come back from the ledger for free;
 * items that got no label (a paid failure, an unknown outcome, budget spent) are left out.
 */
export async function labelThroughGate(
  ctx: RunContext,
  items: JudgeItem[],
  opts: { budget: number; stage: string; file: string; tag?: string },
): Promise<LabelRow[]> {
  const gate = ctx.gate(opts.budget, { tag: opts.tag, onPaid: () => ctx.progress.tick(1) });
  ctx.progress.start(opts.stage, opts.budget);
  let report: GateReport;
  try {
    ctx.progress.tick(gate.paid); // paid before a crash: a resumed run
    report = await gate.label(items, ctx.signal);
  } finally {
    ctx.progress.end();
  }
  logGateReport(ctx, opts.stage, report);
  if (report.labels.length === 0) {
    throw new UserError(`${opts.stage}: not one of ${items.length} items got a label (see ${ctx.file("ledger.jsonl")}); nothing to learn from`, { code: "no-labels" });
  }
  writeLabels(ctx.file(opts.file), report.labels);
  return report.labels;
}

export async function labelStage(ctx: RunContext): Promise<void> {
  const oracle = ctx.oracle();
  if (oracle instanceof HumanOracle) {
    // A person scores on `proxyrm label`'s page or the lab's widget; the run waits for them.
    const waiting = awaitingHuman(ctx.dir, oracle);
    if (waiting.length > 0) throw new LabelsAwaitedError(ctx.dir, waiting.length, selectedIds(ctx).length, oracle.person);
  }
  const byId = new Map(ctx.responses().map((r) => [r.response_id, r]));
  const items = ctx.judgeItems(selectedIds(ctx).map((id) => byId.get(id)!));
  await labelThroughGate(ctx, items, { budget: ctx.config.select.budget, stage: "label", file: "labels.arrow" });
}
