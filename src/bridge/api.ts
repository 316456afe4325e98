// The worker contract. The simulation runs in a Web Worker (workers/sim.worker.ts) that owns one
// language Session; the UI talks to it only through this API, over Comlink. Calls carry command
// lines and short text results, never bulk state. Every method answers; none throws across the
// boundary (an internal failure comes back as a result with ok=false).

/** The result of one line, as the language prints it (`ok …`, `error Code: …`, `pass …`). */
export interface ExecResult {
  ok: boolean;
  text: string;
  /** op: a command; expect: an expectation's verdict; note: narration; blank: nothing to show. */
  kind: 'op' | 'expect' | 'note' | 'blank';
}

/** The result of one line of a script: its 1-based line number and source text. */
export interface ScriptLineResult extends ExecResult {
  line: number;
  source: string;
}

/** What the worker exposes (as seen from the UI: every call is asynchronous). */
export interface SimApi {
  /** Runs one command line on the current session. */
  exec(line: string): Promise<ExecResult>;
  /** Starts a fresh session and runs a whole scenario on it: one result per non-blank line. */
  load(script: string): Promise<ScriptLineResult[]>;
  /** Starts a fresh session (a machine with the default configuration). */
  reset(): Promise<void>;
}
