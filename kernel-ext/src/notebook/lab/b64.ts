/** Numeric columns for payloads: base64 of little-endian Float32 / Int32 arrays (payloads.ts B64). */
import type { B64 } from "./payloads";

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function toBase64(view: Float32Array | Int32Array): B64 {
  const bytes = Buffer.from(view.buffer, view.byteOffset, view.byteLength);
  if (LITTLE_ENDIAN) return bytes.toString("base64");
  // Big-endian hosts: swap each 4-byte word so the payload is the same on every machine.
  const copy = Buffer.from(bytes);
  copy.swap32();
  return copy.toString("base64");
}

export const float32Base64 = (values: ArrayLike<number>): B64 => toBase64(Float32Array.from(values));
export const int32Base64 = (values: ArrayLike<number>): B64 => toBase64(Int32Array.from(values));

function fromBase64(text: B64): Buffer {
  const bytes = Buffer.from(text, "base64");
  if (!LITTLE_ENDIAN) bytes.swap32();
  return bytes;
}

/** Decodes a B64 Float32 column (tests, notebook code reading a payload back). */
export function decodeFloat32(text: B64): Float32Array {
  const b = fromBase64(text);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export function decodeInt32(text: B64): Int32Array {
  const b = fromBase64(text);
  return new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
