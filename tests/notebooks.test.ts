/**
 * Every notebook in notebooks/ runs top to bottom on the built-in world (tiny preset) through
 * nbclient and the real proxyrm kernel, with no error output, and its stage results carry the
 * proxyrm MIME types with text/html and text/plain fallbacks.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT, build } from "./helpers/build";

const NOTEBOOKS = path.join(ROOT, "notebooks");
const PYTHON = "/usr/bin/python3"; // Debian's, with jupyter-client and nbclient

interface Output {
  type: string;
  mime: string[];
  name: string | null;
  ename: string | null;
}

let tmp: string;
let env: NodeJS.ProcessEnv;

before(() => {
  const built = build();
  assert.equal(built.status, 0, built.output);
  // Inside the repo, so the notebooks resolve @proxyrm/kernel (and name its types) as users' do.
  tmp = fs.mkdtempSync(path.join(NOTEBOOKS, ".test-"));
  const prefix = path.join(tmp, "jupyter");
  const install = spawnSync(process.execPath, [path.join(ROOT, "src", "bin", "proxyrm.js"), "kernel", "install", "--prefix", prefix], { encoding: "utf8" });
  assert.equal(install.status, 0, install.stderr);
  env = { ...process.env, JUPYTER_PATH: path.join(prefix, "share", "jupyter"), PROXYRM_NOTEBOOK_PRESET: "tiny" };
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const notebooks = fs.readdirSync(NOTEBOOKS).filter((f) => f.endsWith(".ipynb")).sort();

describe("notebooks", () => {
  it("there are the six the docs promise", () => {
    assert.deepEqual(notebooks, ["active-learning-ablation.ipynb", "bring-your-own-endpoint.ipynb", "calibration.ipynb", "on-policy-vs-off-policy.ipynb", "quickstart.ipynb", "teaching.ipynb"]);
  });

  it("notebooks import only public API (the packages proxyrm and @proxyrm/kernel), never dist/ internals", () => {
    for (const name of notebooks) {
      const cells = (JSON.parse(fs.readFileSync(path.join(NOTEBOOKS, name), "utf8")) as { cells: { source: string[] | string }[] }).cells;
      const code = cells.map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source)).join("\n");
      const modules = [...code.matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1]);
      for (const module of modules) assert.ok(["proxyrm", "@proxyrm/kernel"].includes(module) || module.startsWith("node:"), `${name} imports ${module}`);
    }
  });

  for (const name of notebooks) {
    it(`${name} runs top to bottom with proxyrm outputs and fallbacks`, () => {
      const copy = path.join(tmp, name);
      fs.copyFileSync(path.join(NOTEBOOKS, name), copy);
      const r = spawnSync(PYTHON, [path.join(__dirname, "notebooks", "run_notebook.py"), copy, `${copy}.out.ipynb`], { cwd: tmp, env, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr.slice(-3000));
      const cells = JSON.parse(r.stdout.trim().split("\n").pop()!) as Output[][];
      const outputs = cells.flat();
      assert.ok(!outputs.some((o) => o.type === "error"), JSON.stringify(outputs.filter((o) => o.type === "error")));
      assert.ok(!outputs.some((o) => o.type === "stream" && o.name === "stderr"), "a cell wrote to stderr");
      const rich = outputs.filter((o) => o.mime.some((m) => m.startsWith("application/vnd.proxyrm.") || m === "application/vnd.plotly.v1+json"));
      assert.ok(rich.length > 0, `no proxyrm output in ${name}`);
      for (const o of rich) {
        assert.ok(o.mime.includes("text/html") && o.mime.includes("text/plain"), `${name}: ${o.mime.join(", ")} lacks a fallback`);
      }
    });
  }
});
