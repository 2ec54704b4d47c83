/**
 * Writes a benchmark matrix twice: as a user's Arrow embeddings file (one FixedSizeList<Float32>
 * column `embedding`, one record batch, as pyarrow writes it) for `proxyrm select`, and as raw
 * float32 rows for the Python peers (Debian has no pyarrow).
 */
import { Field, FixedSizeList, Float32, RecordBatch, Schema, Struct, Table, makeData, tableToIPC } from "apache-arrow";
import type { Matrix } from "../src/select/types";
import { writeFileAtomic } from "../src/store/atomic";

export function writeBenchEmbeddings(m: Matrix, arrowFile: string, rawFile: string): void {
  const values = makeData({ type: new Float32(), length: m.data.length, nullCount: 0, data: m.data });
  const type = new FixedSizeList(m.dim, new Field("item", new Float32(), false));
  const embedding = makeData({ type, length: m.rows, nullCount: 0, child: values });
  const fields = [new Field("embedding", type, false)];
  const struct = makeData({ type: new Struct(fields), length: m.rows, nullCount: 0, children: [embedding] });
  // writeFileAtomic writes files over 2 GiB (fs.writeFileSync stops there), e.g. 1M x 768.
  writeFileAtomic(arrowFile, tableToIPC(new Table([new RecordBatch(new Schema(fields), struct)]), "file"));
  writeFileAtomic(rawFile, new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength));
}
