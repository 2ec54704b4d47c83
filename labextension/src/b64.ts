/** Payload columns are base64 of little-endian Float32 / Int32 (kernel-ext/src/notebook/lab/b64.ts). */
function bytes(text: string): DataView {
  const raw = atob(text);
  const buf = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) buf[i] = raw.charCodeAt(i);
  return new DataView(buf.buffer);
}

export function decodeFloat32(text: string): Float32Array {
  const view = bytes(text);
  const out = new Float32Array(view.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

export function decodeInt32(text: string): Int32Array {
  const view = bytes(text);
  const out = new Int32Array(view.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt32(i * 4, true);
  return out;
}
