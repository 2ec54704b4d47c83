/**
 * Puts the prebuilt extension and the proxyrm kernelspec under one Jupyter data folder
 * (`<dir>/labextensions/@proxyrm/labextension`, `<dir>/kernels/proxyrm`), where JupyterLab 4 and
 * jupyter-server find them. The extension is copied to a temporary sibling and renamed into
 * place, so an interrupted install leaves the old copy or none, never half of one.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { installKernelSpec } from "../cli/kernel";
import { UserError } from "../errors";
import { EXTENSION_NAME, prebuiltExtensionDir } from "./paths";

export interface LabInstall {
  extension: string;
  kernelspec: string;
}

/** `dataDir` is a Jupyter data folder (what JUPYTER_DATA_DIR or `<prefix>/share/jupyter` names). */
export function installLab(dataDir: string): LabInstall {
  const from = prebuiltExtensionDir();
  const target = path.join(dataDir, "labextensions", ...EXTENSION_NAME.split("/"));
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.cpSync(from, tmp, { recursive: true });
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    const e = err as NodeJS.ErrnoException;
    throw new UserError(`${target}: cannot install the JupyterLab extension (${e.code ?? e.message})`, { code: "bad-file", blame: target });
  }
  // installKernelSpec's --prefix form writes <prefix>/share/jupyter/kernels; give it the data dir's prefix.
  const kernelspec = installKernelSpec({}, { ...process.env, JUPYTER_DATA_DIR: dataDir });
  return { extension: target, kernelspec };
}
