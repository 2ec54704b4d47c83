/**
 * `proxyrm lab [--port P] [--token T] [--no-browser]`: JupyterLab 4 on 127.0.0.1 with the proxyrm
 * renderers and kernel (src/lab/server.ts); `proxyrm lab install [--prefix DIR]` puts both where
 * an existing JupyterLab 4 finds them.
 */
import * as path from "node:path";
import type { Command } from "commander";
import { BadOptionError } from "../errors";
import { jupyterDataDir } from "./kernel";
import { parseInteger } from "./options";

interface LabFlags {
  port: number;
  token?: string;
  browser: boolean;
  notebookDir: string;
}

export function registerLab(program: Command): void {
  const lab = program
    .command("lab")
    .description("open the notebooks in JupyterLab 4 with the proxyrm renderers and kernel (127.0.0.1, token)")
    .option("--port <n>", "port on 127.0.0.1", parseInteger("--port", 1, 65535), 8888)
    .option("--token <token>", "token the browser must present (default: PROXYRM_LAB_TOKEN, else a random one, printed)")
    .option("--no-browser", "do not open a browser")
    .option("--notebook-dir <dir>", "folder the lab serves", "notebooks")
    .action(async (flags: LabFlags) => {
      const supplied = flags.token ?? process.env.PROXYRM_LAB_TOKEN;
      if (supplied !== undefined && !/^[A-Za-z0-9._~-]{8,}$/.test(supplied)) throw new BadOptionError("--token", "must be at least 8 characters of A-Z a-z 0-9 . _ ~ -");
      const { runLab } = await import("../lab/server");
      const code = await runLab(
        {
          port: flags.port,
          token: supplied,
          openBrowser: flags.browser,
          notebookDir: flags.notebookDir,
          stateDir: path.join(".jupyter", "lab"),
          python: process.env.PROXYRM_LAB_PYTHON ?? "/usr/bin/python3",
        },
        (line) => process.stdout.write(`${line}\n`),
      );
      process.exitCode = code === 0 || code === 143 || code === 130 ? 0 : code;
    });
  lab
    .command("install")
    .description("install the JupyterLab extension and the proxyrm kernelspec for an existing JupyterLab 4")
    .option("--prefix <dir>", "install under DIR/share/jupyter (default: Jupyter's user data folder)")
    .action(async (flags: { prefix?: string }) => {
      if (flags.prefix !== undefined && flags.prefix.trim() === "") throw new BadOptionError("--prefix", "expected a directory");
      const { installLab } = await import("../lab/install");
      const dataDir = flags.prefix !== undefined ? path.join(path.resolve(flags.prefix), "share", "jupyter") : jupyterDataDir();
      const done = installLab(dataDir);
      process.stdout.write(`installed the JupyterLab extension in ${done.extension}\ninstalled kernelspec proxyrm in ${done.kernelspec}\n`);
    });
}
