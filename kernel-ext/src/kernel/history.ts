/**
 * history_request: tail, range and search over the cells this kernel ran, as IPython's
 * HistoryManager answers them (line numbers are execution counts; `range` stops before
 * `stop`; `search` takes a glob matched against the whole input, newest matches last).
 *
 * History lives in memory, like IPython's with its database off, so there is one session and
 * it is numbered 1 in every reply; session 0 (or 1) means it, negative numbers (earlier
 * sessions) find nothing.
 */
export const SESSION_NUMBER = 1;

export interface HistoryRequest {
  hist_access_type: "tail" | "range" | "search";
  output?: boolean;
  raw?: boolean;
  session?: number;
  start?: number;
  stop?: number | null;
  n?: number | null;
  pattern?: string;
  unique?: boolean;
}

/** [session, line, input] or, with `output: true`, [session, line, [input, output]]. */
export type HistoryEntry = [number, number, string] | [number, number, [string, string | null]];

interface Cell {
  line: number;
  input: string;
  output: string | null;
}

export class History {
  private readonly cells: Cell[] = [];

  /** Records a cell that stores history, under its execution count. */
  add(line: number, input: string): void {
    this.cells.push({ line, input, output: null });
  }

  /** The text/plain of the cell's execute_result (IPython keeps it as the cell's output). */
  setOutput(line: number, output: string): void {
    for (let i = this.cells.length - 1; i >= 0; i--) {
      if (this.cells[i].line === line) {
        this.cells[i].output = output;
        return;
      }
    }
  }

  query(req: HistoryRequest): HistoryEntry[] {
    const picked = this.select(req);
    return picked.map((c): HistoryEntry => (req.output ? [SESSION_NUMBER, c.line, [c.input, c.output]] : [SESSION_NUMBER, c.line, c.input]));
  }

  private select(req: HistoryRequest): Cell[] {
    switch (req.hist_access_type) {
      case "tail":
        return lastN(this.cells, req.n);
      case "range": {
        const session = req.session ?? 0;
        if (session !== 0 && session !== SESSION_NUMBER) return [];
        const start = req.start ?? 1;
        const stop = req.stop ?? Infinity;
        return this.cells.filter((c) => c.line >= start && c.line < stop);
      }
      case "search": {
        const re = globToRegExp(req.pattern ?? "*");
        let found = this.cells.filter((c) => re.test(c.input));
        if (req.unique) {
          // The latest occurrence of each input, in order (IPython's unique search).
          const latest = new Map<string, Cell>();
          for (const c of found) {
            latest.delete(c.input);
            latest.set(c.input, c);
          }
          found = [...latest.values()];
        }
        return lastN(found, req.n);
      }
      default:
        return [];
    }
  }
}

function lastN<T>(items: T[], n: number | null | undefined): T[] {
  return n == null ? items.slice() : n <= 0 ? [] : items.slice(-n);
}

/** SQLite GLOB, as IPython's search uses it: `*`, `?`, `[...]`, anchored at both ends. */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === "*") re += "[\\s\\S]*";
    else if (ch === "?") re += "[\\s\\S]";
    else if (ch === "[") {
      const close = glob.indexOf("]", i + 2);
      if (close < 0) {
        re += "\\[";
        continue;
      }
      let body = glob.slice(i + 1, close);
      if (body.startsWith("^")) body = `^${body.slice(1).replace(/[\\\]]/g, "\\$&")}`;
      else body = body.replace(/[\\\]^]/g, "\\$&");
      re += `[${body}]`;
      i = close;
    } else re += ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}
