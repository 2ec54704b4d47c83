/**
 * `import ... from "@proxyrm/kernel"` works in every cell, whatever the notebook's folder.
 *
 * tslab resolves imports from the kernel's working directory, so a notebook outside a project
 * that depends on @proxyrm/kernel could not import it; and a project with its own copy would
 * load a second instance, with its own comm registry and cell signal. tslab solves the same
 * problem for `import "tslab"` (forwardTslabPath and its require hook); this does it for this
 * package: cells always get the running kernel's own modules, and the type checker sees its
 * declarations.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export const KERNEL_PACKAGE = "@proxyrm/kernel";
/** kernel-ext/: this file is kernel-ext/dist/kernel/module-alias.js. */
const PACKAGE_ROOT = path.resolve(__dirname, "..", "..");

/** `@proxyrm/kernel` or `@proxyrm/kernel/sub/path` -> the file in this package, else null. */
export function resolveKernelModule(id: string): string | null {
  if (id !== KERNEL_PACKAGE && !id.startsWith(`${KERNEL_PACKAGE}/`)) return null;
  return require.resolve(PACKAGE_ROOT + id.slice(KERNEL_PACKAGE.length));
}

interface TslabGlobal {
  __tslab__?: { require: NodeJS.Require };
}

/** After tslab's createExecutor: cells' require("@proxyrm/kernel") -> this package. */
export function aliasKernelPackageForRequire(): void {
  const holder = (globalThis as TslabGlobal).__tslab__;
  if (!holder) throw new Error("tslab's executor is not set up (globalThis.__tslab__ missing)");
  const original = holder.require;
  holder.require = new Proxy(original, {
    apply(target, thisArg, args: unknown[]) {
      const file = args.length === 1 && typeof args[0] === "string" ? resolveKernelModule(args[0]) : null;
      return file ? require(file) : Reflect.apply(target, thisArg, args);
    },
  });
}

/**
 * Before the converter is built: when the working directory has no
 * node_modules/@proxyrm/kernel, the type checker's file system shows this package there
 * (tslab's own forwardTslabPath does the same for node_modules/tslab). realpath maps back to
 * the real files, so their own imports ("proxyrm", "apache-arrow") resolve next to them.
 */
export function aliasKernelPackageForTypes(cwd = process.cwd()): void {
  const virtualRoot = path.join(cwd, "node_modules", ...KERNEL_PACKAGE.split("/"));
  if (fs.existsSync(virtualRoot)) return;
  const tsPath = require.resolve("@tslab/typescript-for-tslab", { paths: [path.dirname(require.resolve("tslab/dist/converter"))] });
  const sys = (require(tsPath) as typeof import("@tslab/typescript-for-tslab")).sys;
  const scopeDir = path.dirname(virtualRoot);
  const forward = (p: string): string => {
    if (p === virtualRoot || p.startsWith(virtualRoot + path.sep)) return PACKAGE_ROOT + p.slice(virtualRoot.length);
    return p;
  };
  const { fileExists, readFile, directoryExists, readDirectory, getDirectories } = sys;
  const realpath = sys.realpath;
  sys.fileExists = (p) => fileExists.call(sys, forward(p));
  sys.readFile = (p, encoding) => readFile.call(sys, forward(p), encoding);
  sys.directoryExists = (p) => p === scopeDir || directoryExists.call(sys, forward(p));
  sys.readDirectory = (p, ...rest) => readDirectory.call(sys, forward(p), ...rest);
  sys.getDirectories = (p) => (p === scopeDir ? ["kernel"] : getDirectories.call(sys, forward(p)));
  sys.realpath = (p) => {
    const target = forward(p);
    return realpath ? realpath.call(sys, target) : target;
  };
}
