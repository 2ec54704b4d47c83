/**
 * `proxyrm kernel install` through the real compiled bin (build first: npx tsc -b): where the
 * kernelspec lands for --prefix, --user and the default, what kernel.json says, and for bad
 * flags exit 2 with one stderr line and nothing written.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { listTree } from "./helpers/tree";

const ROOT = path.join(__dirname, "..");
const BIN = path.join(ROOT, "src", "bin", "proxyrm.js");
const KERNEL_SCRIPT = path.join(ROOT, "kernel-ext", "dist", "kernel", "main.js");
const SPEC_FILES = ["kernel.json", "logo-32x32.png", "logo-64x64.png", "logo-svg.svg"];

let dir: string;

/** The CLI with HOME pointed at `home` and no Jupyter/XDG overrides from the caller's env. */
function proxyrm(args: string[], options: { home?: string; cwd?: string; env?: Record<string, string> } = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: options.home ?? path.join(dir, "unused-home"), ...options.env };
  for (const name of ["JUPYTER_DATA_DIR", "XDG_DATA_HOME", "JUPYTER_PATH"]) if (!options.env?.[name]) delete env[name];
  const result = spawnSync(process.execPath, [BIN, "kernel", "install", ...args], { encoding: "utf8", env, cwd: options.cwd ?? ROOT });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function readSpec(specDir: string) {
  return JSON.parse(fs.readFileSync(path.join(specDir, "kernel.json"), "utf8")) as Record<string, unknown> & { argv: string[] };
}

before(() => {
  assert.ok(fs.existsSync(KERNEL_SCRIPT), `${KERNEL_SCRIPT} is missing: build with npm run build`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-kernel-install-"));
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("proxyrm kernel install: where", () => {
  const cases: { name: string; args: (d: string) => string[]; env?: (d: string) => Record<string, string>; cwd?: (d: string) => string; specDir: (d: string) => string }[] = [
    { name: "--prefix DIR", args: (d) => ["--prefix", path.join(d, "prefix")], specDir: (d) => path.join(d, "prefix", "share", "jupyter", "kernels", "proxyrm") },
    { name: "--prefix relative to the working directory", args: () => ["--prefix", "rel"], cwd: (d) => d, specDir: (d) => path.join(d, "rel", "share", "jupyter", "kernels", "proxyrm") },
    { name: "--user: ~/.local/share/jupyter", args: () => ["--user"], specDir: (d) => path.join(d, "home", ".local", "share", "jupyter", "kernels", "proxyrm") },
    { name: "no flag means --user", args: () => [], specDir: (d) => path.join(d, "home", ".local", "share", "jupyter", "kernels", "proxyrm") },
    {
      name: "--user honours JUPYTER_DATA_DIR, as jupyter does",
      args: () => ["--user"],
      env: (d) => ({ JUPYTER_DATA_DIR: path.join(d, "jdata") }),
      specDir: (d) => path.join(d, "jdata", "kernels", "proxyrm"),
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = fs.mkdtempSync(path.join(dir, "case-"));
      const result = proxyrm(c.args(d), { home: path.join(d, "home"), env: c.env?.(d), cwd: c.cwd?.(d) });
      assert.equal(result.stderr, "");
      assert.equal(result.code, 0);
      const specDir = c.specDir(d);
      assert.equal(result.stdout, `installed kernelspec proxyrm in ${specDir}\n`);
      assert.deepEqual(listTree(specDir).sort(), [...SPEC_FILES].sort());
      // Nothing outside the kernelspec folder (no temp files left behind).
      const outside = listTree(d).filter((f) => !f.endsWith("/") && !path.join(d, f).startsWith(specDir));
      assert.deepEqual(outside, []);
    });
  }
});

describe("proxyrm kernel install: kernel.json", () => {
  it("runs this node on the built kernel with absolute paths, interrupting by signal", () => {
    const prefix = path.join(dir, "spec");
    assert.equal(proxyrm(["--prefix", prefix]).code, 0);
    const spec = readSpec(path.join(prefix, "share", "jupyter", "kernels", "proxyrm"));
    assert.deepEqual(spec.argv, [process.execPath, fs.realpathSync(KERNEL_SCRIPT), "{connection_file}"]);
    assert.ok(spec.argv.slice(0, 2).every((p) => path.isAbsolute(p)));
    assert.equal(spec.display_name, "TypeScript (proxyrm)");
    assert.equal(spec.language, "typescript");
    assert.equal(spec.interrupt_mode, "signal");
  });

  it("installing again replaces the spec in place", () => {
    const prefix = path.join(dir, "again");
    const specDir = path.join(prefix, "share", "jupyter", "kernels", "proxyrm");
    assert.equal(proxyrm(["--prefix", prefix]).code, 0);
    fs.writeFileSync(path.join(specDir, "kernel.json"), "{}");
    assert.equal(proxyrm(["--prefix", prefix]).code, 0);
    assert.equal(readSpec(specDir).display_name, "TypeScript (proxyrm)");
    assert.deepEqual(listTree(specDir).sort(), [...SPEC_FILES].sort());
  });
});

describe("the kernel: a bad connection file", () => {
  it("an unsupported signature_scheme: exit 2, one stderr line naming it, no socket bound", () => {
    const connection = path.join(dir, "connection-md5.json");
    const ports = { shell_port: 0, iopub_port: 0, stdin_port: 0, control_port: 0, hb_port: 0 };
    fs.writeFileSync(connection, JSON.stringify({ ...ports, ip: "127.0.0.1", transport: "tcp", key: "k", signature_scheme: "hmac-md5", kernel_name: "proxyrm" }));
    const result = spawnSync(process.execPath, [KERNEL_SCRIPT, connection], { encoding: "utf8", timeout: 60_000 });
    assert.equal(result.status, 2, result.stderr);
    assert.equal(result.stderr.trimEnd().split("\n").length, 1, result.stderr);
    assert.match(result.stderr, /unsupported signature_scheme "hmac-md5".*hmac-sha256, hmac-sha512/);
  });
});

describe("proxyrm kernel install: bad flags", () => {
  const cases: { name: string; args: string[]; message: RegExp }[] = [
    { name: "an unknown flag", args: ["--system"], message: /^proxyrm: unknown option '--system'\n$/ },
    { name: "--user and --prefix together", args: ["--user", "--prefix", "x"], message: /^proxyrm: --prefix: give either --user or --prefix, not both\n$/ },
    { name: "--prefix without a directory", args: ["--prefix"], message: /^proxyrm: option '--prefix <dir>' argument missing\n$/ },
    { name: "an empty --prefix", args: ["--prefix", ""], message: /^proxyrm: --prefix: expected a directory\n$/ },
  ];
  for (const c of cases) {
    it(`${c.name}: exit 2, one line, nothing written`, () => {
      const d = fs.mkdtempSync(path.join(dir, "bad-"));
      const result = proxyrm(c.args, { home: path.join(d, "home"), cwd: d });
      assert.equal(result.code, 2);
      assert.equal(result.stdout, "");
      assert.match(result.stderr, c.message);
      assert.deepEqual(listTree(d), []);
    });
  }
});
