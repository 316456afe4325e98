// Is the simulation worker still alive? A worker that dies without an `error` event (it closed
// itself, it loops forever, the browser stopped it) simply goes silent, so the client listens: any
// message from the worker, or its progress counter moving (it bumps one for every line it runs),
// counts as a sign of life. When idle it is pinged; an unanswered ping means death. While it is busy
// (inside a change: one long command cannot answer until it ends) only a much longer silence
// counts. Time is passed in: pure, tested in Node.

export interface LivenessOptions {
  /** Idle: ping after this long without a sign of life (ms). */
  pingAfter: number;
  /** Idle: dead when a ping stays unanswered this long (ms). */
  idleTimeout: number;
  /** Busy: dead after this long without any sign of life (ms). */
  busyTimeout: number;
  /** A gap between two checks longer than this means the page itself stood still (ms). */
  stall: number;
}

export const LIVENESS: LivenessOptions = {
  pingAfter: 1000,
  idleTimeout: 3000,
  busyTimeout: 15_000,
  stall: 2500,
};

export type Verdict = 'ok' | 'ping' | 'dead';

export class Liveness {
  private lastHeard: number;
  private pingSince: number | null = null;
  private lastCheck: number;
  private progress = -1;

  constructor(
    now: number,
    private readonly o: LivenessOptions = LIVENESS,
  ) {
    this.lastHeard = now;
    this.lastCheck = now;
  }

  /** A message from the worker arrived. */
  heard(now: number): void {
    this.lastHeard = now;
    this.pingSince = null;
  }

  /**
   * What to do now: nothing, send a ping (then call `pinged`), or give the worker up. `busy`: the
   * worker is inside a long call; `progress`: the worker's counter (-1 when there is none).
   */
  check(now: number, busy: boolean, progress: number): Verdict {
    if (now - this.lastCheck > this.o.stall) {
      // The page was frozen or throttled: what the worker said meanwhile may not be read yet.
      this.heard(now);
    }
    this.lastCheck = now;
    if (progress !== this.progress) {
      this.progress = progress;
      this.heard(now);
    }
    if (busy) return now - this.lastHeard > this.o.busyTimeout ? 'dead' : 'ok';
    if (this.pingSince !== null) return now - this.pingSince > this.o.idleTimeout ? 'dead' : 'ok';
    return now - this.lastHeard >= this.o.pingAfter ? 'ping' : 'ok';
  }

  pinged(now: number): void {
    this.pingSince = now;
  }

  /** How long the worker has been silent (ms), for the message that says it died. */
  silentFor(now: number): number {
    return now - this.lastHeard;
  }
}
