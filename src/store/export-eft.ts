/**
 * Exports a run's labels as an EFT judge dataset (the paper's evaluation fine-tuning data):
 * chat-format examples a trainer (TRL's SFTTrainer, OpenRLHF) fine-tunes a judge on. The
 * expert's labels come first, in pick order, with their verbatim judgement; then every other
 * pool response with the proxy's score (its mean rounded to 0..5) as the answer.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { BadFileError, UserError } from "../errors";
import { JUDGE_PROMPT, judgeUserMessage, parseScore } from "../oracle/judge-prompt";
import { readLabels, readPrompts, readProxyScores, readResponses } from "./arrow-tables";
import { writeFileAtomic } from "./atomic";

/** One line of eft.jsonl. */
export interface EftExample {
  messages: { role: "system" | "user" | "assistant"; content: string }[];
  score: number;
  /** "expert": a paid label (its oracle named); "proxy": the proxy's score. */
  source: "expert" | "proxy";
  response_id: string;
  oracle?: string;
  proxy_mean?: number;
  proxy_std?: number;
}

/** The judge's answer for a label: its verbatim judgement, ending in the score line. */
function answerOf(rationale: string, score: number): string {
  if (parseScore(rationale) === score) return rationale;
  const text = rationale.trim();
  return text === "" ? `Score: ${score}` : `${text}\nScore: ${score}`;
}

/**
 * Writes RUN/eft.jsonl (or `out`) atomically; returns the file and how many expert and proxy
 * examples it holds. Needs the run's labels and proxy scores (the score stage).
 */
export function exportEftDataset(runDir: string, out?: string): { file: string; rows: number; expert: number; proxy: number } {
  if (!fs.existsSync(runDir) || !fs.statSync(runDir).isDirectory()) throw new UserError(`${runDir}: run directory not found`, { code: "bad-file", blame: runDir });
  const need = (name: string, stage: string) => {
    const file = path.join(runDir, name);
    if (!fs.existsSync(file)) throw new BadFileError(file, `not found (has the run reached its ${stage} stage?)`);
    return file;
  };
  const labels = readLabels(need("labels.arrow", "label"));
  const scores = readProxyScores(need("proxy_scores.arrow", "score"));
  const responses = new Map(readResponses(need("responses.arrow", "generate")).map((r) => [r.response_id, r]));
  const prompts = new Map(readPrompts(need("prompts.arrow", "world")).map((p) => [p.prompt_id, p.prompt]));
  const messages = (responseId: string, answer: string): EftExample["messages"] => {
    const r = responses.get(responseId);
    if (!r) throw new BadFileError(path.join(runDir, "responses.arrow"), `has no response ${responseId}`);
    return [
      { role: "system", content: JUDGE_PROMPT },
      { role: "user", content: judgeUserMessage(prompts.get(r.prompt_id)!, r.text) },
      { role: "assistant", content: answer },
    ];
  };
  const lines: EftExample[] = labels.map((l) => ({ messages: messages(l.response_id, answerOf(l.rationale, l.score)), score: l.score, source: "expert", response_id: l.response_id, oracle: l.oracle }));
  const labelled = new Set(labels.map((l) => l.response_id));
  for (const s of scores) {
    if (labelled.has(s.response_id)) continue;
    const score = Math.min(5, Math.max(0, Math.round(s.mean)));
    lines.push({ messages: messages(s.response_id, `Score: ${score}`), score, source: "proxy", response_id: s.response_id, proxy_mean: s.mean, proxy_std: s.std });
  }
  const file = out ?? path.join(runDir, "eft.jsonl");
  try {
    writeFileAtomic(file, lines.map((l) => `${JSON.stringify(l)}\n`).join(""));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === undefined) throw err;
    throw new UserError(`${file}: cannot write (${code})`, { code: "bad-file", blame: file });
  }
  return { file, rows: lines.length, expert: labels.length, proxy: lines.length - labels.length };
}
