/**
 * The paper's claims tested on ablation rows with the seed as the unit (docs/statistics.md):
 *   C1 the on-policy proxy vs the off-policy (seed EFT) evaluator trained on as many examples;
 *   C2 each acquisition function vs the controls (random, stratified random) at equal budget;
 *   C3 DPO on proxy-labelled pairs vs DPO on the expert labels alone at equal budget.
 * The off-policy evaluator and the expert-only baseline do not depend on the strategy: they enter
 * once per seed and budget. "On-policy over the grid" is the mean over strategies within a seed.
 * Each claim x metric is one Holm family (C1, C3: over budgets; C2: over strategies x budgets x
 * controls within one sweep).
 */
import { compareFamily, perSeed, type Comparison } from "../eval/compare";
import { ABLATION_METRICS, wholeRun, type AblationMetrics, type AnyAblationRow } from "./results";

/**
 * Equivalence margins: the smallest difference that would matter, per metric, fixed in
 * docs/statistics.md before the sweeps they judge were run and never tuned on results. A
 * difference inside +-margin that TOST confirms is "equivalent".
 */
export const EQUIVALENCE_MARGINS: Readonly<Record<string, number>> = {
  gold_win_rate: 0.02,
  gold_gain: 0.05,
  proxy_spearman: 0.03,
  proxy_pair_accuracy: 0.02,
  proxy_ece: 0.02,
  worst_task_pair_accuracy: 0.05,
  task_uniform_pair_accuracy: 0.02,
  uniform_heldout_pair_accuracy: 0.02,
  uniform_heldout_spearman: 0.03,
};

/** The controls every acquisition function must beat, in the order they are reported. */
export const C2_CONTROLS = ["random", "stratified-random"] as const;

export interface ClaimComparison {
  claim: "C1" | "C2" | "C3";
  metric: string;
  budget: number;
  arm: string;
  control: string;
  result: Comparison;
}

const budgetsOf = (rows: readonly AnyAblationRow[]) => [...new Set(rows.map((r) => r.budget))].sort((a, b) => a - b);

/** On-policy metric -> the off-policy evaluator's same metric. */
const OFF_POLICY: Record<string, (m: AblationMetrics) => number | null> = {
  proxy_spearman: (m) => m.offpolicy_proxy_spearman,
  proxy_pair_accuracy: (m) => m.offpolicy_proxy_pair_accuracy,
  proxy_ece: (m) => m.offpolicy_proxy_ece,
};

export function claimC1(rows: readonly AnyAblationRow[], metrics = Object.keys(OFF_POLICY)): ClaimComparison[] {
  const withOff = rows.filter((r) => r.metrics.offpolicy_proxy_spearman !== null);
  return metrics.flatMap((metric) => {
    const spec = ABLATION_METRICS[metric];
    const budgets = budgetsOf(withOff);
    const results = compareFamily(
      budgets.map((b) => {
        const at = withOff.filter((r) => r.budget === b);
        return {
          arm: perSeed(at, (r) => spec.value(r.metrics)),
          control: perSeed(at, (r) => OFF_POLICY[metric](r.metrics)),
          higherIsBetter: spec.higherIsBetter ?? true,
          margin: EQUIVALENCE_MARGINS[metric],
        };
      }),
    );
    return budgets.map((budget, i) => ({ claim: "C1" as const, metric, budget, arm: "on-policy proxy (mean over strategies)", control: "off-policy evaluator", result: results[i] }));
  });
}

export function claimC3(rows: readonly AnyAblationRow[]): ClaimComparison[] {
  const withBaseline = rows.filter((r) => wholeRun(r.metrics)?.expert_only_gold_win_rate != null);
  const budgets = budgetsOf(withBaseline);
  const results = compareFamily(
    budgets.map((b) => {
      const at = withBaseline.filter((r) => r.budget === b);
      return {
        arm: perSeed(at, (r) => wholeRun(r.metrics)!.gold_win_rate),
        control: perSeed(at, (r) => wholeRun(r.metrics)!.expert_only_gold_win_rate),
        higherIsBetter: true,
        margin: EQUIVALENCE_MARGINS.gold_win_rate,
      };
    }),
  );
  return budgets.map((budget, i) => ({ claim: "C3" as const, metric: "gold_win_rate", budget, arm: "proxy pairs (mean over strategies)", control: "expert-only DPO", result: results[i] }));
}

/** Each non-control strategy vs each control present, for one metric: one Holm family. */
export function claimC2(rows: readonly AnyAblationRow[], metric: string, controls: readonly string[] = C2_CONTROLS): ClaimComparison[] {
  const spec = ABLATION_METRICS[metric];
  if (!spec) throw new RangeError(`claimC2: unknown metric "${metric}"`);
  const present = controls.filter((c) => rows.some((r) => r.strategy === c));
  const arms = [...new Set(rows.map((r) => r.strategy))].filter((s) => !present.includes(s));
  const plan: Omit<ClaimComparison, "result">[] = [];
  for (const control of present) for (const arm of arms) for (const budget of budgetsOf(rows)) plan.push({ claim: "C2", metric, budget, arm, control });
  const cell = (strategy: string, budget: number) =>
    perSeed(
      rows.filter((r) => r.strategy === strategy && r.budget === budget),
      (r) => spec.value(r.metrics),
    );
  const inputs = plan.map((p) => ({ arm: cell(p.arm, p.budget), control: cell(p.control, p.budget), higherIsBetter: spec.higherIsBetter ?? true, margin: EQUIVALENCE_MARGINS[metric] }));
  const results = compareFamily(inputs);
  return plan.map((p, i) => ({ ...p, result: results[i] })).filter((c) => c.result.n > 0);
}
