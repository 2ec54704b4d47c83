/**
 * Checks a message a frontend sent on comm target `proxyrm` against comm-messages.ts before
 * anything acts on it: a frontend is code we do not control, so a malformed message gets a
 * one-line reason (sent back as a CommError), never an exception in the kernel.
 */
import { FRONTEND_TYPES, MAX_LASSO_IDS, MAX_NOTE_CHARS, type FrontendMessage } from "../comm-messages";

export type Checked = { ok: true; message: FrontendMessage } | { ok: false; error: string; request?: string; widget?: string };

const MAX_ID_CHARS = 200;

type Fields = Record<string, unknown>;
type FieldCheck = (value: unknown) => string | null;

const text = (max: number): FieldCheck => (v) => (typeof v === "string" && v.length <= max ? null : `must be a string of at most ${max} characters`);
const id: FieldCheck = (v) => (typeof v === "string" && v.length > 0 && v.length <= MAX_ID_CHARS ? null : `must be a non-empty string of at most ${MAX_ID_CHARS} characters`);
const score: FieldCheck = (v) => (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 5 ? null : "must be an integer 0..5");
const ids: FieldCheck = (v) => {
  if (!Array.isArray(v)) return "must be an array of response ids";
  if (v.length > MAX_LASSO_IDS) return `must hold at most ${MAX_LASSO_IDS} ids`;
  return v.every((x) => id(x) === null) ? null : "must hold only non-empty strings";
};

/** Each type's fields: [name, check, required]. No other field is allowed. */
const SHAPES: Record<FrontendMessage["type"], [string, FieldCheck, boolean][]> = {
  hello: [["client", text(200), false]],
  "label.next": [["widget", id, true]],
  "label.submit": [
    ["widget", id, true],
    ["response_id", id, true],
    ["score", score, true],
    ["note", text(MAX_NOTE_CHARS), false],
  ],
  "lasso.select": [
    ["widget", id, true],
    ["response_ids", ids, true],
  ],
};

export function checkFrontendMessage(data: unknown): Checked {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return { ok: false, error: "a message must be a JSON object with a \"type\"" };
  const fields = data as Fields;
  const type = fields.type;
  const widget = typeof fields.widget === "string" ? fields.widget.slice(0, MAX_ID_CHARS) : undefined;
  if (typeof type !== "string" || !(FRONTEND_TYPES as readonly string[]).includes(type)) {
    return { ok: false, error: `unknown message type ${JSON.stringify(typeof type === "string" ? type.slice(0, 60) : (type ?? null))} (known: ${FRONTEND_TYPES.join(", ")})`, request: typeof type === "string" ? type.slice(0, 60) : undefined, widget };
  }
  const shape = SHAPES[type as FrontendMessage["type"]];
  const allowed = new Set(["type", ...shape.map(([name]) => name)]);
  for (const key of Object.keys(fields)) {
    if (!allowed.has(key)) return { ok: false, error: `${type}: unexpected field ${JSON.stringify(key.slice(0, 60))}`, request: type, widget };
  }
  for (const [name, check, required] of shape) {
    if (!(name in fields)) {
      if (required) return { ok: false, error: `${type}: missing field "${name}"`, request: type, widget };
      continue;
    }
    const problem = check(fields[name]);
    if (problem) return { ok: false, error: `${type}: "${name}" ${problem}`, request: type, widget };
  }
  return { ok: true, message: fields as unknown as FrontendMessage };
}
