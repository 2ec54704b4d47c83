/**
 * Errors a user can fix. The CLI prints `proxyrm: <message>` on one line and exits 2 for
 * these; anything else is a bug and gets a stack trace (exit 1).
 */
export class UserError extends Error {
  /** Stable machine-readable code, e.g. "bad-file", "bad-flag", "budget". */
  readonly code: string;
  /** The file, flag, field or row the error blames, when there is one. */
  readonly blame?: string;
  constructor(message: string, options: { code?: string; blame?: string } = {}) {
    super(message);
    this.name = "UserError";
    this.code = options.code ?? "user-error";
    this.blame = options.blame;
  }
}

/** A malformed, empty or unreadable input file. */
export class BadFileError extends UserError {
  constructor(file: string, what: string) {
    super(`${file}: ${what}`, { code: "bad-file", blame: file });
    this.name = "BadFileError";
  }
}

/** A bad option value (flag, config field). */
export class BadOptionError extends UserError {
  constructor(option: string, what: string) {
    super(`${option}: ${what}`, { code: "bad-option", blame: option });
    this.name = "BadOptionError";
  }
}

/** The expert budget is spent: a hard stop, never a silent clamp. */
export class BudgetExhaustedError extends UserError {
  constructor(paid: number, budget: number) {
    super(`expert budget exhausted: ${paid} of ${budget} queries already paid`, { code: "budget" });
    this.name = "BudgetExhaustedError";
  }
}

/** A remote endpoint (judge, policy, embedder) failed after its retries. */
export class EndpointError extends UserError {
  constructor(url: string, what: string) {
    super(`${url}: ${what}`, { code: "endpoint", blame: url });
    this.name = "EndpointError";
  }
}

/** A long stage stopped because its AbortSignal fired. */
export class AbortedError extends Error {
  constructor(stage: string) {
    super(`${stage} interrupted`);
    this.name = "AbortedError";
  }
}

/**
 * A request stopped by its AbortSignal. `mayHaveBilled`: it was on the wire when it stopped, so
 * the provider may have billed it (the gate journals such a call as of unknown outcome); false
 * when it stopped while waiting (a backoff, a concurrency slot), before anything was sent.
 */
export class CallAbortedError extends AbortedError {
  readonly mayHaveBilled: boolean;
  constructor(stage: string, mayHaveBilled: boolean) {
    super(stage);
    this.name = "CallAbortedError";
    this.mayHaveBilled = mayHaveBilled;
  }
}
