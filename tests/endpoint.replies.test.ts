/**
 * The reply journal of the external policy and embedder (src/endpoint/reply-journal.ts) and the
 * parsing of OpenAI completion replies (src/policy/endpoint-policy.ts).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, test } from "node:test";
import { ReplyJournal, replyKey } from "../src/endpoint/reply-journal";
import { BadFileError } from "../src/errors";
import { completionTexts } from "../src/policy/endpoint-policy";

const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const file = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-replies-"));
  dirs.push(dir);
  return path.join(dir, "policy_replies.jsonl");
};

test("replies survive a new journal; a torn last line is dropped and asked again; a bad middle line is an error", () => {
  const f = file();
  const j = new ReplyJournal<string[]>(f);
  j.put([{ key: replyKey(["a"]), value: ["x\ny", "z"] }, { key: replyKey(["b"]), value: [] }]);
  fs.appendFileSync(f, '{"key":"c","val');
  const again = new ReplyJournal<string[]>(f);
  assert.deepEqual(again.get(replyKey(["a"])), ["x\ny", "z"]);
  assert.deepEqual(again.get(replyKey(["b"])), []);
  assert.equal(again.get("c"), undefined);
  again.put([{ key: "d", value: ["w"] }]);
  assert.deepEqual(fs.readFileSync(f, "utf8").trimEnd().split("\n").map((l) => (JSON.parse(l) as { key: string }).key), [replyKey(["a"]), replyKey(["b"]), "d"]);
  fs.writeFileSync(f, `{"key":"a","value":1}\nnot json\n{"key":"b","value":2}\n`);
  assert.throws(() => new ReplyJournal(f), (e: unknown) => e instanceof BadFileError && /line 2: not a \{"key", "value"\} record/.test(e.message));
});

test("completion replies: chat content or completion text, in index order; anything else says why", () => {
  assert.deepEqual(completionTexts(JSON.stringify({ choices: [{ index: 1, message: { content: "b" } }, { index: 0, message: { content: "a" } }] }), "chat"), ["a", "b"]);
  assert.deepEqual(completionTexts(JSON.stringify({ choices: [{ index: 0, text: "t" }] }), "completions"), ["t"]);
  assert.equal(completionTexts("{", "chat"), "the reply is not JSON");
  assert.equal(completionTexts("{}", "chat"), "the reply has no choices");
  assert.equal(completionTexts(JSON.stringify({ choices: [{ index: 0, text: "t" }] }), "chat"), "a choice has no message content");
});
