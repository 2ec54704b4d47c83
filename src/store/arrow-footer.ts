/**
 * What an Arrow IPC *file* holds, from its footer alone (a few KB read from the end): the
 * schema and the record batch count. `proxyrm select --max-memory` sizes a run with it before
 * reading gigabytes. A stream-format file has no footer: undefined.
 */
import * as fs from "node:fs";
import { DataType, type Schema } from "apache-arrow";
// message.js attaches Schema.decode, which Footer.decode needs: import it first.
import "apache-arrow/ipc/metadata/message";
import { Footer } from "apache-arrow/ipc/metadata/file";

export interface ArrowFileShape {
  bytes: number;
  schema: Schema;
  recordBatches: number;
  dictionaries: number;
  /** Where each record batch's message (metadata + body) lies in the file. */
  blocks: { offset: number; length: number }[];
}

const MAGIC = "ARROW1";

export function readArrowFooter(file: string): ArrowFileShape | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch {
    return undefined; // the reader reports a missing or unreadable file, with its one line
  }
  try {
    const bytes = fs.fstatSync(fd).size;
    if (bytes < 12 + MAGIC.length) return undefined;
    const tail = new Uint8Array(10);
    fs.readSync(fd, tail, 0, 10, bytes - 10);
    if (new TextDecoder().decode(tail.subarray(4)) !== MAGIC) return undefined;
    const length = new DataView(tail.buffer).getInt32(0, true);
    if (length <= 0 || length > bytes - 18) return undefined;
    const footer = new Uint8Array(length);
    fs.readSync(fd, footer, 0, length, bytes - 10 - length);
    const decoded = Footer.decode(footer);
    const blocks = [...decoded.recordBatches()].map((b) => ({ offset: Number(b.offset), length: b.metaDataLength + Number(b.bodyLength) }));
    return { bytes, schema: decoded.schema, recordBatches: decoded.numRecordBatches, dictionaries: decoded.numDictionaries, blocks };
  } catch {
    return undefined; // a corrupt footer: the full reader gives the precise error
  } finally {
    fs.closeSync(fd);
  }
}

/** The vector length of a FixedSizeList column, or undefined when there is no such column. */
export function fixedListSize(schema: Schema, column: string): number | undefined {
  const field = schema.fields.find((f) => f.name === column);
  return field !== undefined && DataType.isFixedSizeList(field.type) ? field.type.listSize : undefined;
}
