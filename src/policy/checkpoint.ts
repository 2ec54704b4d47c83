/**
 * TinyGPT checkpoints: one file, a JSON header (config, tensor names and sizes) then the raw
 * little-endian float32 weights. Written atomically, so a crash never leaves a torn model.
 */
import * as fs from "node:fs";
import type * as TF from "@tensorflow/tfjs";
import { BadFileError } from "../errors";
import { writeFileAtomic } from "../store/atomic";
import { TinyGPT, type TinyGPTConfig } from "./tinygpt";

const MAGIC = "proxyrm-tinygpt-1";

export async function saveCheckpoint(file: string, model: TinyGPT): Promise<void> {
  const weights = await model.weights();
  const header = JSON.stringify({ magic: MAGIC, config: model.config, tensors: [...weights].map(([n, w]) => [n, w.length]) });
  const head = Buffer.from(header, "utf8");
  const total = [...weights.values()].reduce((s, w) => s + w.length, 0);
  const buf = Buffer.alloc(4 + head.length + total * 4);
  buf.writeUInt32LE(head.length, 0);
  head.copy(buf, 4);
  let off = 4 + head.length;
  for (const w of weights.values()) {
    Buffer.from(w.buffer, w.byteOffset, w.byteLength).copy(buf, off);
    off += w.byteLength;
  }
  writeFileAtomic(file, buf);
}

export function loadCheckpoint(tf: typeof TF, file: string): TinyGPT {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    throw new BadFileError(file, "checkpoint missing or unreadable");
  }
  try {
    const len = buf.readUInt32LE(0);
    const header = JSON.parse(buf.subarray(4, 4 + len).toString("utf8")) as {
      magic: string;
      config: TinyGPTConfig;
      tensors: [string, number][];
    };
    if (header.magic !== MAGIC) throw new Error("bad magic");
    const weights = new Map<string, Float32Array>();
    let off = 4 + len;
    for (const [name, n] of header.tensors) {
      if (off + n * 4 > buf.length) throw new Error("truncated");
      weights.set(name, new Float32Array(buf.buffer.slice(buf.byteOffset + off, buf.byteOffset + off + n * 4)));
      off += n * 4;
    }
    if (off !== buf.length) throw new Error(`${buf.length - off} trailing bytes`);
    return new TinyGPT(tf, header.config, { weights });
  } catch (err) {
    throw new BadFileError(file, `not a proxyrm TinyGPT checkpoint (${(err as Error).message})`);
  }
}
