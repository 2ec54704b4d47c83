/// <reference lib="dom" />
/**
 * Screenshots of every proxyrm view in the lab, for docs/lab/ and the README:
 *
 *   npm run build && node --import tsx scripts/lab-screenshots.ts
 *
 * Makes a tiny run through the notebook API (tests/helpers/lab-notebook.ts, as the browser tests
 * do), saves its outputs in a notebook, serves it with `proxyrm lab`, and shoots each output in
 * the light theme, plus the uncertainty explorer and calibration in the dark theme.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { capturePayloads, notebook } from "../tests/helpers/lab-notebook";
import { ROOT, openBrowser, openNotebook, startLab } from "../tests/helpers/lab-browser";

const OUT = path.join(ROOT, "docs", "lab");
const DARK = ["uncertainty", "calibration"];

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(ROOT, "notebooks", ".test-shots-"));
  const lab = { stop: async () => undefined } as { stop: () => Promise<void> };
  let session: Awaited<ReturnType<typeof openBrowser>> | null = null;
  try {
    const captured = await capturePayloads(dir);
    const kinds = [...captured.byKind.keys()];
    // The live-progress view: a mid-run update of the sft call, with its loss so far.
    const progress = captured.progress.filter((p) => (p.current as { label?: string } | null)?.label === "sft");
    const cells = kinds.map((k) => ({ source: `// ${k}`, outputs: [[k, k === "progress" && progress.length ? progress[progress.length - 1] : captured.byKind.get(k)!]] as [string, Record<string, unknown>][] }));
    fs.writeFileSync(path.join(dir, "views.ipynb"), notebook(cells));
    Object.assign(lab, await startLab(dir));
    session = await openBrowser();
    const { page } = session;
    // Tall enough that the longest view (calibration) fits without the status bar over it.
    await page.setViewportSize({ width: 1280, height: 2400 });
    await openNotebook(page, lab as never, "views.ipynb");
    await page.waitForFunction((n) => document.querySelectorAll('.jp-ProxyrmOutput[data-proxyrm-rendered="true"]').length >= n, kinds.length, { timeout: 180_000 });
    fs.mkdirSync(OUT, { recursive: true });
    const shoot = async (kind: string, file: string) => {
      const handle = await page.$(`.jp-ProxyrmOutput[data-proxyrm-kind="${kind}"]`);
      await handle!.scrollIntoViewIfNeeded();
      await page.waitForTimeout(300);
      await handle!.screenshot({ path: path.join(OUT, file) });
      process.stdout.write(`docs/lab/${file}\n`);
    };
    for (const kind of kinds) await shoot(kind, `${kind}.png`);
    await page.evaluate(() => (window as unknown as { jupyterapp: { commands: { execute: (c: string, a: unknown) => Promise<void> } } }).jupyterapp.commands.execute("apputils:change-theme", { theme: "JupyterLab Dark" }));
    await page.waitForFunction(() => document.body.dataset.jpThemeLight === "false", null, { timeout: 30_000 });
    await page.waitForTimeout(1500);
    for (const kind of DARK) await shoot(kind, `${kind}-dark.png`);
  } finally {
    await session?.browser.close();
    await lab.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
