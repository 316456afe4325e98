// The worker contract. The simulation runs in a Web Worker (workers/sim.worker.ts) that owns one
// language Session and its History (src/engine/history); the UI talks to it only through this API,
// over Comlink. Calls carry command lines, short texts and small summaries, never bulk state: the
// views' Snapshot passes the machine's SharedArrayBuffers by reference. Every method answers;
// none throws across the boundary (an internal failure comes back as a result with ok=false).
//
// Steps: the session is a script (a list of lines) and a position `step` = how many of its lines
// have run (0: a fresh machine). Blank and comment-only lines are steps too (so `step` is a line
// number, as in share links) but the timeline hides them and back/forward skip them.
import type { SnapshotDelta } from './delta';
import type { FrameDetail, Snapshot } from './snapshot';

export type ResultKind = 'op' | 'expect' | 'note' | 'ask' | 'blank';

export interface ViolationSummary {
  id: string;
  severity: 'error' | 'warning';
  message: string;
}

/** The result of one line, as the terminal shows it. */
export interface ExecResult {
  ok: boolean;
  kind: ResultKind;
  /** As the language prints it: `ok …`, `error Code(clause): …`, `pass …`, `FAIL …`, `note …`. */
  text: string;
  /** The error code (`Syntax`, `PageFault`…), and the 1-based column of a syntax error. */
  code?: string;
  col?: number;
  /** What the step did (PTE written, refcount changed…), one line each, at most MAX_EFFECTS. */
  effects: string[];
  /** The invariant violations after the line (shown until repaired), at most MAX_VIOLATIONS. */
  violations: ViolationSummary[];
  /** The position after the line. */
  step: number;
  /** Where the session is now (saves a `status()` call after every command). */
  status: SessionStatus;
  /** Time the worker spent on it (ms), for the latency breakdown. */
  ms?: number;
  /**
   * With `exec(line, { snapshot: true })`: the views' snapshot of the state the line produced and
   * the epoch it belongs to (one round trip instead of two on the typing path).
   */
  snapshot?: Snapshot;
  /**
   * Instead of `snapshot`, when the call named the snapshot the caller holds (`base`, the last
   * one the worker sent it): only what changed since (delta.ts). SimClient makes it `snapshot`.
   */
  delta?: SnapshotDelta;
  epoch?: number;
}

/** One visible line of the timeline (blank and comment-only lines are not listed). */
export interface TimelineEntry {
  /** The position right after this line (= its 1-based line number in the script). */
  step: number;
  line: number;
  source: string;
  /** undefined: the line has not run yet (a loaded script's future). */
  ok?: boolean;
  kind?: ResultKind;
  /** Its result, first line only, cut short. */
  summary: string;
  /** True when an invariant failed (or warned) after the line: the timeline marks the row. */
  violated?: boolean;
}

/** Where the session is. */
export interface SessionStatus {
  step: number;
  /** Lines in the script. */
  length: number;
  /**
   * `Machine.stateHash()`: equal hashes, identical machines. Only `status()` computes it (it reads
   * all of memory: ~2 ms at 64 MiB, ~70 ms at 2 GiB), so the results of changes leave it out.
   */
  hash?: string;
  /** The line the position is right after (null at step 0 or after a blank line). */
  current: {
    step: number;
    source: string;
    kind: ResultKind;
    text: string;
    ok: boolean;
    effects: string[];
  } | null;
  violations: ViolationSummary[];
}

/** One line of a loaded script, as the terminal prints it (no effects: they stay in the worker). */
export interface ScriptLineResult {
  line: number;
  source: string;
  ok: boolean;
  kind: ResultKind;
  text: string;
  code?: string;
  col?: number;
}

/** `load`: the results of the lines that ran (blank lines left out) and where it stopped. */
export interface LoadResult {
  ok: boolean;
  /** Why it failed (an internal error), when !ok. */
  error?: string;
  results: ScriptLineResult[];
  status: SessionStatus;
}

export interface Completion {
  /** Index in the line where the completed word starts. */
  start: number;
  /** Candidates for that word, sorted; a trailing `=` marks an option key. */
  items: string[];
}

/**
 * A prediction point (an `ask` line, docs/language-extensions.md) as the lesson player asks it: the
 * question, the command it is about, and the form of the answer, taken from the `expect` lines
 * after the command (the answer itself stays in the worker until `judge`).
 */
export interface Prediction {
  /** The step right after the `ask` line. */
  step: number;
  question: string;
  command: { step: number; source: string };
  /** outcome: ok or which error; invariant: which invariant breaks (or none); value: free text. */
  form: 'outcome' | 'invariant' | 'value';
  /** The choices for outcome and invariant (empty for value). */
  choices: string[];
  /** The step after the command's last `expect` line: stepping there reveals the answer. */
  revealStep: number;
}

/** A seeded exercise as the exercise panel shows it (src/lang/exercises.ts makes it). */
export type ExerciseInfo =
  | { ok: true; id: string; kind: string; seed: number; script: string; question: string }
  | { ok: false; error: string };

/** What `judge` is asked about: a prediction (its ask step) or an exercise (`KIND-SEED`). */
export type QuestionRef = { ask: number } | { exercise: string };

/** A judged answer: right or wrong, and the answer the simulator gives. */
export interface Verdict {
  right: boolean;
  answer: string;
}

export const MAX_EFFECTS = 200;
export const MAX_VIOLATIONS = 100;

/** What the worker exposes (as seen from the UI: every call is asynchronous). */
export interface SimApi {
  /** Runs one line at the current position (a recorded future is dropped first). */
  exec(line: string, opts?: { snapshot?: boolean; base?: number }): Promise<ExecResult>;
  /** A fresh session over a whole script, then a seek to `step` (default: its end). */
  load(script: string, step?: number): Promise<LoadResult>;
  /**
   * Opens a share link (`#s=…&step=N`, or a whole URL): untrusted, so it is size-bounded and
   * validated before anything runs; a bad link changes nothing and says why in `error`.
   */
  loadLink(fragment: string): Promise<LoadResult>;
  /** The share-link fragment (without `#`) for the script and a step (default: the current one). */
  link(step?: number): Promise<string>;
  /** A fresh session with an empty script. */
  reset(): Promise<SessionStatus>;
  /** To the previous / next visible step (no change at either end). */
  back(): Promise<SessionStatus>;
  forward(): Promise<SessionStatus>;
  /** To any step (clamped to 0..length). */
  seek(step: number): Promise<SessionStatus>;
  /** Where the session is, with the state hash. */
  status(): Promise<SessionStatus>;
  /** The script's visible lines from position `from` (default 0) on. */
  timeline(from?: number): Promise<TimelineEntry[]>;
  /** The whole script, as text (blank lines and comments kept). */
  script(): Promise<string>;
  /** The views' summary of the machine now (optionally with one frame's detail). */
  snapshot(opts?: { inspect?: number }): Promise<Snapshot>;
  /** One frame's detail for the inspector (null: no such frame). */
  frame(pfn: number): Promise<FrameDetail | null>;
  /** Tab completion of the word that ends `prefix` (commands, keywords, options, live handles). */
  complete(prefix: string): Promise<Completion>;
  /** The prediction asked by the `ask` line right before `step` (null: not an ask step). */
  prediction(step: number): Promise<Prediction | null>;
  /** The exercise kinds `exercise` knows. */
  exerciseKinds(): Promise<string[]>;
  /** Makes the exercise `KIND-SEED` (validated: a bad spec says why). Changes nothing. */
  exercise(spec: string): Promise<ExerciseInfo>;
  /** Judges an answer to a prediction or an exercise (null: no such question). */
  judge(ref: QuestionRef, given: string): Promise<Verdict | null>;
  /**
   * The publication epoch: an Int32Array's buffer whose element 0 the worker bumps with
   * Atomics.store (odd while a step runs, even after) and whose element 1 counts the lines it has
   * run (its sign of life during a long call). null without SharedArrayBuffer.
   */
  epoch(): Promise<SharedArrayBuffer | null>;
  /** Debug only: throws in the worker's global scope, as a crash would (the client restarts it). */
  crash(): Promise<void>;
  /** Answers at once: the client's heartbeat when the worker is idle. */
  ping(): Promise<boolean>;
  /**
   * Debug only: the worker goes silent without an error event, as a dead one does: it loops
   * forever, or closes itself (the client notices by its heartbeat and restarts it).
   */
  hang(how: 'loop' | 'close'): Promise<void>;
}

/**
 * What the worker exposes to SimClient: SimApi, plus the snapshot protocol the client keeps to
 * itself. `snapshotSince(base)` is `snapshot()` for a caller holding snapshot `base` (the last one
 * the worker sent it): a delta when it can be one. SimClient turns it back into a Snapshot.
 */
export interface WorkerApi extends SimApi {
  snapshotSince(base: number): Promise<Pick<ExecResult, 'snapshot' | 'delta'>>;
}
