/**
 * Run tables as danfo data frames, and any danfo data frame as a `table` bundle. danfo (and
 * the tfjs it shares with proxyrm) is loaded on first use, so importing the notebook API stays
 * light. Loading it gives danfo's DataFrame the MIME_BUNDLE method, so frames derived in a
 * notebook (`run.table("labels").query(...)`) display as tables too.
 */
import type { DataFrame } from "danfojs-node";
import { DataType, type Table, type Vector } from "apache-arrow";
import { readArrowIpc } from "proxyrm/dist/store/arrow-tables";
import { html, rowsTable, section, textTable } from "./html";
import { makeBundle, MIME_BUNDLE, PAYLOAD_VERSION, type Payload } from "./mime";

export type { DataFrame };
type Danfo = typeof import("danfojs-node");
export type Cell = string | number | boolean | null;

/** How many rows a table's bundle carries and shows. */
export const TABLE_ROWS = 20;

export interface TablePayload extends Payload {
  kind: "table";
  /** The run table's name, or null for a frame derived in the notebook. */
  name: string | null;
  /** The run directory it was read from, or null. */
  run: string | null;
  /** [rows, columns] of the whole frame. */
  shape: [number, number];
  columns: { name: string; dtype: string }[];
  /** Index labels of the rows shown. */
  index: (string | number)[];
  /** The first TABLE_ROWS rows, one array per row in column order. */
  rows: Cell[][];
  /** Whether rows were left out. */
  truncated: boolean;
}

let danfo: Danfo | undefined;
const origin = new WeakMap<object, { name: string; run: string }>();

export function loadDanfo(): Danfo {
  if (!danfo) {
    danfo = require("danfojs-node") as Danfo;
    // danfo-node's DataFrame extends danfo-base's, whose methods (head, query, ...) return
    // base frames: the method goes on the base prototype so both kinds have it.
    let proto = danfo.DataFrame.prototype as object;
    for (let up = Object.getPrototypeOf(proto); up?.constructor?.name === "DataFrame"; up = Object.getPrototypeOf(up)) proto = up;
    Object.defineProperty(proto, MIME_BUNDLE, {
      value: function (this: DataFrame) {
        return tableBundle(this);
      },
      configurable: true,
      writable: true,
    });
  }
  return danfo;
}

/** A danfo DataFrame (by shape, so checking a value never loads danfo). */
export function isDataFrame(value: unknown): value is DataFrame {
  if (typeof value !== "object" || value === null) return false;
  const v = value as { constructor?: { name?: string }; columns?: unknown; shape?: unknown; values?: unknown };
  return v.constructor?.name === "DataFrame" && Array.isArray(v.columns) && Array.isArray(v.shape);
}

/** A frame from named columns of equal length, remembering which run table it is. */
export function frameFromColumns(columns: readonly { name: string; values: Cell[] }[], from?: { name: string; run: string }): DataFrame {
  const { DataFrame } = loadDanfo();
  const names = columns.map((c) => c.name);
  const rows = columns.length ? columns[0].values.length : 0;
  // danfo cannot build an empty frame from column arrays; from an empty row list it can.
  const frame = rows === 0 ? new DataFrame([], { columns: names }) : new DataFrame(Object.fromEntries(columns.map((c) => [c.name, c.values])), { columns: names });
  if (from) origin.set(frame, from);
  return frame;
}

function plain(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string" || typeof value === "boolean") return value;
  return String(value);
}

/**
 * An Arrow table's columns: scalars as they are (64-bit integers as numbers), fixed-size list
 * columns (embeddings) spread into `<name>_0 .. <name>_<d-1>` so the frame stays numeric.
 */
export function arrowColumns(table: Table): { name: string; values: Cell[] }[] {
  const out: { name: string; values: Cell[] }[] = [];
  for (const field of table.schema.fields) {
    const vector = table.getChild(field.name) as Vector;
    if (DataType.isFixedSizeList(field.type)) {
      const size = field.type.listSize;
      const cols = Array.from({ length: size }, (_, j) => ({ name: `${field.name}_${j}`, values: new Array<Cell>(table.numRows) }));
      let i = 0;
      for (const item of vector) {
        const values = item ? (item as Vector).toArray() : undefined;
        for (let j = 0; j < size; j++) cols[j].values[i] = values ? plain(values[j]) : null;
        i++;
      }
      out.push(...cols);
    } else {
      const values = new Array<Cell>(table.numRows);
      let i = 0;
      for (const v of vector) values[i++] = plain(v);
      out.push({ name: field.name, values });
    }
  }
  return out;
}

/** An Arrow IPC file of a run directory as a frame (unreadable files: BadFileError naming it). */
export function frameFromArrow(file: string, from: { name: string; run: string }): DataFrame {
  return frameFromColumns(arrowColumns(readArrowIpc(file)), from);
}

/** The `table` payload of a frame: shape, column dtypes and the first rows. */
export function tablePayload(frame: DataFrame, rows = TABLE_ROWS): TablePayload {
  const [nRows, nCols] = frame.shape as [number, number];
  const columns = frame.columns.map((name, i) => ({ name: String(name), dtype: String(frame.dtypes[i] ?? "unknown") }));
  const values = nRows === 0 ? [] : (frame.values as unknown[][]).slice(0, rows);
  const from = origin.get(frame);
  return {
    kind: "table",
    version: PAYLOAD_VERSION,
    name: from?.name ?? null,
    run: from?.run ?? null,
    shape: [nRows, nCols],
    columns,
    index: frame.index.slice(0, values.length).map((i) => (typeof i === "number" ? i : String(i))),
    rows: values.map((row) => (Array.isArray(row) ? row : [row]).map(plain)),
    truncated: nRows > values.length,
  };
}

function shapeLine(p: TablePayload): string {
  const [r, c] = p.shape;
  const shown = p.truncated ? ` (first ${p.rows.length} shown)` : "";
  return `${p.name ?? "DataFrame"}: ${r} row${r === 1 ? "" : "s"} × ${c} column${c === 1 ? "" : "s"}${shown}`;
}

export function tableHtml(p: TablePayload): string {
  const headers = ["", ...p.columns.map((c) => c.name)];
  const rows = p.rows.map((row, i) => [p.index[i], ...row]);
  return section("table", html`<p class="title">${shapeLine(p)}</p>${rowsTable(headers, rows)}`);
}

export function tableText(p: TablePayload): string {
  const rows = p.rows.map((row, i) => [p.index[i], ...row]);
  return `${shapeLine(p)}\n${textTable(["", ...p.columns.map((c) => c.name)], rows)}`;
}

export function tableBundle(frame: DataFrame, rows = TABLE_ROWS) {
  const payload = tablePayload(frame, rows);
  return makeBundle(payload, tableHtml(payload), tableText(payload));
}
