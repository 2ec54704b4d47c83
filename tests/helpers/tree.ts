/** File-tree helpers the run-directory tests share: listing and "did any byte or mtime change". */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** Every file and folder under `dir` (relative paths, folders end in "/"), recursively. */
export function listTree(dir: string, rel = ""): string[] {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const name = path.join(rel, e.name);
    return e.isDirectory() ? [`${name}/`, ...listTree(dir, name)] : [name];
  });
}

/** Path -> sha256, size and mtime of every file (folders by name): what "nothing changed" compares. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of listTree(dir)) {
    if (name.endsWith("/")) {
      out[name] = "dir";
      continue;
    }
    const file = path.join(dir, name);
    const st = fs.statSync(file);
    out[name] = `${createHash("sha256").update(fs.readFileSync(file)).digest("hex")} ${st.size} ${st.mtimeMs}`;
  }
  return out;
}
