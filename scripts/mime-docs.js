// Regenerates docs/mime.md from kernel-ext/schemas and a tiny run's real payloads: node scripts/mime-docs.js (after npm run build).
const fs = require("fs"), path = require("path");
const k = require(path.join(__dirname, "..", "kernel-ext", "dist", "index.js"));
const nb = k.proxyrm;
const ROOT = path.join(__dirname, "..");
const WORK = path.join(require("os").tmpdir(), "proxyrm-mime-docs");
const progress = [];
k.setDisplaySink({ display(b) { const p = b[nb.mimeType("progress")]; if (p) progress.push(p); }, clearOutput() {} });
const cut = (v) => {
  if (Array.isArray(v)) return (v.length > 6 ? v.slice(0, 3) : v).map(cut);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([a, b]) => [a, cut(b)]));
  if (typeof v === "string" && v.length > 90) return v.slice(0, 87) + "...";
  return v;
};
(async () => {
  fs.rmSync(path.join(WORK, "runs"), { recursive: true, force: true });
  fs.mkdirSync(WORK, { recursive: true });
  process.chdir(WORK);
  const run = await nb.open({ preset: "tiny", seed: 1, out: "runs/nb" });
  const ex = {};
  ex.run = k.toMimeBundle(run)[nb.mimeType("run")];
  for (const [stage, kind] of [["sft","sft"],["generate","generate"],["embed","embed"],["select","selection"],["label","labels"],["score","proxy"],["pairs","pairs"],["dpo","dpo"],["eval","metrics"]]) {
    const r = await run[stage]();
    ex[kind] = r.data;
  }
  ex.progress = progress.find((p) => p.current && p.current.label === "sft" && p.current.done > 0) || progress.find((p) => p.current);
  ex.table = k.toMimeBundle(run.table("labels"))[nb.mimeType("table")];
  const pay = (v) => { const b = k.toMimeBundle(v); return b[Object.keys(b).find((t) => t.startsWith("application/vnd.proxyrm."))]; };
  ex.uncertainty = pay(await run.explore({ display: false }));
  ex.calibration = pay(await run.calibration({ display: false }));
  ex.ledger = pay(run.ledger());
  ex.training = pay(run.curves());
  run.close();
  const human = await nb.open({ preset: "tiny", seed: 1, out: "runs/human", config: { oracle: { kind: "human", person: "alice" }, baselines: false } });
  ex["label-widget"] = pay(await human.labelWidget({ display: false }));
  human.close();
  ex.ablation = (await nb.ablate({ preset: "tiny", strategies: ["random", "uncertainty"], budgets: [4], seeds: 1, seed: 1, proxyOnly: true, out: "runs/sweep", display: false })).data;
  const intro = fs.readFileSync(path.join(__dirname, "mime-docs", "intro.md"), "utf8");
  const when = JSON.parse(fs.readFileSync(path.join(__dirname, "mime-docs", "when.json"), "utf8"));
  let out = intro;
  for (const kind of nb.KINDS) {
    const schema = JSON.parse(fs.readFileSync(path.join(ROOT, "kernel-ext/schemas", `${kind}.schema.json`), "utf8"));
    out += `\n## \`${nb.mimeType(kind)}\`\n\n${schema.description}\n\n${when[kind]}\n\n`;
    out += `<details><summary>Schema: <code>kernel-ext/schemas/${kind}.schema.json</code></summary>\n\n\`\`\`json\n${JSON.stringify(schema, null, 2)}\n\`\`\`\n\n</details>\n\n`;
    out += `Example (from \`proxyrm.open({ preset: "tiny", seed: 1, out: "runs/nb" })\`; long arrays cut to their first items, long strings shortened):\n\n\`\`\`json\n${JSON.stringify(cut(ex[kind]), null, 2)}\n\`\`\`\n`;
  }
  fs.writeFileSync(path.join(ROOT, "docs/mime.md"), out);
  console.log("ok", out.length);
})().catch((e) => { console.error(e); process.exit(1); });
