/**
 * The npm-only GPU route: @tensorflow/tfjs-backend-webgpu on Dawn, whose binary ships inside
 * the `webgpu` package (no download at install time). Both are optionalDependencies.
 */
import { spawnSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { BackendNotInstalledError } from "./backend";

/** What Dawn reports about the adapter it picked. */
export interface WebGpuAdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
}

// `webgpu` is an ES module and this package compiles to CommonJS, where tsc would turn
// `import()` into require(); Node 20 cannot require() an ES module.
const importEsm = new Function("url", "return import(url)") as (url: string) => Promise<unknown>;

/** file:// URL of the installed `webgpu` package; throws a not-installed error when absent. */
function webgpuUrl(): string {
  let file: string;
  try {
    file = require.resolve("webgpu");
  } catch {
    throw new BackendNotInstalledError("the webgpu package (an optional dependency) is not installed");
  }
  return pathToFileURL(file).href;
}

/**
 * Asks Dawn for an adapter in a child process and returns what it found. Throws a one-line
 * reason when there is none: Dawn writes its driver diagnostics to fd 2 directly, so probing in
 * this process would spray them over the CLI's single error line.
 */
export async function probeWebGpuAdapter(): Promise<WebGpuAdapterInfo> {
  const script = [
    `const { create } = await import(${JSON.stringify(webgpuUrl())});`,
    `const adapter = await create([]).requestAdapter({ powerPreference: "high-performance" });`,
    `const i = adapter && adapter.info;`,
    `process.stdout.write(JSON.stringify(adapter ? { vendor: i?.vendor, architecture: i?.architecture, device: i?.device, description: i?.description } : null));`,
    `process.exit(0);`,
  ].join("\n");
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 60_000 });
  if (child.error) throw new Error(`the Dawn adapter probe did not run (${child.error.message})`);
  const info = child.status === 0 ? (JSON.parse(child.stdout || "null") as WebGpuAdapterInfo | null) : null;
  if (info) return info;
  // Dawn's lines look like "Warning: Couldn't load Vulkan: libvulkan.so.1: cannot open ...".
  const diagnostic = child.stderr
    .split("\n")
    .map((l) => l.trim())
    .find((l) => /^(Warning|Error):/.test(l));
  throw new Error(`Dawn found no GPU adapter${diagnostic ? ` (${diagnostic.replace(/^(Warning|Error):\s*/, "")})` : ""}`);
}

/** Gives tfjs-backend-webgpu the `navigator.gpu` it looks for when it is loaded. */
export async function installNavigatorGpu(): Promise<void> {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu) return;
  const { create, globals } = (await importEsm(webgpuUrl())) as { create(options: string[]): unknown; globals: object };
  Object.assign(globalThis, globals); // GPUBufferUsage, GPUMapMode, ... as in a browser
  const gpu = create([]);
  if (g.navigator) Object.defineProperty(g.navigator, "gpu", { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, "navigator", { value: { gpu }, configurable: true, writable: true });
}
