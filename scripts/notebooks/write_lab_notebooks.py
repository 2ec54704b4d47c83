"""Writes notebooks/teaching.ipynb, calibration.ipynb and active-learning-ablation.ipynb (the
sources; scripts/notebooks.sh then executes and publishes them). Kept as a script so the cell
text is reviewable in one place: python3 scripts/notebooks/write_lab_notebooks.py"""
import json
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
META = {
    "kernelspec": {"name": "proxyrm", "display_name": "TypeScript (proxyrm)", "language": "typescript"},
    "language_info": {"name": "typescript", "file_extension": ".ts", "mimetype": "text/typescript"},
}
PRESET = (
    '// smoke takes minutes; the tests run every notebook with PROXYRM_NOTEBOOK_PRESET=tiny (seconds, numbers meaningless).\n'
    'const PRESET = (process.env.PROXYRM_NOTEBOOK_PRESET ?? "smoke") as "tiny" | "smoke" | "default";\n'
    'import { proxyrm } from "@proxyrm/kernel";\n'
)


def md(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text.strip("\n")}


def code(text):
    return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": text.strip("\n")}


def write(name, cells):
    nb = {"cells": cells, "metadata": META, "nbformat": 4, "nbformat_minor": 5}
    for i, c in enumerate(nb["cells"]):
        c["id"] = f"{name[:12]}-{i:02d}"
    with open(os.path.join(ROOT, "notebooks", f"{name}.ipynb"), "w") as f:
        json.dump(nb, f, indent=1, ensure_ascii=False)
        f.write("\n")


write("teaching", [
    md("""
# The method, step by step (for a class)

Small enough to run live in a lecture (`tiny` takes seconds, `smoke` minutes). Each step says
what the paper (Chen et al. 2024) does, shows what proxyrm made, and says **what to look for**.
Exercises are at the end. In JupyterLab with the proxyrm extension (`proxyrm lab`) the plots are
interactive; elsewhere the same outputs show as HTML.
"""),
    code(PRESET + 'const run = await proxyrm.open({ preset: PRESET, seed: 5, out: `runs/teaching-${PRESET}` });\nrun'),
    md("""
## 1. SFT: M0 -> M1
The base model is fine-tuned on a small seed set. Like real seed data, part of it is flawed
(junk appended, a character dropped): M1 learns the flaws too, which is what DPO later fixes.

**Look for:** the loss falling steeply and then flattening. `{ curves: true }` draws it live,
updated in place while the stage trains.
"""),
    code("await run.sft({ curves: true })"),
    md("""
## 2. On-policy generation
M1 answers every prompt of a large unlabelled pool k times. These are the responses the expert
and the proxy will judge: on-policy, unlike the seed judge data.

**Look for:** the same prompt answered differently k times; some answers carry the seed's flaws.
"""),
    code("await run.generate()"),
    md("""
## 3. Embeddings and active selection
M1's hidden states embed each prompt (coresetIFT) and each judge input (coresetEFT). The
strategy picks the tuples to pay for, under the budget. The explorer shows the pool in 2-D.

**Look for:** picks spread over the clusters (k-center covers the space) rather than piled into
the biggest task; small tasks still get picks.
"""),
    code("await run.embed();\nawait run.select()"),
    code("await run.explore()"),
    md("""
## 4. The expert
Only the picked tuples are scored, by the additive 0-5 rubric (relevant, substantial, basic
elements, clear, impeccable). Every paid call is journalled in ledger.jsonl (a pending record
before it, its outcome after); nothing is paid twice.

**Look for:** the label histogram: on-policy labels are spread over 0-5, unlike the seed EFT set
(mostly 4-5). The ledger shows paid calls climbing to the budget and never past it.
"""),
    code("await run.label()"),
    code("run.ledger()"),
    md("""
## 5. The proxy
A proxy evaluator (an ensemble of reward heads on M1's features) learns from those few labels,
then scores every other response.

**Look for:** in the explorer, now coloured by the ensemble's disagreement: where is the proxy
unsure? Usually far from the labelled points, which is what uncertainty sampling exploits.
"""),
    code("await run.fit();\nawait run.score()"),
    code("await run.explore()"),
    md("""
## 6. Pairs and DPO
Per prompt, the best and the worst response by score make a preference pair: about nine pairs
per paid label. DPO on them turns M1 into M2.

**Look for:** the DPO loss falling from log 2 ≈ 0.693, and the reward margin and accuracy rising:
the policy learns to prefer the chosen answers.
"""),
    code("await run.pairs()"),
    code("await run.dpo({ curves: true })"),
    md("""
## 7. Did it work?
M2 against M1 on held-out prompts, judged by the noise-free gold rubric; the proxy against the
gold rubric; and the baselines the paper compares with.

**Look for:** a gold win rate above 0.5 and, in the calibration view, the on-policy proxy's ECE
below the off-policy evaluator's (the paper's claim C1).
"""),
    code("await run.eval()"),
    code("await run.calibration()"),
    md("""
## Exercises

1. Re-run with `strategy: "random"` via `await run.fork({ strategy: "random" })`: compare the
   explorer's picks and the final `gold_win_rate`. Is one seed enough to tell them apart?
   (Hint: `proxyrm.ablate`, in the ablation notebook.)
2. Halve the budget with `run.fork({ budget: ... })`. What happens to the number of pairs per
   paid label, and why?
3. In the calibration view, which evaluator's std tracks its error better? What would an ECE of
   0 mean for the reliability curve?
4. Open `run.table("ledger")`: find the pending record and the closing record of one call. What
   would a crash between them leave behind, and how does a resumed run count it?
5. Make yourself the expert: open a run with `config: { oracle: { kind: "human", person: "you" }, baselines: false }`,
   call `await run.labelWidget()` in JupyterLab and score the picks; then `await run.fit()`.
"""),
])

write("calibration", [
    md("""
# Is the proxy calibrated, and does its std track its error?

A proxy's score distribution should mean what it says: of the responses it gives its top score
with 70% confidence, about 70% should have that gold score. The reliability diagram bins
held-out responses by confidence; ECE is the size-weighted gap. Then the question the
uncertainty strategies rely on: is the proxy's **std** large where its **error** is large? We
check it on held-out responses (M1's samples on held-out prompts, scored by the gold rubric),
which eval writes one by one to `heldout_scores.arrow`.
"""),
    code(PRESET + 'const run = await proxyrm.open({ preset: PRESET, seed: 4, out: `runs/calibration-${PRESET}` });\nawait run.all({ display: false });\nconst cal = await run.calibration();'),
    md("""
The view above: reliability of the on-policy proxy against the off-policy evaluator (trained on
the skewed seed EFT set), |error| against std, and the score histograms. Now the check itself,
in numbers: if the proxy's std were a calibrated Gaussian error bar, about 68% of held-out
responses would fall within ±1σ of gold and 95% within ±2σ (`intervals`). That is a statement
about the average; uncertainty sampling needs more: the rank correlation of std with |error|
should be clearly positive, so that the most uncertain responses are the ones the proxy gets
wrong (`std_tracks_error`).
"""),
    code("""
const check = (name: string, e: typeof cal.data.proxy) => ({
  evaluator: name,
  ece: e.ece,
  within_1_sigma: e.coverage.one_sigma,
  within_2_sigma: e.coverage.two_sigma,
  spearman_std_vs_abs_error: e.std_error_spearman,
  intervals:
    e.coverage.two_sigma < 0.8 ? "overconfident: std too small for its errors" :
    e.coverage.one_sigma > 0.95 ? "underconfident: std larger than its errors" : "roughly calibrated",
  // Calibrated intervals on average are not enough for uncertainty sampling: the std must rank
  // the responses by how wrong the proxy is.
  std_tracks_error: e.std_error_spearman === null ? "n/a (constant)" : e.std_error_spearman > 0.3 ? "yes" : e.std_error_spearman > 0.1 ? "weakly" : "no",
});
const danfo = proxyrm.loadDanfo();
new danfo.DataFrame([check("on-policy proxy", cal.data.proxy), ...(cal.data.offpolicy ? [check("off-policy (seed EFT)", cal.data.offpolicy)] : [])])
"""),
    md("""
The same check as a plot of our own: held-out responses sorted by the proxy's std, in five
bins, with the mean |error| of each bin. A proxy whose std tracks its error gives a rising line.
"""),
    code("""
const e = cal.data.proxy;
const gold = cal.data.heldout.gold;
const order = e.std.map((_, i) => i).sort((a, b) => e.std[a] - e.std[b]);
const bins = 5;
const rows = Array.from({ length: bins }, (_, b) => {
  const idx = order.slice(Math.floor((b * order.length) / bins), Math.floor(((b + 1) * order.length) / bins));
  const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / Math.max(1, xs.length);
  return { std: mean(idx.map((i) => e.std[i])), abs_error: mean(idx.map((i) => Math.abs(e.mean[i] - gold[i]))), n: idx.length };
});
const stdVsError = proxyrm.plot({
  data: [
    { type: "scatter", mode: "lines+markers", name: "mean |error| per std bin", x: rows.map((r) => r.std), y: rows.map((r) => r.abs_error) },
    { type: "scatter", mode: "lines", name: "|error| = std", x: rows.map((r) => r.std), y: rows.map((r) => r.std), line: { dash: "dot" } },
  ],
  layout: { title: { text: "Does the proxy's std track its held-out error?" }, xaxis: { title: { text: "proxy std (bin mean)" } }, yaxis: { title: { text: "mean |proxy mean - gold|" } } },
})
"""),
])

write("active-learning-ablation", [
    md("""
# Active learning ablation, live, with bands over seeds

`proxyrm.ablate` runs the strategy × budget × seed grid with the same runner as
`proxyrm ablate`: child processes, one shared M1 per seed, resumable (run the cell again after
an interrupt and only the missing cells run). The plot updates after every finished cell: each
strategy's mean over seeds with its 95% Student-t band. In JupyterLab a selector switches the
metric. Proxy-only cells (`proxyOnly: true`) stop after the proxy, so a sweep of proxy quality
takes minutes.
"""),
    code(PRESET + """
const budgets = PRESET === "tiny" ? [4, 8] : PRESET === "smoke" ? [28, 56] : [100, 200];
const sweep = await proxyrm.ablate({
  preset: PRESET,
  // tiny (the tests) runs two strategies to stay quick; smoke and default run three.
  strategies: PRESET === "tiny" ? ["random", "uncertainty"] : ["random", "coreset-eft", "uncertainty"],
  budgets,
  seeds: 3,
  seed: 301,
  proxyOnly: true,
  metric: "proxy_spearman",
  out: `runs/ablation-${PRESET}`,
});
"""),
    md("""
**Reading it:** three seeds give wide bands; overlapping bands are not evidence of no
difference (docs/statistics.md: paired differences per seed, Holm, equivalence margins). The
table below is the sweep's final numbers per strategy and budget.
"""),
    code("""
const danfo = proxyrm.loadDanfo();
new danfo.DataFrame(sweep.data.bands.filter((b) => b.metric === "proxy_spearman" || b.metric === "proxy_ece"))
"""),
])
