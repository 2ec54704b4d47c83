/**
 * Where `proxyrm lab` finds its two built parts, at run time: this package cannot depend on them
 * at build time (they are separate workspaces built after it), like the kernel script in cli/kernel.ts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "../errors";

export const EXTENSION_NAME = "@proxyrm/labextension";
export const HOST_NAME = "@proxyrm/labhost";

function packageDir(name: string): string {
  try {
    return path.dirname(require.resolve(`${name}/package.json`));
  } catch {
    throw new UserError(`cannot find ${name}: build this checkout with \`npm ci\` (or \`npm run build\`)`, { code: "missing-lab", blame: name });
  }
}

/** The prebuilt extension's folder (labextension/labextension), checked to be built. */
export function prebuiltExtensionDir(): string {
  const dir = path.join(packageDir(EXTENSION_NAME), "labextension");
  const manifest = path.join(dir, "package.json");
  let built = false;
  try {
    built = Boolean(JSON.parse(fs.readFileSync(manifest, "utf8"))?.jupyterlab?._build?.load);
  } catch {
    built = false;
  }
  if (!built) throw new UserError(`${dir}: the JupyterLab extension is not built; run \`npm run build\``, { code: "missing-lab", blame: manifest });
  return dir;
}

/** The host front end: lab_host.py and the bundled dist/ (static/index.html checked). */
export function labHost(): { script: string; dist: string } {
  const dir = packageDir(HOST_NAME);
  const dist = path.join(dir, "dist");
  if (!fs.existsSync(path.join(dist, "static", "index.html"))) {
    throw new UserError(`${dist}: the lab front end is not built; run \`npm run build\``, { code: "missing-lab", blame: dist });
  }
  return { script: path.join(dir, "lab_host.py"), dist };
}
