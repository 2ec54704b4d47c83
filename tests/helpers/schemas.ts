/**
 * Payload checks against kernel-ext/schemas/*.schema.json with ajv (JSON Schema 2020-12),
 * strict, so a schema keyword ajv does not know fails loudly instead of checking nothing.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020";

export type Schema = Record<string, unknown>;

export const SCHEMA_DIR = path.join(__dirname, "..", "..", "kernel-ext", "schemas");

const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
const compiled = new WeakMap<Schema, ValidateFunction>();
const byKind = new Map<string, Schema>();

export function loadSchema(kind: string): Schema {
  let schema = byKind.get(kind);
  if (!schema) {
    schema = JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, `${kind}.schema.json`), "utf8")) as Schema;
    byKind.set(kind, schema);
  }
  return schema;
}

/** The problems of `value` against `schema`, one line each ("/path: message"); empty when valid. */
export function validate(schema: Schema, value: unknown): string[] {
  let check = compiled.get(schema);
  if (!check) {
    // Compiled without its $id: the docs test compiles copies of the same schemas.
    const { $id: _id, ...rest } = schema;
    check = ajv.compile(rest);
    compiled.set(schema, check);
  }
  if (check(value)) return [];
  return (check.errors ?? []).map((e) => `${e.instancePath || "$"}: ${e.message ?? e.keyword}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ""}`);
}

/** Validates a payload against its kind's schema (the kind read from the payload itself). */
export function payloadProblems(payload: unknown): string[] {
  const kind = (payload as { kind?: unknown } | null)?.kind;
  if (typeof kind !== "string" || !fs.existsSync(path.join(SCHEMA_DIR, `${kind}.schema.json`))) return [`no schema for kind ${JSON.stringify(kind)}`];
  return validate(loadSchema(kind), payload);
}
