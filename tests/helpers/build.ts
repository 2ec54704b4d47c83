/**
 * Compiles the workspaces (tsc -b) with the project's TypeScript. Not `npx tsc`: tslab's
 * TypeScript fork also ships a `tsc` bin and npm may link that one into node_modules/.bin.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

export const ROOT = path.join(__dirname, "..", "..");

export function build(): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-b"], { cwd: ROOT, encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}
