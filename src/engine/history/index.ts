/**
 * History: the timeline of a session, for stepping back and forward and seeking.
 *
 * Model. A history is a list of command lines and a position `n` (how many of them have run): the
 * machine is always in exactly the state that running lines 1..n on a fresh session gives. Each
 * line that ran keeps what it takes to undo it: the machine's reverse delta (`StepResult.delta`),
 * the session's own position before it (line number, last result) and `machine.fresh`.
 * - `back()` undoes one line: `machine.undo(delta)` plus the session position.
 * - `forward()` re-runs the next recorded line (checked, as typed).
 * - `seek(k)` goes backwards by undoing deltas, forwards by re-running lines with
 *   `machine.checking = 'off'` and checks once at the end. A `machine`/`reset` line (delta kind
 *   'reboot') cannot be undone: seeking back across one replays from the start.
 * - `exec(line)` while in the past truncates the future first, as an editor does.
 * Invariant violations are exact at every public stop: the final position, and a line that reads
 * them (`expect violation`, by default) whose result is kept, get a full check when unchecked
 * steps precede. A line's result is the one of its first run, or of its last checked run.
 * Memory is bounded: the deltas kept are capped (`maxDeltaBytes`, estimated); the oldest are
 * dropped past it, and seeking back across a dropped one replays from the start, as for a reboot.
 *
 * The engine does not depend on the language: the session is anything with the shape below
 * (src/lang's Session through an adapter that also gives the delta and the session position).
 */
import type { Machine, MachineImage, ReverseDelta } from '../machine';

/** What running one line gave: its result, and the machine's reverse delta if it changed the machine. */
export interface Ran<R> {
  result: R;
  delta?: ReverseDelta;
}

/** A language session, as History drives it. */
export interface HistorySession<R> {
  /** The current machine (a `reset()` may replace it). */
  readonly machine: Machine;
  /** Runs one line (never throws for a bad command: errors are results). */
  exec(source: string): Ran<R>;
  /** A fresh session: a new machine with the default configuration, line numbers from 1. */
  reset(): void;
  /** The session's own position (line number, previous result…), opaque to History. */
  mark(): unknown;
  restore(mark: unknown): void;
}

export interface HistoryOptions {
  /** Lines whose result depends on `machine.violations` (checked before they run when stale). */
  readsViolations?: (source: string) => boolean;
  /** Estimated bytes of reverse deltas to keep (default 128 MiB); older ones are dropped. */
  maxDeltaBytes?: number;
  /** A keyframe (a whole machine image) every this many lines (default 128). */
  keyframeEvery?: number;
  /** Bytes of keyframes to keep (default 256 MiB); past it, every other keyframe goes. */
  maxKeyframeBytes?: number;
}

/** A machine image at a position, with what the session and the checker need to resume there. */
interface Keyframe {
  image: MachineImage;
  mark: unknown;
  valid: boolean;
  bytes: number;
}

interface Entry<R> {
  source: string;
  /** The result of its last checked run (or of its first run, whatever its checking). */
  result?: R;
  /** Whether `result` came from a checked run. */
  checked: boolean;
  // Set while the line has run (index < position):
  delta?: ReverseDelta;
  /** Its delta was dropped to bound memory: undoing it means replaying from the start. */
  lost?: boolean;
  /** The estimated size of `delta`. */
  bytes: number;
  markBefore?: unknown;
  freshBefore?: boolean;
  /** Whether `machine.violations` right after this line were computed (not left stale). */
  validAfter: boolean;
}

const EXPECT_VIOLATION = /^\s*expect\s+(no\s+)?violation\b/;

/** A rough size of a reverse delta: its journal plus the ghost it restores. */
function deltaBytes(d: ReverseDelta | undefined): number {
  if (d?.kind !== 'mem') return 0;
  const g = d.ghost;
  return (
    256 +
    d.mem.buffer.byteLength + // the whole buffer: a big journal is handed over, not copied
    200 * (g.handles.size + g.gone.size + g.forgotten.size + g.dmaSet.size) +
    100 * d.violations.length
  );
}

export class History<R> {
  private entries: Entry<R>[] = [];
  private pos = 0;
  /** Whether `machine.violations` describe the current state. */
  private valid = true;
  private readonly readsViolations: (source: string) => boolean;
  private readonly maxDeltaBytes: number;
  /** Bytes of the deltas kept, and the first entry whose delta may still be kept. */
  private deltaBytes = 0;
  private oldestKept = 0;
  /** Keyframes by position: seeking jumps to the nearest one instead of re-running every line. */
  private keyframes = new Map<number, Keyframe>();
  private keyframeEvery: number;
  private readonly maxKeyframeBytes: number;
  private keyframeBytes = 0;

  constructor(
    readonly session: HistorySession<R>,
    options: HistoryOptions = {},
  ) {
    this.readsViolations = options.readsViolations ?? ((s) => EXPECT_VIOLATION.test(s));
    this.maxDeltaBytes = options.maxDeltaBytes ?? 128 * 1024 * 1024;
    this.keyframeEvery = Math.max(1, options.keyframeEvery ?? 128);
    this.maxKeyframeBytes = options.maxKeyframeBytes ?? 256 * 1024 * 1024;
  }

  /** How many lines are recorded. */
  get length(): number {
    return this.entries.length;
  }

  /** How many lines have run: 0 (fresh) .. length. */
  get position(): number {
    return this.pos;
  }

  source(i: number): string {
    return this.entry(i).source;
  }

  /** The result of line i (0-based), or undefined if it has not run yet. */
  result(i: number): R | undefined {
    return this.entry(i).result;
  }

  /** Every recorded line, in order (the script). */
  lines(): string[] {
    return this.entries.map((e) => e.source);
  }

  /** Runs a new line at the current position, dropping any recorded future. */
  exec(source: string): R {
    this.entries.length = this.pos;
    for (const k of [...this.keyframes.keys()]) if (k > this.pos) this.dropKeyframe(k);
    this.entries.push({ source, checked: false, validAfter: false, bytes: 0 });
    const r = this.run(this.pos, 'checked');
    this.settle();
    return r;
  }

  /** A fresh session over these lines, then `seek(step)` (default: the end). */
  load(lines: readonly string[], step = lines.length): void {
    this.entries = lines.map((source) => ({ source, checked: false, validAfter: false, bytes: 0 }));
    for (const k of [...this.keyframes.keys()]) this.dropKeyframe(k);
    this.restart();
    this.seek(step);
  }

  /** Undoes one line; false at the start. */
  back(): boolean {
    if (this.pos === 0) return false;
    this.seek(this.pos - 1);
    return true;
  }

  /** Re-runs the next recorded line; false at the end. */
  forward(): boolean {
    if (this.pos === this.entries.length) return false;
    this.seek(this.pos + 1);
    return true;
  }

  /** Goes to position k (clamped to 0..length). */
  seek(k: number): void {
    const target = Math.max(0, Math.min(this.entries.length, Math.trunc(k)));
    // The nearest keyframe at or before the target: from there only target - kf lines re-run.
    let kf = -1;
    for (const p of this.keyframes.keys()) if (p <= target && p > kf) kf = p;
    if (target < this.pos) {
      let undoable = true;
      for (let i = target; i < this.pos; i++) {
        const e = this.entries[i]!;
        if (e.lost || e.delta?.kind === 'reboot') undoable = false;
      }
      if (undoable && (kf < 0 || this.pos - target <= target - kf))
        while (this.pos > target) this.undoOne();
      else if (kf >= 0) this.restoreKeyframe(kf);
      else this.restart();
    } else if (kf > this.pos && target - kf < target - this.pos) this.restoreKeyframe(kf);
    while (this.pos < target) this.run(this.pos, this.pos === target - 1 ? 'checked' : 'off');
    this.settle();
  }

  // ---- internals --------------------------------------------------------------------------------

  private entry(i: number): Entry<R> {
    const e = this.entries[i];
    if (!e) throw new RangeError(`no line ${i} in a history of ${this.entries.length}`);
    return e;
  }

  /** A fresh session at position 0 (the recorded lines stay). */
  private restart(): void {
    this.session.reset();
    for (const e of this.entries) {
      e.delta = undefined;
      e.markBefore = undefined;
      e.lost = false;
      e.bytes = 0;
    }
    this.pos = 0;
    this.valid = true;
    this.deltaBytes = 0;
    this.oldestKept = 0;
  }

  /** Runs entry i (which must be the next one) with the given checking. */
  private run(i: number, checking: 'checked' | 'off'): R {
    const e = this.entry(i);
    // A line that reads the violations needs exact ones when its result counts: when it is the
    // stop, or runs for the first time. A re-run's result is thrown away (the checked one stays).
    if ((checking === 'checked' || !e.checked) && this.readsViolations(e.source)) this.settle();
    const machine = this.session.machine;
    e.markBefore = this.session.mark();
    e.freshBefore = machine.fresh;
    // A checked run uses the machine's own mode (incremental unless set otherwise).
    const mode = machine.checking;
    if (checking === 'off') machine.checking = 'off';
    let ran: Ran<R>;
    try {
      ran = this.session.exec(e.source);
    } finally {
      machine.checking = mode;
    }
    const { result: r, delta } = ran;
    e.delta = delta;
    e.lost = false;
    e.bytes = deltaBytes(delta);
    this.deltaBytes += e.bytes;
    if (delta?.kind === 'reboot') this.valid = true;
    else if (delta) this.valid = checking === 'checked';
    e.validAfter = this.valid;
    if (checking === 'checked' || !e.checked) {
      e.result = r;
      e.checked = checking === 'checked';
    }
    this.pos = i + 1;
    this.trim();
    if (this.pos % this.keyframeEvery === 0 && !this.keyframes.has(this.pos)) this.addKeyframe();
    return r;
  }

  private addKeyframe(): void {
    const image = this.session.machine.image();
    let bytes = image.mem.meta.byteLength + image.mem.pages.length * 4096 + 1024;
    for (const a of image.tlb) bytes += a.byteLength;
    this.keyframes.set(this.pos, { image, mark: this.session.mark(), valid: this.valid, bytes });
    this.keyframeBytes += bytes;
    // Over budget: keep every other keyframe and take them half as often from now on.
    while (this.keyframeBytes > this.maxKeyframeBytes && this.keyframes.size > 1) {
      this.keyframeEvery *= 2;
      for (const p of [...this.keyframes.keys()])
        if (p % this.keyframeEvery !== 0) this.dropKeyframe(p);
    }
  }

  private dropKeyframe(p: number): void {
    const k = this.keyframes.get(p);
    if (!k) return;
    this.keyframeBytes -= k.bytes;
    this.keyframes.delete(p);
  }

  /** Jumps to keyframe position p: the lines before it can no longer be undone one by one. */
  private restoreKeyframe(p: number): void {
    const k = this.keyframes.get(p)!;
    this.session.machine.restoreImage(k.image);
    this.session.restore(k.mark);
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (i >= p || !e.delta) {
        this.deltaBytes -= e.bytes;
        e.delta = undefined;
        e.bytes = 0;
        e.markBefore = undefined;
        e.lost = i < p;
      }
    }
    this.pos = p;
    this.valid = k.valid;
    if (p > 0) this.entries[p - 1]!.validAfter = k.valid;
  }

  /** Drops the oldest deltas while the kept ones exceed the budget (never the last line's). */
  private trim(): void {
    while (this.deltaBytes > this.maxDeltaBytes && this.oldestKept < this.pos - 1) {
      const e = this.entries[this.oldestKept++]!;
      if (e.delta?.kind !== 'mem') continue;
      this.deltaBytes -= e.bytes;
      e.delta = undefined;
      e.bytes = 0;
      e.lost = true;
    }
  }

  /** Undoes the last line that ran (never a reboot: seek replays across those). */
  private undoOne(): void {
    const e = this.entry(this.pos - 1);
    const machine = this.session.machine;
    if (e.delta) machine.undo(e.delta, true); // the entry drops its delta right after
    this.session.restore(e.markBefore);
    machine.fresh = e.freshBefore ?? machine.fresh;
    this.deltaBytes -= e.bytes;
    e.delta = undefined;
    e.bytes = 0;
    e.markBefore = undefined;
    this.pos--;
    this.oldestKept = Math.min(this.oldestKept, this.pos);
    this.valid = this.pos === 0 ? true : this.entries[this.pos - 1]!.validAfter;
  }

  /** Makes `machine.violations` exact for the current position. */
  private settle(): void {
    if (this.valid) return;
    this.session.machine.settle();
    this.valid = true;
    if (this.pos > 0) this.entries[this.pos - 1]!.validAfter = true;
  }
}
