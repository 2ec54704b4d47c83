/**
 * `proxyrm kernel install [--user | --prefix DIR]`: writes the `proxyrm` kernelspec itself,
 * kernel.json plus logos, so it works whichever python3 (or none) is first on PATH.
 *
 * The kernel script is @proxyrm/kernel's dist/kernel/main.js, found at run time (this package
 * cannot depend on the kernel package at build time: the kernel depends on it).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Command } from "commander";
import { BadOptionError, UserError } from "../errors";

export const KERNEL_NAME = "proxyrm";
export const KERNEL_SCRIPT = "@proxyrm/kernel/dist/kernel/main.js";

export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode: "signal" | "message";
  metadata: Record<string, unknown>;
}

interface InstallFlags {
  user?: boolean;
  prefix?: string;
}

export function registerKernel(program: Command): void {
  const kernel = program
    .command("kernel")
    .description("The proxyrm Jupyter kernel (TypeScript, on tslab)")
    .action(() => kernel.help());
  kernel
    .command("install")
    .description(`Install the "${KERNEL_NAME}" kernelspec for Jupyter (default: --user)`)
    .option("--user", "install for the current user (Jupyter's user data directory)")
    .option("--prefix <dir>", "install into DIR/share/jupyter/kernels/proxyrm (then JUPYTER_PATH=DIR/share/jupyter)")
    .action((flags: InstallFlags) => {
      const dir = installKernelSpec(flags);
      process.stdout.write(`installed kernelspec ${KERNEL_NAME} in ${dir}\n`);
    });
}

/** Writes the kernelspec and returns its directory. */
export function installKernelSpec(flags: InstallFlags, env: NodeJS.ProcessEnv = process.env): string {
  if (flags.user && flags.prefix !== undefined) throw new BadOptionError("--prefix", "give either --user or --prefix, not both");
  if (flags.prefix !== undefined && flags.prefix.trim() === "") throw new BadOptionError("--prefix", "expected a directory");
  const kernelsDir = flags.prefix !== undefined ? path.join(path.resolve(flags.prefix), "share", "jupyter", "kernels") : path.join(jupyterDataDir(env), "kernels");
  const script = resolveKernelScript();
  const dir = path.join(kernelsDir, KERNEL_NAME);
  const logoDir = path.join(path.dirname(script), "..", "..", "logo");
  const spec: KernelSpec = {
    argv: [process.execPath, script, "{connection_file}"],
    display_name: "TypeScript (proxyrm)",
    language: "typescript",
    interrupt_mode: "signal",
    metadata: { debugger: false },
  };
  try {
    fs.mkdirSync(dir, { recursive: true });
    writeAtomic(path.join(dir, "kernel.json"), `${JSON.stringify(spec, null, 2)}\n`);
    for (const logo of ["logo-32x32.png", "logo-64x64.png", "logo-svg.svg"]) {
      const from = path.join(logoDir, logo);
      if (fs.existsSync(from)) writeAtomic(path.join(dir, logo), fs.readFileSync(from));
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UserError(`${dir}: cannot write the kernelspec (${e.code ?? e.message})`, { code: "bad-file", blame: dir });
  }
  return dir;
}

/** The kernel's entry script, absolute; a UserError when @proxyrm/kernel is missing or unbuilt. */
export function resolveKernelScript(): string {
  try {
    return require.resolve(KERNEL_SCRIPT);
  } catch {
    throw new UserError(`cannot find ${KERNEL_SCRIPT}: install @proxyrm/kernel, or build this checkout with \`npm run build\``, {
      code: "missing-kernel",
      blame: KERNEL_SCRIPT,
    });
  }
}

/** jupyter_core's jupyter_data_dir(): JUPYTER_DATA_DIR, else the platform's per-user data folder. */
export function jupyterDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JUPYTER_DATA_DIR) return path.resolve(env.JUPYTER_DATA_DIR);
  const home = os.homedir();
  if (process.platform === "darwin") return path.join(home, "Library", "Jupyter");
  if (process.platform === "win32") return path.join(env.APPDATA ?? path.join(home, "AppData", "Roaming"), "jupyter");
  return path.join(env.XDG_DATA_HOME || path.join(home, ".local", "share"), "jupyter");
}

function writeAtomic(file: string, data: string | Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}
