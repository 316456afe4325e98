// The UI side of the contract: starts the simulation worker, wraps it with Comlink, and survives
// its death. `api` is a stable facade: each call goes to the current worker; if that worker fails
// (an `error` event: it threw at top level, or could not load) or goes silent (liveness.ts: it
// closed itself or hangs, with no event at all), every pending call rejects with WorkerDied, a new
// worker starts, and `onCrash` tells the UI, which replays its script.
import * as Comlink from 'comlink';
import type { ExecResult, SimApi, WorkerApi } from './api';
import { wholeSnapshot } from './delta';
import { LIVENESS, Liveness, type LivenessOptions } from './liveness';
import type { Snapshot } from './snapshot';

export class WorkerDied extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerDied';
  }
}

export interface SimClientOptions {
  /** The worker died and a new one has started (empty): replay the session on it. */
  onCrash?: (message: string) => void;
  /** The worker died before ever answering, twice in a row: no restart (e.g. its script is missing). */
  onFatal?: (message: string) => void;
  /** When a silent worker counts as dead (default: LIVENESS). */
  liveness?: LivenessOptions;
}

/** How often the client checks that the worker is alive (ms). */
const HEARTBEAT_MS = 500;

const METHODS = [
  'exec',
  'load',
  'loadLink',
  'link',
  'reset',
  'back',
  'forward',
  'seek',
  'status',
  'timeline',
  'script',
  'snapshot',
  'frame',
  'complete',
  'prediction',
  'exerciseKinds',
  'exercise',
  'judge',
  'epoch',
  'crash',
  'ping',
  'hang',
] as const satisfies readonly (keyof SimApi)[];

/** Calls after which the machine may have changed (the epoch's fallback without shared memory). */
const CHANGING = new Set<string>(['exec', 'load', 'loadLink', 'reset', 'back', 'forward', 'seek']);

interface Running {
  worker: Worker;
  remote: Comlink.Remote<WorkerApi>;
  epoch: Int32Array | null;
  answered: boolean;
  alive: Liveness;
  /** The last snapshot this worker sent, whole. */
  held: Snapshot | null;
}

type WaitAsync = (
  a: Int32Array,
  index: number,
  value: number,
  timeout?: number,
) => { async: boolean; value: Promise<string> | string };

/** Atomics.waitAsync where the browser has it (ES2024; Chromium does). */
const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;

export class SimClient {
  readonly api: SimApi;
  /** How many workers have died so far. */
  crashes = 0;
  private current: Running | null = null;
  private readonly pending = new Set<(e: Error) => void>();
  private localEpoch = 0;
  private readonly listeners = new Set<() => void>();
  private frame = 0;
  private earlyDeaths = 0;
  private disposed = false;
  /**
   * When the latest message from the worker arrived (performance.now()), before it was decoded:
   * where the main thread's share of a publication starts.
   */
  lastMessageAt = 0;
  /** The worker the latest message came from. */
  private lastHeardFrom: Running | null = null;

  constructor(private readonly options: SimClientOptions = {}) {
    const api: Partial<Record<keyof SimApi, unknown>> = {};
    for (const m of METHODS) api[m] = (...args: unknown[]) => this.call(m, args);
    this.api = api as SimApi;
    this.start();
    this.heartbeat = setInterval(this.checkAlive, HEARTBEAT_MS);
  }

  private readonly heartbeat: ReturnType<typeof setInterval>;

  /** Pings an idle worker; gives up one that stays silent (see liveness.ts). */
  private checkAlive = (): void => {
    const run = this.current;
    if (!run || this.disposed) return;
    const now = performance.now();
    const progress = run.epoch && run.epoch.length > 1 ? Atomics.load(run.epoch, 1) : -1;
    // Busy: inside a change (an odd epoch: one long command cannot answer until it ends), or still
    // loading (it has not said a word yet). Without shared memory: whenever a call is outstanding.
    // A call waiting on a worker that is not inside a change does not count: a dead one never ends it.
    const busy =
      this.lastHeardFrom !== run ||
      (run.epoch ? Atomics.load(run.epoch, 0) % 2 !== 0 : this.pending.size > 0);
    const verdict = run.alive.check(now, busy, progress);
    if (verdict === 'ping') {
      run.alive.pinged(now);
      // Not through `call`: a ping does not make the worker busy, and its answer is only heard.
      run.remote.ping().catch(() => {});
    } else if (verdict === 'dead') {
      const s = Math.round(run.alive.silentFor(now) / 1000);
      this.died(run, `it went silent for ${s} s`);
    }
  };

  /**
   * The publication epoch: the worker's shared counter (odd while it writes), or a local count of
   * finished changing calls (always even) when the page has no SharedArrayBuffer.
   */
  epoch(): number {
    const e = this.current?.epoch;
    return e ? Atomics.load(e, 0) : this.localEpoch * 2;
  }

  /**
   * Calls `onChange` (at most once a frame, on requestAnimationFrame) whenever the epoch may have
   * moved: woken by the worker's Atomics.notify through Atomics.waitAsync, so an idle page does no
   * work; without shared memory, after every changing call. Returns the unsubscribe function.
   */
  watch(onChange: () => void): () => void {
    this.listeners.add(onChange);
    this.changed();
    return () => this.listeners.delete(onChange);
  }

  private changed(): void {
    if (this.frame || this.disposed) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      for (const f of [...this.listeners]) f();
    });
  }

  /** Waits on the shared epoch of `run` for as long as it is the current worker. */
  private async follow(run: Running): Promise<void> {
    if (!waitAsync || !run.epoch) return;
    while (this.current === run && !this.disposed) {
      const seen = Atomics.load(run.epoch, 0);
      const w = waitAsync(run.epoch, 0, seen, 5000);
      if (w.async) await w.value;
      if (Atomics.load(run.epoch, 0) !== seen) this.changed();
    }
  }

  /** Releases the proxy and terminates the worker (call it in effect cleanup). */
  dispose(): void {
    cancelAnimationFrame(this.frame);
    clearInterval(this.heartbeat);
    this.disposed = true;
    this.stop(new WorkerDied('the simulation client was disposed'));
  }

  private start(): void {
    // Written inline: Vite only bundles a worker whose URL is a literal `new URL(..., import.meta.url)`.
    const worker = new Worker(new URL('../../workers/sim.worker.ts', import.meta.url), {
      type: 'module',
      name: 'pagelab-sim',
    });
    const alive = new Liveness(performance.now(), this.options.liveness ?? LIVENESS);
    // Added before Comlink's listener, and reading nothing: the time is taken before decoding.
    worker.addEventListener('message', () => {
      this.lastMessageAt = performance.now();
      this.lastHeardFrom = run;
      alive.heard(this.lastMessageAt);
    });
    const run: Running = {
      worker,
      remote: Comlink.wrap<WorkerApi>(worker),
      epoch: null,
      answered: false,
      alive,
      held: null,
    };
    this.current = run;
    const died = (event: Event) => {
      if (this.current !== run) return;
      const message =
        event instanceof ErrorEvent && event.message
          ? event.message
          : 'the simulation worker stopped';
      event.preventDefault();
      this.died(run, message);
    };
    worker.addEventListener('error', died);
    worker.addEventListener('messageerror', died);
    run.remote.epoch().then(
      (buf) => {
        if (buf) run.epoch = new Int32Array(buf);
        this.changed();
        void this.follow(run);
      },
      () => {},
    );
  }

  private stop(reason: Error): void {
    const run = this.current;
    this.current = null;
    for (const reject of [...this.pending]) reject(reason);
    this.pending.clear();
    if (run) {
      run.remote[Comlink.releaseProxy]();
      run.worker.terminate();
    }
  }

  private died(run: Running, message: string): void {
    this.crashes++;
    this.earlyDeaths = run.answered ? 0 : this.earlyDeaths + 1;
    this.stop(new WorkerDied(message));
    if (this.disposed) return;
    if (this.earlyDeaths >= 2) {
      this.options.onFatal?.(message);
      return;
    }
    this.start();
    this.options.onCrash?.(message);
  }

  private call(method: keyof WorkerApi, args: unknown[]): Promise<unknown> {
    const run = this.current;
    if (!run) return Promise.reject(new WorkerDied('the simulation worker is not running'));
    // Name the snapshot held: the worker then sends only what changed since (delta.ts).
    if (method === 'exec') {
      const opts = args[1] as Parameters<SimApi['exec']>[1];
      if (opts?.snapshot && run.held) args = [args[0], { ...opts, base: run.held.seq }];
    } else if (method === 'snapshot' && run.held) {
      const opts = args[0] as Parameters<SimApi['snapshot']>[0];
      if (opts?.inspect === undefined) {
        method = 'snapshotSince';
        args = [run.held.seq];
      }
    }
    return new Promise((resolve, reject) => {
      this.pending.add(reject);
      const fn = run.remote[method] as unknown as (...a: unknown[]) => Promise<unknown>;
      fn(...args).then(
        (value) => {
          if (!this.pending.delete(reject)) return;
          run.answered = true;
          let answer: unknown;
          try {
            answer = received(run, method, value);
          } catch (err) {
            reject(err as Error);
            return;
          }
          if (CHANGING.has(method)) {
            this.localEpoch++;
            if (!run.epoch || !waitAsync) this.changed();
          }
          resolve(answer);
        },
        (err: unknown) => {
          if (this.pending.delete(reject))
            reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  }
}

/**
 * Holds each snapshot a worker sends, and makes a delta (of an exec result, or of snapshotSince)
 * its whole snapshot again. Called in the order the answers arrive, which is the order the worker
 * sent them: each delta finds the snapshot it was made against. Returns what the call answers.
 */
function received(run: Running, method: keyof WorkerApi, value: unknown): unknown {
  if (method === 'snapshot') run.held = value as Snapshot;
  if (method !== 'exec' && method !== 'snapshotSince') return value;
  const r = value as Pick<ExecResult, 'snapshot' | 'delta'>;
  if (r.delta) {
    if (!run.held) throw new Error('a snapshot delta reached a client holding no snapshot');
    r.snapshot = wholeSnapshot(r.delta, run.held);
    delete r.delta;
  }
  if (r.snapshot) run.held = r.snapshot;
  return method === 'snapshotSince' ? r.snapshot : value;
}
