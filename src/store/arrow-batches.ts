/**
 * The record batches of an Arrow IPC file, each read from disk on its own and decoded as a
 * one-batch table: a many-batch file is gathered into one array without first holding the
 * whole file in memory next to it.
 */
import * as fs from "node:fs";
import { Table, tableFromIPC, tableToIPC } from "apache-arrow";
import type { ArrowFileShape } from "./arrow-footer";
import { MAX_BATCH_BYTES, tooLargeError } from "./arrow-tables";

/** The IPC stream's end marker: continuation 0xFFFFFFFF, then a zero length. */
const END_OF_STREAM = [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0];

/**
 * One Table per record batch, in file order. Only for files without dictionaries: then a
 * schema message followed by one batch's message is a complete IPC stream. The schema message
 * is encoded afresh from the footer's schema, since a file need not repeat it up front
 * (apache-arrow's own writer does not).
 */
export function* batchesFromDisk(file: string, shape: ArrowFileShape): Generator<Table> {
  if (shape.dictionaries > 0) throw new Error(`${file}: batchesFromDisk needs a file without dictionaries`);
  const fd = fs.openSync(file, "r");
  try {
    const schema = schemaMessage(shape);
    for (const block of shape.blocks) {
      if (block.length < 0 || block.length > MAX_BATCH_BYTES) throw tooLargeError(file, shape.bytes);
      const stream = new Uint8Array(schema.length + block.length);
      stream.set(schema);
      readExactly(fd, block.offset, block.length, stream, schema.length);
      yield tableFromIPC(stream);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** The stream encoding of an empty table of this schema, without its end marker. */
function schemaMessage(shape: ArrowFileShape): Uint8Array {
  const stream = tableToIPC(new Table(shape.schema), "stream");
  const tail = stream.subarray(stream.length - END_OF_STREAM.length);
  return END_OF_STREAM.every((byte, i) => tail[i] === byte) ? stream.subarray(0, stream.length - END_OF_STREAM.length) : stream;
}

function readExactly(fd: number, position: number, length: number, into: Uint8Array, at: number): Uint8Array {
  for (let done = 0; done < length; ) {
    const got = fs.readSync(fd, into, at + done, length - done, position + done);
    if (got === 0) throw new Error(`unexpected end of file at byte ${position + done}`);
    done += got;
  }
  return into;
}
