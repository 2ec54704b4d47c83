/**
 * Picks the TensorFlow.js backend. With none forced: tensorflow (tfjs-node-gpu, when the user
 * installed it and it loads) -> wasm (SIMD, ~30x the cpu backend for matmul) -> cpu. webgpu
 * (Dawn, from the `webgpu` npm package) is opt-in only, `--backend webgpu`: its training curve
 * cannot meet the 1e-3 per-step rule against wasm, nor can cpu's (docs/backends.md).
 *
 * tfjs is loaded lazily so commands that train nothing (select, export, report) start fast.
 * Loaders are injectable so tests can simulate a missing, broken or backend-less module.
 */
import type * as TF from "@tensorflow/tfjs";
import { shareIdentityOnWasm } from "./wasm-identity";
import { UserError } from "./errors";

export const BACKENDS = ["tensorflow", "webgpu", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKENDS)[number];

/** Tried in this order when no backend is forced. */
export const AUTO_ORDER: readonly BackendName[] = ["tensorflow", "wasm", "cpu"];

/** Makes one backend tfjs's current one and returns that tfjs; throws saying why it cannot. */
export type BackendLoader = () => Promise<typeof TF>;

/** The backend's module is not installed: the normal case for tfjs-node-gpu, so no warning. */
export class BackendNotInstalledError extends Error {
  constructor(what: string) {
    super(what);
    this.name = "BackendNotInstalledError";
  }
}

/** `--backend NAME` named a backend this machine cannot run. */
export class BackendUnavailableError extends UserError {
  constructor(
    readonly backend: BackendName,
    readonly why: string,
  ) {
    super(`--backend ${backend}: unavailable: ${why}${HINTS[backend] ? `; ${HINTS[backend]}` : ""}`, { code: "backend-unavailable", blame: "--backend" });
    this.name = "BackendUnavailableError";
  }
}

const HINTS: Partial<Record<BackendName, string>> = {
  tensorflow: "install @tensorflow/tfjs-node-gpu 4.22.0 with CUDA (README, \"Training on a GPU\")",
  webgpu: "it needs a GPU whose Vulkan driver Dawn accepts (docs/backends.md)",
};

export interface LoadTfOptions {
  /** Where the one fallback warning line goes (the CLI: stderr). Default: nowhere. */
  warn?: (line: string) => void;
  /** Replaces the real loaders (tests). */
  loaders?: Partial<Record<BackendName, BackendLoader>>;
}

/** Parses a backend name from a flag or config field; undefined when it is not one. */
export function asBackendName(value: unknown): BackendName | undefined {
  return typeof value === "string" && (BACKENDS as readonly string[]).includes(value) ? (value as BackendName) : undefined;
}

let loaded: { tf: typeof TF; backend: BackendName } | undefined;

/**
 * Loads tfjs and sets the backend asked for (BackendUnavailableError when it cannot run), or
 * the first of AUTO_ORDER that runs, with one warning line when an installed backend failed.
 */
export async function loadTf(prefer?: BackendName, options: LoadTfOptions = {}): Promise<{ tf: typeof TF; backend: BackendName }> {
  const loaders = { ...realLoaders, ...options.loaders };
  // The cache holds only while tfjs is still on that backend (tfjs's backend is process-global).
  if (!options.loaders && loaded && (!prefer || prefer === loaded.backend) && loaded.tf.getBackend() === loaded.backend) return loaded;
  if (prefer) {
    try {
      return remember(await loaders[prefer](), prefer, options);
    } catch (err) {
      throw new BackendUnavailableError(prefer, reason(err));
    }
  }
  const failed: string[] = [];
  for (const name of AUTO_ORDER) {
    let tf: typeof TF;
    try {
      tf = await loaders[name]();
    } catch (err) {
      if (!(err instanceof BackendNotInstalledError)) failed.push(`${name} failed (${reason(err)})`);
      continue;
    }
    if (failed.length) options.warn?.(`proxyrm: warning: ${failed.join("; ")}; using ${name}`);
    return remember(tf, name, options);
  }
  throw new Error(`no TensorFlow.js backend could be initialised: ${failed.join("; ")}`);
}

function remember(tf: typeof TF, backend: BackendName, options: LoadTfOptions): { tf: typeof TF; backend: BackendName } {
  const result = { tf, backend };
  if (!options.loaders) loaded = result; // simulated loaders must not leak into later calls
  return result;
}

/** The first line of an error, short enough for the one-line CLI message. */
function reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = text.split("\n").find((l) => l.trim() !== "")?.trim() ?? "unknown error";
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/**
 * Sets `name` on `tf` and checks it took: the @tensorflow/tfjs-node in node_modules is danfo's
 * alias of plain tfjs, which registers no "tensorflow" backend at all. When a backend's factory
 * fails, tfjs-core only console.warns the reason (a stack) and is left on no backend, so the
 * reason is caught into the error and the previous backend is put back.
 */
export async function activate(tf: typeof TF, name: BackendName): Promise<typeof TF> {
  if (!tf.findBackendFactory(name)) throw new Error(`the module registered no "${name}" backend`);
  const previous = tf.findBackend(tf.getBackend() ?? "") ? tf.getBackend() : undefined;
  const warned: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void warned.push(args.map(String).join(" "));
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
  } finally {
    console.warn = warn;
  }
  if (!ok) {
    if (previous) await tf.setBackend(previous);
    const why = warned.find((w) => !/^Initialization of backend .* failed$/.test(w));
    throw new Error(`the "${name}" backend failed to initialise${why ? `: ${why}` : ""}`);
  }
  await tf.ready();
  if (tf.getBackend() !== name) throw new Error(`tfjs runs on "${tf.getBackend()}", not "${name}"`);
  return tf;
}

/** require() that tells a module that is absent from one that is present but broken. */
function requireInstalled<T>(id: string, load: (id: string) => unknown = require): T {
  try {
    return load(id) as T;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === "MODULE_NOT_FOUND" && e.message.includes(`'${id}'`)) throw new BackendNotInstalledError(`${id} is not installed`);
    throw err;
  }
}

/**
 * The tfjs-node-gpu loader, with the module loader injectable (tests: a missing module, a
 * broken one, danfo's plain-tfjs alias). tfjs-node-gpu brings libtensorflow (CUDA) and
 * registers "tensorflow" on load; it is a manual install (README): its install script
 * downloads libtensorflow, which no package registry serves.
 */
export function tensorflowLoader(load: (id: string) => unknown = require, id = "@tensorflow/tfjs-node-gpu"): BackendLoader {
  return async () => activate(requireInstalled<typeof TF>(id, load), "tensorflow");
}

const realLoaders: Record<BackendName, BackendLoader> = {
  tensorflow: tensorflowLoader(),
  webgpu: async () => {
    // Probed in a child process first: Dawn prints its driver diagnostics straight to fd 2,
    // and a machine without an adapter should get one line from us, not Dawn's log.
    const { probeWebGpuAdapter, installNavigatorGpu } = await import("./backend-webgpu");
    await probeWebGpuAdapter();
    await installNavigatorGpu();
    requireInstalled("@tensorflow/tfjs-backend-webgpu");
    return activate(require("@tensorflow/tfjs") as typeof TF, "webgpu");
  },
  wasm: async () => {
    const tf = require("@tensorflow/tfjs") as typeof TF;
    require("@tensorflow/tfjs-backend-wasm");
    shareIdentityOnWasm(tf);
    return activate(tf, "wasm");
  },
  cpu: async () => {
    const tf = await activate(require("@tensorflow/tfjs") as typeof TF, "cpu");
    // The cpu backend's first tensor prints a 4-line banner advising tfjs-node, which here is
    // danfo's alias of plain tfjs: noise after our one fallback line, and wrong advice.
    (tf.backend() as { firstUse?: boolean }).firstUse = false;
    return tf;
  },
};
