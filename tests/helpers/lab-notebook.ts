/**
 * Saved outputs for the browser tests: a tiny run made through the notebook API in this process,
 * every bundle it displays captured, and written as an .ipynb whose cells carry those outputs.
 * Only the proxyrm MIME part and text/plain are saved (not text/html, which inlines plotly), so
 * the lab draws each one with the extension's renderer for its kind.
 */
import * as path from "node:path";
import { setDisplaySink, type MimeBundle } from "../../kernel-ext/src/display";
import * as proxyrm from "../../kernel-ext/src/notebook";

export type Payload = Record<string, unknown>;

/** The last payload of each kind the API showed or returned, plus every progress update. */
export interface Captured {
  byKind: Map<string, Payload>;
  progress: Payload[];
}

const PROXYRM_MIME = /^application\/vnd\.proxyrm\.([a-z-]+)\+json$/;

function payloadOf(bundle: MimeBundle): [string, Payload] | null {
  for (const [mime, value] of Object.entries(bundle)) {
    const m = PROXYRM_MIME.exec(mime);
    if (m) return [m[1], JSON.parse(JSON.stringify(value)) as Payload];
  }
  return null;
}

/** Runs every stage of a tiny run in `dir` and captures each kind's payload. */
export async function capturePayloads(dir: string, seed = 1): Promise<Captured> {
  const byKind = new Map<string, Payload>();
  const progress: Payload[] = [];
  const keep = (bundle: MimeBundle) => {
    const got = payloadOf(bundle);
    if (!got) return;
    byKind.set(got[0], got[1]);
    if (got[0] === "progress") progress.push(got[1]);
  };
  setDisplaySink({ display: (bundle) => keep(bundle), clearOutput() {} });
  const run = await proxyrm.open({ preset: "tiny", seed, out: path.join(dir, "run") });
  try {
    for (const stage of ["sft", "generate", "embed", "select", "label", "fit", "score", "pairs", "dpo", "eval"] as const) {
      keep(proxyrm.toMimeBundle(await run[stage]()));
    }
    keep(proxyrm.toMimeBundle(run));
    keep(proxyrm.toMimeBundle(run.table("labels")));
    keep(proxyrm.toMimeBundle(await run.explore()));
    keep(proxyrm.toMimeBundle(await run.calibration()));
    keep(proxyrm.toMimeBundle(run.ledger()));
    keep(proxyrm.toMimeBundle(run.curves()));
  } finally {
    run.close();
  }
  const human = await proxyrm.open({ preset: "tiny", seed, out: path.join(dir, "human"), config: { oracle: { kind: "human", person: "alice" }, baselines: false } });
  try {
    keep(proxyrm.toMimeBundle(await human.labelWidget({ display: false })));
  } finally {
    human.close();
  }
  try {
    // Two proxy-only cells: the smallest sweep that has bands to draw.
    keep(proxyrm.toMimeBundle(await proxyrm.ablate({ preset: "tiny", strategies: ["random", "coreset-eft"], budgets: [4], seeds: 1, seed, proxyOnly: true, out: path.join(dir, "sweep"), jobs: 2, display: false })));
  } finally {
    setDisplaySink(undefined);
  }
  return { byKind, progress };
}

export const mimeOf = (kind: string) => `application/vnd.proxyrm.${kind}+json`;

export interface Cell {
  source: string;
  /** Saved display_data outputs: [kind, payload]. */
  outputs?: [string, Payload][];
}

/** An nbformat 4.5 notebook for the proxyrm kernel. */
export function notebook(cells: Cell[]): string {
  return `${JSON.stringify(
    {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {
        kernelspec: { name: "proxyrm", display_name: "TypeScript (proxyrm)", language: "typescript" },
        language_info: { name: "typescript" },
      },
      cells: cells.map((c, i) => ({
        id: `cell-${i}`,
        cell_type: "code",
        metadata: {},
        execution_count: c.outputs?.length ? i + 1 : null,
        source: c.source,
        outputs: (c.outputs ?? []).map(([kind, payload]) => ({
          output_type: "display_data",
          metadata: {},
          data: { [mimeOf(kind)]: payload, "text/plain": `proxyrm ${kind}` },
        })),
      })),
    },
    null,
    1,
  )}\n`;
}
