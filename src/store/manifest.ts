/**
 * manifest.json of a run directory: the resolved config (never a secret), seed, versions,
 * backend, and which stages are done. A rerun with a different config is refused; a rerun of a
 * finished run writes nothing.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { BadFileError, UserError } from "../errors";
import { writeFileAtomic } from "./atomic";

export const MANIFEST_FILE = "manifest.json";

export interface StageRecord {
  status: "done";
  seconds: number;
}

export interface Manifest {
  proxyrm: string;
  seed: number;
  backend: string;
  versions: Record<string, string>;
  config: unknown;
  /** sha256 of input files the config names (a user's prompt pool), so a changed file is noticed. */
  inputs?: Record<string, string>;
  stages: Record<string, StageRecord>;
}

/** Canonical JSON (sorted keys) so config comparison ignores key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function readManifest(dir: string): Manifest | undefined {
  const file = path.join(dir, MANIFEST_FILE);
  if (!fs.existsSync(file)) return undefined;
  try {
    const m = JSON.parse(fs.readFileSync(file, "utf8")) as Manifest;
    if (typeof m !== "object" || m === null || typeof m.stages !== "object") throw new Error("no stages");
    return m;
  } catch (err) {
    throw new BadFileError(file, `not a proxyrm manifest (${(err as Error).message})`);
  }
}

export function writeManifest(dir: string, manifest: Manifest): void {
  writeFileAtomic(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Refuses to resume a run directory that was made with another config. */
export function checkSameConfig(dir: string, manifest: Manifest, config: unknown): void {
  const a = JSON.parse(canonicalJson(manifest.config)) as Record<string, unknown>;
  const b = JSON.parse(canonicalJson(config)) as Record<string, unknown>;
  if (canonicalJson(a) === canonicalJson(b)) return;
  const diff = firstDifference(a, b, "");
  throw new UserError(
    `${dir} was made with a different config (${diff}); use another --out or the same settings`,
    { code: "config-mismatch", blame: dir },
  );
}

function firstDifference(a: unknown, b: unknown, where: string): string {
  if (a && b && typeof a === "object" && typeof b === "object") {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      const ka = (a as Record<string, unknown>)[k];
      const kb = (b as Record<string, unknown>)[k];
      if (canonicalJson(ka) !== canonicalJson(kb)) return firstDifference(ka, kb, where ? `${where}.${k}` : k);
    }
  }
  return `${where || "config"}: ${JSON.stringify(a)} there, ${JSON.stringify(b)} now`;
}
