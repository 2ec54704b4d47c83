/**
 * The backend selector (src/backend.ts) with simulated loaders: tfjs-node-gpu missing, broken,
 * or loading without registering a "tensorflow" backend (the @tensorflow/tfjs-node in
 * node_modules is danfo's alias of plain tfjs: the real case). A failed installed backend
 * falls back with exactly one warning line; a forced one that cannot run is a one-line
 * UserError. The real tfjs is used throughout: wasm and cpu always load.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type * as TF from "@tensorflow/tfjs";
import { AUTO_ORDER, BACKENDS, BackendUnavailableError, activate, asBackendName, loadTf, tensorflowLoader, type BackendLoader } from "../src/backend";
import { UserError } from "../src/errors";

const tfjs = require("@tensorflow/tfjs") as typeof TF;

/** A module loader whose every require throws `err` (what Node throws for that case). */
const throwing = (err: Error) => () => {
  throw err;
};
const notFound = (id: string) => Object.assign(new Error(`Cannot find module '${id}'\nRequire stack:\n- /x/backend.js`), { code: "MODULE_NOT_FOUND" });

const SIMULATED: Record<string, { loader: BackendLoader; warns: RegExp | null }> = {
  "tfjs-node-gpu not installed": { loader: tensorflowLoader(throwing(notFound("@tensorflow/tfjs-node-gpu"))), warns: null },
  "libtensorflow fails to load": {
    loader: tensorflowLoader(throwing(new Error("libtensorflow.so.2: cannot open shared object file: No such file or directory\n    at Module._extensions"))),
    warns: /^proxyrm: warning: tensorflow failed \(libtensorflow\.so\.2: cannot open shared object file: No such file or directory\); using wasm$/,
  },
  "a dependency of tfjs-node-gpu is missing": {
    loader: tensorflowLoader(throwing(notFound("@mapbox/node-pre-gyp"))),
    warns: /^proxyrm: warning: tensorflow failed \(Cannot find module '@mapbox\/node-pre-gyp'\); using wasm$/,
  },
  "the module loads but registers no tensorflow backend (danfo's alias)": {
    loader: tensorflowLoader(require, "@tensorflow/tfjs-node"),
    warns: /^proxyrm: warning: tensorflow failed \(the module registered no "tensorflow" backend\); using wasm$/,
  },
};

describe("loadTf with no backend forced", () => {
  for (const [name, { loader, warns }] of Object.entries(SIMULATED)) {
    it(`${name}: falls back to wasm${warns ? " with one warning line" : " silently"}`, async () => {
      const lines: string[] = [];
      const { tf, backend } = await loadTf(undefined, { loaders: { tensorflow: loader }, warn: (l) => lines.push(l) });
      assert.equal(backend, "wasm");
      assert.equal(tf.getBackend(), "wasm");
      if (warns) {
        assert.equal(lines.length, 1, lines.join("\n"));
        assert.match(lines[0], warns);
      } else {
        assert.deepEqual(lines, []);
      }
    });
  }

  it("tensorflow and wasm both broken: one line naming both, then cpu", async () => {
    const lines: string[] = [];
    const { backend } = await loadTf(undefined, {
      loaders: { tensorflow: SIMULATED["libtensorflow fails to load"].loader, wasm: throwing(new Error("WebAssembly.instantiate(): out of memory")) as BackendLoader },
      warn: (l) => lines.push(l),
    });
    assert.equal(backend, "cpu");
    assert.equal(lines.length, 1);
    assert.match(lines[0], /tensorflow failed \(libtensorflow.*\); wasm failed \(WebAssembly\.instantiate\(\): out of memory\); using cpu$/);
  });

  it("nothing loads: an error naming every failure", async () => {
    const broken = throwing(new Error("boom")) as BackendLoader;
    await assert.rejects(
      loadTf(undefined, { loaders: { tensorflow: broken, wasm: broken, cpu: broken } }),
      /no TensorFlow\.js backend could be initialised: tensorflow failed \(boom\); wasm failed \(boom\); cpu failed \(boom\)/,
    );
  });

  it("webgpu is opt-in: never tried unless forced", async () => {
    assert.deepEqual(AUTO_ORDER, ["tensorflow", "wasm", "cpu"]);
    let tried = false;
    await loadTf(undefined, {
      loaders: {
        tensorflow: SIMULATED["tfjs-node-gpu not installed"].loader,
        webgpu: async () => {
          tried = true;
          throw new Error("must not be called");
        },
      },
    });
    assert.equal(tried, false);
  });
});

describe("loadTf with a forced backend", () => {
  for (const [name, { loader }] of Object.entries(SIMULATED)) {
    it(`tensorflow when ${name}: a one-line BackendUnavailableError`, async () => {
      await assert.rejects(loadTf("tensorflow", { loaders: { tensorflow: loader } }), (err: unknown) => {
        assert.ok(err instanceof BackendUnavailableError && err instanceof UserError);
        assert.equal(err.code, "backend-unavailable");
        assert.match(err.message, /^--backend tensorflow: unavailable: .+; install @tensorflow\/tfjs-node-gpu 4\.22\.0 with CUDA/);
        assert.ok(!err.message.includes("\n"), err.message);
        return true;
      });
    });
  }

  for (const name of ["wasm", "cpu"] as const) {
    it(`${name} loads and is what tfjs runs on`, async () => {
      const { tf, backend } = await loadTf(name);
      assert.equal(backend, name);
      assert.equal(tf.getBackend(), name);
    });
  }

  it("webgpu: runs on webgpu where Dawn finds an adapter, else one line saying why", async () => {
    let result: { backend: string } | undefined;
    try {
      result = await loadTf("webgpu");
    } catch (err) {
      assert.ok(err instanceof BackendUnavailableError, String(err));
      assert.match(err.message, /^--backend webgpu: unavailable: (Dawn found no GPU adapter|the webgpu package)/);
      assert.ok(!err.message.includes("\n"), err.message);
    }
    if (result) assert.equal(result.backend, "webgpu");
    await loadTf("wasm"); // leave the default for whatever runs next
  });
});

describe("activate", () => {
  it("refuses a backend whose factory fails, and leaves tfjs on the one it had", async () => {
    await tfjs.setBackend("cpu");
    tfjs.registerBackend("proxyrm-test-broken", () => {
      throw new Error("no device");
    });
    try {
      await assert.rejects(activate(tfjs, "proxyrm-test-broken" as never), /^Error: the "proxyrm-test-broken" backend failed to initialise: Error: no device$/m);
      assert.equal(tfjs.getBackend(), "cpu");
    } finally {
      tfjs.removeBackend("proxyrm-test-broken");
    }
  });

  it("refuses a name nothing registered", async () => {
    await assert.rejects(activate(tfjs, "tensorflow"), /registered no "tensorflow" backend/);
  });
});

describe("asBackendName", () => {
  it("accepts exactly the backend names", () => {
    for (const name of BACKENDS) assert.equal(asBackendName(name), name);
    for (const bad of ["metal", "", "WASM", 3, undefined]) assert.equal(asBackendName(bad), undefined);
  });
});
