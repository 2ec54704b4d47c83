/**
 * The cost ledger (`run.ledger()`): every oracle call in ledger.jsonl in call order, with the
 * running count of paid calls and spend of the main expert budget against the budget, plus
 * failures (billed replies with no score, unknown outcomes), calls that were not billed, and
 * cache hits (labels answered by an earlier call with the same judge input, so free).
 */
import * as path from "node:path";
import { countCalls, LEDGER_FILE, readLedger } from "proxyrm/dist/oracle/ledger";
import type { MimeBundle } from "../../display";
import type { RunFiles } from "../files";
import { COLORS, figures, html, keyValues, kvText, layout, num, section } from "../html";
import { makeBundle, MIME_BUNDLE, PAYLOAD_VERSION, type Displayable } from "../mime";
import type { LedgerCall, LedgerPayload } from "./payloads";

const r6 = (v: number) => Math.round(v * 1e6) / 1e6;

export class CostLedger implements Displayable {
  constructor(readonly data: LedgerPayload) {}

  [MIME_BUNDLE](): MimeBundle {
    return makeBundle(this.data, ledgerHtml(this.data), ledgerText(this.data));
  }
}

export function ledgerPayload(files: RunFiles): LedgerPayload {
  const state = readLedger(path.join(files.dir, LEDGER_FILE));
  let paid = 0;
  let spend = 0;
  const calls: LedgerCall[] = state.calls.map(({ pending, closed }) => {
    const status = closed?.status ?? "pending";
    const isPaid = status !== "not-billed";
    const cost = isPaid ? (closed ?? pending).cost : 0;
    const tag = pending.tag ?? null;
    if (tag === null && isPaid) {
      paid++;
      spend += cost;
    }
    return { call: pending.call, tag, response_id: pending.response_id, oracle: pending.oracle, status, paid: isPaid, cost: r6(cost), paid_so_far: paid, spend_so_far: r6(spend) };
  });
  const counts = countCalls(state);
  const main = counts.get("") ?? { paid: 0, scored: 0, noScore: 0, unknown: 0, notBilled: 0, cost: 0 };
  let otherPaid = 0;
  let otherSpend = 0;
  for (const [tag, c] of counts) {
    if (tag === "") continue;
    otherPaid += c.paid;
    otherSpend += c.cost;
  }
  // A label row without its own scored call was answered from the cache (same judge input).
  const scoredIds = new Set(state.calls.filter((c) => !c.pending.tag && c.closed?.status === "scored").map((c) => c.pending.response_id));
  const cacheHits = files.labels().filter((l) => !scoredIds.has(l.response_id)).length;
  return {
    kind: "ledger",
    version: PAYLOAD_VERSION,
    run: files.dir,
    budget: files.config.select.budget,
    price: files.config.oracle.costPerCall,
    calls,
    totals: {
      paid: main.paid,
      spend: r6(main.cost),
      scored: main.scored,
      failures: main.noScore + main.unknown,
      not_billed: main.notBilled,
      cache_hits: cacheHits,
      other_paid: otherPaid,
      other_spend: r6(otherSpend),
    },
  };
}

function summaryRows(p: LedgerPayload): [string, string][] {
  const t = p.totals;
  return [
    ["paid calls", `${t.paid} of budget ${p.budget} (${t.scored} scored, ${t.failures} failed or unknown)`],
    ["spend", `${num(t.spend, 4)} at ${num(p.price, 4)} per call (budget ${num(p.budget * p.price, 4)})`],
    ["not billed", String(t.not_billed)],
    ["cache hits", String(t.cache_hits)],
    ["other tags", `${t.other_paid} paid calls, ${num(t.other_spend, 4)} (baselines, query sets)`],
  ];
}

function ledgerHtml(p: LedgerPayload): string {
  const main = p.calls.filter((c) => c.tag === null);
  const failed = main.filter((c) => c.status === "no-score" || c.status === "unknown" || c.status === "pending");
  const figure = {
    data: [
      { type: "scatter", mode: "lines", name: "paid calls", x: main.map((_, i) => i + 1), y: main.map((c) => c.paid_so_far), line: { color: COLORS.onpolicy, shape: "hv" } },
      { type: "scatter", mode: "lines", name: "budget", x: [1, Math.max(1, main.length)], y: [p.budget, p.budget], line: { color: COLORS.seed, dash: "dash" } },
      { type: "scatter", mode: "markers", name: "failed / unknown", x: failed.map((c) => main.indexOf(c) + 1), y: failed.map((c) => c.paid_so_far), marker: { color: COLORS.seed, symbol: "x", size: 8 } },
    ],
    layout: layout("Paid calls against the budget", { xaxis: { title: { text: "call (ledger order)" } }, yaxis: { title: { text: "paid calls" }, rangemode: "tozero" }, legend: { orientation: "h", y: -0.25 } }),
  };
  return section("ledger", html`<p class="title">cost ledger · ${p.run}</p>${keyValues(summaryRows(p))}${figures([figure])}`);
}

function ledgerText(p: LedgerPayload): string {
  return `cost ledger · ${p.run}\n${kvText(summaryRows(p))}`;
}
