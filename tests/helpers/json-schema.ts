/**
 * The JSON Schema subset kernel-ext/schemas/*.schema.json use, checked without a dependency:
 * type (with "integer" and "null"), const, enum, properties, required, additionalProperties,
 * items, minItems, maxItems, minimum, maximum. A keyword outside the subset throws, so a
 * schema cannot silently use something this checker ignores.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";

export type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(["$schema", "$id", "title", "description"]);
const KEYWORDS = new Set(["type", "const", "enum", "properties", "required", "additionalProperties", "items", "minItems", "maxItems", "minimum", "maximum"]);

export const SCHEMA_DIR = path.join(__dirname, "..", "..", "kernel-ext", "schemas");

export function loadSchema(kind: string): Schema {
  return JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, `${kind}.schema.json`), "utf8")) as Schema;
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function hasType(value: unknown, type: string): boolean {
  if (type === "integer") return Number.isInteger(value);
  if (type === "number") return typeof value === "number" && Number.isFinite(value);
  return typeOf(value) === type;
}

/** Every violation, as "path: what" lines (empty when `value` is valid). */
export function validate(schema: Schema, value: unknown, where = "$"): string[] {
  const errors: string[] = [];
  for (const key of Object.keys(schema)) {
    if (!KEYWORDS.has(key) && !ANNOTATIONS.has(key)) throw new Error(`${where}: schema keyword "${key}" is outside the checked subset`);
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => hasType(value, t))) return [`${where}: expected ${types.join(" | ")}, got ${typeOf(value)} ${JSON.stringify(value)?.slice(0, 60)}`];
  }
  if ("const" in schema && !isDeepStrictEqual(value, schema.const)) errors.push(`${where}: expected ${JSON.stringify(schema.const)}, got ${JSON.stringify(value)}`);
  if (schema.enum !== undefined && !(schema.enum as unknown[]).some((e) => isDeepStrictEqual(e, value))) {
    errors.push(`${where}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) errors.push(`${where}: ${value} < minimum ${schema.minimum}`);
    if (typeof schema.maximum === "number" && value > schema.maximum) errors.push(`${where}: ${value} > maximum ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems) errors.push(`${where}: ${value.length} items < minItems ${schema.minItems}`);
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems) errors.push(`${where}: ${value.length} items > maxItems ${schema.maxItems}`);
    if (schema.items) value.forEach((item, i) => errors.push(...validate(schema.items as Schema, item, `${where}[${i}]`)));
  }
  if (typeOf(value) === "object") {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const key of (schema.required ?? []) as string[]) if (!(key in obj)) errors.push(`${where}: missing required "${key}"`);
    for (const [key, v] of Object.entries(obj)) {
      if (key in props) errors.push(...validate(props[key], v, `${where}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${where}: unexpected property "${key}"`);
      else if (typeof schema.additionalProperties === "object") errors.push(...validate(schema.additionalProperties as Schema, v, `${where}.${key}`));
    }
  }
  return errors;
}
