/**
 * tslab's TypeScript converter, built lazily, converting each cell one step ahead of tslab's
 * executor.
 *
 * Lazily: building it (TypeScript type-checking lib.*.d.ts and @types/node) takes a second or
 * more; stock tslab does it before binding its sockets, so kernel_info waits for it. Here the
 * kernel binds and answers first, and main.ts starts the build right after the first
 * kernel_info reply (a cell that arrives earlier builds it itself). It stays on the kernel's
 * thread: a converter in a worker costs two thread hand-offs per cell, which on a busy machine
 * made every cell slower than tslab's.
 *
 * Ahead: `prepare` converts a cell before the executor runs it, so the kernel can let a SIGINT
 * that arrived during a long compile reach its handler first. (Node drops such a signal once
 * vm's breakOnSigint swaps the SIGINT listeners, which tslab's executor does right after its
 * own convert call.) The executor's call then gets the prepared result.
 */
import type { Converter, ConvertResult, SideOutput } from "tslab/dist/converter";
import type { ConverterSet } from "tslab/dist/executor";
import { aliasKernelPackageForTypes } from "./module-alias";
import { installWatchGuard } from "./watch-guard";

export interface LazyConverters {
  /** What tslab's createExecutor takes. */
  converters: ConverterSet;
  /** Builds the Node converter now unless it is built (blocking). Never throws: a failed build is reported by the next call. */
  build(): void;
  /** Converts a cell ahead of the executor's call. */
  prepare(src: string): void;
  /** After each executor.execute: whether it succeeded, so `prepare` can predict tslab's declarations. */
  cellFinished(ok: boolean): void;
}

/** `blocked` brackets every converter call (the control thread must not stop those). */
export function createLazyConverters(blocked: (busy: boolean) => void = () => undefined): LazyConverters {
  const built = new Map<"node" | "browser", Converter>();
  const get = (kind: "node" | "browser"): Converter => {
    let conv = built.get(kind);
    if (!conv) {
      if (built.size === 0) {
        aliasKernelPackageForTypes();
        installWatchGuard();
      }
      // Loaded on first use: TypeScript's compiler is the heaviest thing the kernel loads.
      const { createConverter } = require("tslab/dist/converter") as typeof import("tslab/dist/converter");
      conv = createConverter({ isJS: false, isBrowser: kind === "browser" });
      built.set(kind, conv);
    }
    return conv;
  };
  const guarded = <T>(fn: () => T): T => {
    blocked(true);
    try {
      return fn();
    } finally {
      blocked(false);
    }
  };

  // tslab's executor keeps the previous cells' declarations (prevDecl) to itself; it passes
  // them to every convert call and, after a cell, keeps the call's declOutput when the cell
  // succeeded and the old value when it failed. Mirroring that predicts the next prevDecl, so
  // `prepare` converts exactly what the executor will ask for. A wrong guess costs one
  // conversion more.
  let prevDecl = "";
  let lastCall: { prevDecl: string; declOutput?: string; clean: boolean } | null = null;
  let prepared: { prevDecl: string; src: string; result: ConvertResult } | null = null;
  // The converter emits a local .ts module a cell imports only once: side outputs of a prepared
  // result that is never used pass on to the next result the executor gets.
  let undelivered: SideOutput[] = [];
  const discardPrepared = () => {
    if (prepared) undelivered.push(...(prepared.result.sideOutputs ?? []));
    prepared = null;
  };

  const convertNode = (decls: string, src: string): ConvertResult => {
    const hit = prepared && prepared.prevDecl === decls && prepared.src === src ? prepared.result : null;
    if (hit) prepared = null;
    else discardPrepared();
    let result = hit ?? guarded(() => get("node").convert(decls, src));
    if (undelivered.length > 0) {
      const byPath = new Map([...undelivered, ...(result.sideOutputs ?? [])].map((out) => [out.path, out]));
      undelivered = [];
      result = { ...result, sideOutputs: [...byPath.values()].sort((a, b) => a.path.localeCompare(b.path)) };
    }
    lastCall = { prevDecl: decls, declOutput: result.declOutput, clean: result.diagnostics.length === 0 };
    return result;
  };

  const lazy = (kind: "node" | "browser"): Converter => ({
    convert: (decls, src) => (kind === "node" ? convertNode(decls, src) : guarded(() => get(kind).convert(decls, src))),
    inspect: (decls, src, position) => guarded(() => get(kind).inspect(decls, src, position)),
    complete: (decls, src, position) => guarded(() => get(kind).complete(decls, src, position)),
    addModule: (name, content, meta) => guarded(() => get(kind).addModule(name, content, meta)),
    close: () => built.get(kind)?.close(),
  });

  return {
    converters: {
      node: lazy("node"),
      browser: lazy("browser"),
      close: () => {
        for (const conv of built.values()) conv.close();
      },
    },
    build: () => {
      try {
        guarded(() => get("node"));
      } catch {
        // The cell or completion that needs the converter reports the failure with its stack.
      }
    },
    prepare: (src) => {
      lastCall = null;
      discardPrepared();
      const { getCodeMetadata } = require("tslab/dist/metadata") as typeof import("tslab/dist/metadata");
      // `/** @module */` and `/** @browser */` cells do not go through the Node converter's convert.
      const meta = getCodeMetadata(src);
      if (meta.module || meta.mode === "browser") return;
      try {
        prepared = { prevDecl, src, result: guarded(() => get("node").convert(prevDecl, src)) };
      } catch {
        // Left for the executor's own call to report.
      }
    },
    cellFinished: (ok) => {
      if (lastCall) prevDecl = ok && lastCall.clean ? (lastCall.declOutput ?? "") : lastCall.prevDecl;
      lastCall = null;
    },
  };
}
