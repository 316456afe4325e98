// The app's controller: owns the simulation client, runs every session change one at a time,
// keeps the session mirror (store/session.ts) and the terminal's log up to date, refreshes the
// views' snapshot when the worker's epoch moves, autosaves, and recovers from a dead worker by
// replaying the mirrored script to the same step on a new one.
import type {
  ExecResult,
  ExerciseInfo,
  LoadResult,
  QuestionRef,
  ScriptLineResult,
  SessionStatus,
} from '../bridge/api';
import { SimClient, WorkerDied } from '../bridge/client';
import { helpRequest, helpText } from '../bridge/complete';
import type { Snapshot } from '../bridge/snapshot';
import defaultScenario from '../scenarios/default.lab?raw';
import { intern } from './views/intern';
import { useLog, type LogKind, type LogLine } from './store/log';
import { afterExec, notify, useSession } from './store/session';

type Entry = Omit<LogLine, 'id'>;

const SAVE_KEY = 'pagelab.session.v1';
/** The state hash is fetched this long (ms) after the last change. */
const HASH_DELAY = 60;
/** A loaded script prints at most this many of its results. */
const PRINT_LOADED = 200;

interface Saved {
  script: string;
  step: number;
  title: string;
}

function kindOf(r: { ok: boolean; kind: string }): LogKind {
  switch (r.kind) {
    case 'expect':
      return r.ok ? 'pass' : 'fail';
    case 'note':
      return 'note';
    case 'ask':
      return 'ask';
    default:
      return r.ok ? 'ok' : 'error';
  }
}

function resultEntries(r: Pick<ExecResult, 'ok' | 'kind' | 'text' | 'col'>): Entry[] {
  if (r.kind === 'blank') return [];
  const e: Entry = { kind: kindOf(r), text: r.text };
  if (r.col !== undefined) e.col = r.col;
  return [e];
}

function scriptEntries(results: ScriptLineResult[]): Entry[] {
  const shown = results.slice(-PRINT_LOADED);
  const out: Entry[] = [];
  if (shown.length < results.length)
    out.push({
      kind: 'info',
      text: `… ${results.length - shown.length} earlier lines ran (the timeline lists them)`,
    });
  for (const r of shown) out.push({ kind: 'input', text: r.source.trim() }, ...resultEntries(r));
  return out;
}

/** The browser terminal's keys, which `help` lists after the commands. */
const TERMINAL_KEYS =
  'Keys: Tab completes, ↑/↓ history, Ctrl-L clears, Esc then Tab leaves the terminal.';

export const print = (entries: Entry[]): void => useLog.getState().append(entries);

interface Probe {
  sent: number;
  /** The epoch when it was sent: a snapshot of a later epoch shows its effect. */
  epoch: number;
  execDone?: number;
  /** The worker's own time for the command. */
  worker?: number;
  asked?: number;
  got?: number;
}

/** Command → views, and its parts: the exec call, the wait for the next frame's epoch check,
 * the snapshot call, and React rendering the views. */
export interface Latency {
  total: number;
  exec: number;
  /** The part of `exec` the worker spent computing. */
  worker: number;
  wait: number;
  snapshot: number;
  render: number;
}

export interface SimOptions {
  /** The URL fragment the page was opened with (a share link), if any. */
  fragment?: string;
  /** Called once a share link was opened, to take it off the address bar. */
  clearFragment?: () => void;
  /** false: neither restore nor autosave the session (an embedded view). */
  persist?: boolean;
}

export class Sim {
  readonly client: SimClient;
  /** Session changes run one after another; `ready` holds them back during a recovery. */
  private queue: Promise<unknown> = Promise.resolve();
  private ready: Promise<unknown> = Promise.resolve();
  private seenEpoch = -1;
  private fetching = false;
  private unwatch: () => void = () => {};
  /** Commands in flight that bring their own snapshot (the epoch path waits for them). */
  private execs = 0;
  private unsubscribe: () => void = () => {};
  private hashTimer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;
  /** The typed command being timed, from sending it to the views showing its effect. */
  private probe: Probe | null = null;
  /** Command → views, per command (ms), with where the time went. */
  readonly latencies: Latency[] = [];

  constructor(private readonly options: SimOptions = {}) {
    this.client = new SimClient({
      onCrash: (message) => this.recover(message),
      onFatal: (message) => {
        useSession.setState({ phase: 'failed' });
        notify(
          'error',
          `The simulation worker cannot start: ${message}. Reload the page to try again.`,
        );
      },
    });
    this.unwatch = this.client.watch(this.tick);
    // A status without the state hash (every change's result): fetch the hash off the critical path.
    this.unsubscribe = useSession.subscribe((st, prev) => {
      if (st.status !== prev.status && st.status && st.status.hash === undefined) this.hashSoon();
    });
    addEventListener('pagehide', this.flushSave);
    void this.enqueue(() => this.boot());
  }

  dispose(): void {
    this.flushSave();
    this.disposed = true;
    removeEventListener('pagehide', this.flushSave);
    this.unwatch();
    this.unsubscribe();
    if (this.hashTimer !== null) clearTimeout(this.hashTimer);
    this.client.dispose();
  }

  // ---- what the UI asks for ---------------------------------------------------------------------

  /** A line typed at the prompt: `help` is answered here, anything else runs in the worker. */
  run(line: string): Promise<void> {
    const trimmed = line.trim();
    print([{ kind: 'input', text: trimmed, typed: true }]);
    const help = helpRequest(trimmed);
    if (help) {
      print(helpText(help.cmd, TERMINAL_KEYS).map((text) => ({ kind: 'info', text })));
      return Promise.resolve();
    }
    if (!trimmed) return Promise.resolve();
    return this.enqueue(async () => {
      const before = useSession.getState().status?.step ?? 0;
      const probe: Probe = { sent: performance.now(), epoch: this.client.epoch() };
      this.probe = probe;
      let r: ExecResult;
      // The views' snapshot, when it came with the result: set with the status, in one update.
      let shown: { snapshot: Snapshot } | null = null;
      this.execs++;
      try {
        r = await this.client.api.exec(line, { snapshot: true });
        probe.execDone = performance.now();
        probe.worker = r.ms;
        if (r.snapshot && r.epoch !== undefined) {
          // No second round trip for this epoch.
          this.seenEpoch = Math.max(this.seenEpoch, r.epoch);
          probe.asked = probe.execDone;
          probe.got = probe.execDone;
          this.probe = null;
          this.rendering = probe;
          this.arrived(r.snapshot);
          shown = { snapshot: r.snapshot };
        }
        this.execs--;
        this.tick(); // in case the epoch moved past this result meanwhile
      } catch (err) {
        this.execs--;
        this.probe = null;
        if (err instanceof WorkerDied)
          print([
            {
              kind: 'warn',
              text: `\`${trimmed}\` was not run: the worker stopped. ↑ brings it back.`,
            },
          ]);
        throw err;
      }
      print(resultEntries(r));
      for (const v of r.violations.slice(0, 5))
        if (r.kind === 'op' && r.ok)
          print([
            { kind: v.severity === 'error' ? 'fail' : 'warn', text: `  ${v.id}: ${v.message}` },
          ]);
      const s = useSession.getState();
      const next = afterExec(s.lines, s.timeline, before, line, r);
      if (next) {
        const dropped = s.lines.length - before;
        if (dropped > 0)
          print([
            {
              kind: 'info',
              text: `(typed at step ${before}: the ${dropped} later line${dropped === 1 ? ' was' : 's were'} dropped, as an editor does)`,
            },
          ]);
        useSession.setState({ ...next, status: r.status, ...shown });
      } else {
        useSession.setState({ status: r.status, ...shown });
        await this.resync();
      }
      this.save();
    });
  }

  back(): Promise<void> {
    return this.navigate(() => this.client.api.back());
  }

  forward(): Promise<void> {
    return this.navigate(() => this.client.api.forward());
  }

  /** Seeks; while one seek waits its turn, later ones only move its target (a dragged slider). */
  seek(step: number): Promise<void> {
    const queued = this.seekTarget !== null;
    this.seekTarget = step;
    if (queued && this.seekJob) return this.seekJob;
    this.seekJob = this.navigate(() => {
      const target = this.seekTarget ?? step;
      this.seekTarget = null;
      return this.client.api.seek(target);
    });
    return this.seekJob;
  }

  private seekTarget: number | null = null;
  private seekJob: Promise<void> | null = null;

  /** Loads a script (a scenario, a file) as a new session, at its end or at `step`. */
  open(script: string, title: string, step?: number): Promise<void> {
    return this.enqueue(async () => {
      print([
        {
          kind: 'info',
          text:
            step === 0
              ? `Opened “${title}” at its start: step through it with → or ▶ below.`
              : `Opened “${title}”.`,
        },
      ]);
      await this.loaded(await this.client.api.load(script, step), title);
    });
  }

  /** A fresh, empty session. */
  reset(): Promise<void> {
    return this.enqueue(async () => {
      const status = await this.client.api.reset();
      useSession.setState({ lines: [], timeline: [], status, title: 'a new session' });
      print([{ kind: 'info', text: 'A fresh machine (an empty script).' }]);
      this.save();
    });
  }

  /** The share link for the current script and step. */
  async shareUrl(): Promise<string> {
    const fragment = await this.client.api.link();
    const url = new URL(location.href);
    url.hash = fragment;
    return url.toString();
  }

  /** The prediction asked at an `ask` step (null: not one). */
  prediction(step: number) {
    return this.client.api.prediction(step).catch(() => null);
  }
  /** Judges an answer against the machine as it is once everything queued has run. */
  judge(ref: QuestionRef, given: string) {
    return this.enqueue(() => this.client.api.judge(ref, given));
  }
  exerciseKinds(): Promise<string[]> {
    return this.client.api.exerciseKinds().catch(() => []);
  }
  /** Opens the exercise `KIND-SEED`: its script loaded (at its end) and its question in the store. */
  openExercise(spec: string): Promise<ExerciseInfo> {
    return this.enqueue(() => this.loadExercise(spec));
  }
  private async loadExercise(spec: string): Promise<ExerciseInfo> {
    const info = await this.client.api.exercise(spec);
    if (info.ok) {
      print([{ kind: 'info', text: `Exercise ${info.id}: ${info.question}` }]);
      await this.loaded(await this.client.api.load(info.script), `exercise ${info.id}`);
    }
    useSession.setState({ exercise: info });
    return info;
  }
  complete(prefix: string) {
    return this.client.api.complete(prefix);
  }

  inspect = (pfn: number) => this.client.api.frame(pfn);

  /** Where the session is, with its state hash, once everything asked for so far has run. */
  state(): Promise<SessionStatus> {
    return this.enqueue(() => this.client.api.status());
  }

  /** When the state hash is due: HASH_DELAY ms after the latest change. */
  private hashDue = 0;

  /**
   * Asks for the state hash a little after the last change (it reads all of memory). A change
   * moves the due time only: the timer already set checks it when it fires and waits the rest
   * (every change's status comes here, on its publication's path, and setting a timer costs more).
   */
  private hashSoon(): void {
    this.hashDue = performance.now() + HASH_DELAY;
    if (this.hashTimer === null) this.hashTimer = setTimeout(this.hashNow, HASH_DELAY);
  }

  private hashNow = (): void => {
    if (this.disposed) return;
    const wait = this.hashDue - performance.now();
    if (wait > 1) {
      this.hashTimer = setTimeout(this.hashNow, wait);
      return;
    }
    this.hashTimer = null;
    const asked = useSession.getState().status;
    this.client.api.status().then(
      (st) => {
        // Only if nothing changed meanwhile (a newer status would be newer than this hash). The
        // parts it shares with the status shown stay the same objects: only the hash is new.
        if (useSession.getState().status === asked)
          useSession.setState({ status: intern(asked, st) });
      },
      () => {},
    );
  };

  /** The script as text (blank lines and comments kept). */
  script(): string {
    return useSession.getState().lines.join('\n');
  }

  /** Debug: makes the worker crash, as a bug would. */
  killWorker(): Promise<void> {
    return this.client.api.crash();
  }

  /** Debug: makes the worker go silent without an error event (loop forever, or close itself). */
  hangWorker(how: 'loop' | 'close'): Promise<void> {
    return this.client.api.hang(how);
  }

  // ---- internals --------------------------------------------------------------------------------

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(
      () => this.ready.then(job),
      () => this.ready.then(job),
    );
    this.queue = run.catch(() => {});
    return run.catch((err: unknown) => {
      if (!(err instanceof WorkerDied)) {
        print([{ kind: 'error', text: `internal error (a bug in PageLab): ${String(err)}` }]);
      }
      return undefined as T;
    });
  }

  private navigate(move: () => Promise<SessionStatus>): Promise<void> {
    return this.enqueue(async () => {
      const status = await move();
      useSession.setState({ status });
      // Lines of a loaded script run for the first time on a forward seek: fetch their results,
      // and print them as typed lines are (a lesson's notes appear in the terminal as it is
      // stepped through).
      const { timeline } = useSession.getState();
      const fresh = new Set(
        timeline.filter((e) => e.step <= status.step && e.ok === undefined).map((e) => e.step),
      );
      if (fresh.size > 0) {
        await this.resyncTimeline();
        const ran = useSession.getState().timeline.filter((e) => fresh.has(e.step));
        print(
          scriptEntries(
            ran.map((e) => {
              const now = status.current?.step === e.step ? status.current : null;
              return {
                line: e.line,
                source: e.source,
                ok: e.ok ?? false,
                kind: e.kind ?? 'op',
                text: now ? now.text : e.summary,
              };
            }),
          ),
        );
      }
      this.save();
    });
  }

  /** Opens a link's fragment: `#x=KIND-SEED` (an exercise) or `#s=…` (a share link). */
  openLink(fragment: string): Promise<boolean> {
    return this.enqueue(() => this.fromLink(fragment));
  }

  private async fromLink(hash: string): Promise<boolean> {
    const fragment = hash.replace(/^#/, '');
    this.options.clearFragment?.();
    if (fragment.startsWith('x=')) {
      const info = await this.loadExercise(decodeURIComponent(fragment.slice(2)));
      if (!info.ok) notify('error', `This exercise link could not be opened: ${info.error}.`);
      return info.ok;
    }
    const r = await this.client.api.loadLink(fragment);
    if (r.ok) {
      print([{ kind: 'info', text: 'Opened a shared link.' }]);
      await this.loaded(r, 'a shared link');
      return true;
    }
    notify(
      'error',
      `This link could not be opened: ${r.error ?? 'unknown error'}. Nothing from it was run.`,
    );
    return false;
  }

  private async boot(): Promise<void> {
    const fragment = this.options.fragment ?? '';
    if (fragment && (await this.fromLink(fragment))) return this.started();
    const saved = this.options.persist === false ? null : this.saved();
    if (saved) {
      const r = await this.client.api.load(saved.script, saved.step);
      if (r.ok) {
        print([{ kind: 'info', text: 'Your last session, restored:' }]);
        await this.loaded(r, saved.title);
        return this.started();
      }
    }
    print([{ kind: 'info', text: 'The default scenario:' }]);
    await this.loaded(await this.client.api.load(defaultScenario), 'the default scenario');
    this.started();
  }

  private started(): void {
    useSession.setState({ phase: 'ready' });
    print([
      {
        kind: 'info',
        text: 'Ready. Type a command and press Enter (`help` lists them; Tab completes).',
      },
    ]);
  }

  private async loaded(r: LoadResult, title: string): Promise<void> {
    if (!r.ok) {
      notify('error', `The script could not be loaded: ${r.error ?? 'unknown error'}`);
      return;
    }
    print(scriptEntries(r.results));
    const [script, timeline] = await Promise.all([
      this.client.api.script(),
      this.client.api.timeline(),
    ]);
    useSession.setState({
      lines: script === '' ? [] : script.split('\n'),
      timeline,
      status: r.status,
      title,
    });
    this.seenEpoch = -1;
    this.save();
  }

  /** Takes the mirror from the worker (after something unexpected). */
  private async resync(): Promise<void> {
    const script = await this.client.api.script();
    useSession.setState({ lines: script === '' ? [] : script.split('\n') });
    await this.resyncTimeline();
  }

  private async resyncTimeline(): Promise<void> {
    useSession.setState({ timeline: await this.client.api.timeline() });
  }

  /** The worker died and a new one runs: replay the mirrored script to the same step on it. */
  private recover(message: string): void {
    if (this.disposed) return;
    useSession.setState({ phase: 'recovering' });
    const { lines, status, title } = useSession.getState();
    const step = status?.step ?? lines.length;
    this.seenEpoch = -1;
    this.ready = (async () => {
      const r = await this.client.api.load(lines.join('\n'), step);
      if (r.ok) {
        useSession.setState({ status: r.status, phase: 'ready', title });
        this.tick();
        notify(
          'info',
          `The simulation worker stopped (${message}). PageLab restarted it and replayed your ${lines.length} lines to step ${r.status.step}: nothing was lost.`,
        );
        print([
          {
            kind: 'warn',
            text: `The worker stopped and was restarted; your script was replayed to step ${r.status.step}.`,
          },
        ]);
      } else {
        useSession.setState({ phase: 'failed' });
        notify(
          'error',
          `The simulation worker stopped and the replay failed: ${r.error ?? 'unknown error'}`,
        );
      }
    })().catch(() => {});
  }

  private saved(): Saved | null {
    try {
      const raw = localStorage.getItem(SAVE_KEY);
      if (!raw) return null;
      const s = JSON.parse(raw) as Partial<Saved>;
      if (typeof s.script !== 'string' || typeof s.step !== 'number') return null;
      return {
        script: s.script,
        step: s.step,
        title: typeof s.title === 'string' ? s.title : 'your last session',
      };
    } catch {
      return null;
    }
  }

  private saveTimer: ReturnType<typeof setTimeout> | null = null;

  /** Autosaves soon (not on every keystroke's path: storage writes are slow). */
  private save(): void {
    if (this.options.persist === false) return;
    if (this.saveTimer === null) this.saveTimer = setTimeout(this.flushSave, 250);
  }

  private flushSave = (): void => {
    if (this.saveTimer === null || this.disposed) return;
    clearTimeout(this.saveTimer);
    this.saveTimer = null;
    const { lines, status, title } = useSession.getState();
    try {
      localStorage.setItem(
        SAVE_KEY,
        JSON.stringify({ script: lines.join('\n'), step: status?.step ?? 0, title }),
      );
    } catch {
      // Storage full or disabled: autosave is best effort.
    }
  };

  /** On a frame after the epoch moved: a new even epoch means a finished change: fetch the snapshot. */
  private tick = (): void => {
    if (this.disposed) return;
    const epoch = this.client.epoch();
    if (this.fetching || this.execs > 0) return;
    if (epoch % 2 !== 0 || epoch <= this.seenEpoch) return;
    if (useSession.getState().phase === 'recovering') return;
    this.fetching = true;
    this.seenEpoch = epoch;
    const probe = this.probe && epoch > this.probe.epoch ? this.probe : null;
    if (probe) probe.asked = performance.now();
    this.client.api
      .snapshot()
      .then((snapshot) => {
        if (probe) {
          probe.got = performance.now();
          this.probe = null;
          this.rendering = probe;
        }
        this.arrived(snapshot);
        useSession.setState({ snapshot });
      })
      .catch(() => {})
      .finally(() => {
        this.fetching = false;
        // It may have moved again while this snapshot was built.
        if (this.client.epoch() !== this.seenEpoch) this.tick();
      });
  };

  private rendering: Probe | null = null;

  /** The snapshot being published, and when its message reached the main thread. */
  private publishing: { snapshot: Snapshot; start: number } | null = null;
  /** Main-thread time of each publication (ms), the latest last. */
  readonly publishes: number[] = [];

  private arrived(snapshot: Snapshot): void {
    this.publishing = { snapshot, start: this.client.lastMessageAt || performance.now() };
  }

  /**
   * React committed `snapshot` and its effects ran (canvases redrawn): the publication ends. Its
   * cost is measured as `pagelab: publish`, from the message that brought the snapshot.
   */
  published(snapshot: Snapshot): void {
    const p = this.publishing;
    if (p && p.snapshot === snapshot) {
      this.publishing = null;
      const end = performance.now();
      this.publishes.push(end - p.start);
      if (this.publishes.length > 1000) this.publishes.shift();
      performance.measure?.('pagelab: publish', { start: p.start, end });
    }
    this.viewsRendered();
  }

  /** The views rendered the latest snapshot: close the command → views measurement if one is open. */
  private viewsRendered(): void {
    const p = this.rendering;
    if (!p || p.got === undefined || p.asked === undefined) return;
    this.rendering = null;
    const now = performance.now();
    const execDone = p.execDone ?? p.asked;
    this.latencies.push({
      total: now - p.sent,
      exec: execDone - p.sent,
      worker: p.worker ?? 0,
      wait: p.asked - execDone,
      snapshot: p.got - p.asked,
      render: now - p.got,
    });
    if (this.latencies.length > 1000) this.latencies.shift();
    performance.measure?.('pagelab: command → views', { start: p.sent, end: now });
  }
}
