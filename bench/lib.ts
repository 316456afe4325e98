// Shared bits of the benchmark: rows, timing, a deterministic PRNG, and the sink that keeps the
// optimiser from deleting measured work.

/** One measured figure beside its limit (measured in the same run). */
export interface Row {
  name: string;
  value: number;
  unit: string;
  limit: number;
  /** value / limit */
  ratio: number;
  /** What the figure measures, and what the limit is. */
  what: string;
  /** The goal, in words (empty: none set); `met` is whether the figure reaches it. */
  goal: string;
  met?: boolean;
  notes: string[];
}

export function row(r: Omit<Row, 'ratio' | 'notes'> & { notes?: string[] }): Row {
  return { ...r, ratio: r.limit > 0 ? r.value / r.limit : 0, notes: r.notes ?? [] };
}

/** Anything measured code computes goes here, so it cannot be optimised away. */
export const sink = { n: 0 };

export const now = (): number => performance.now();

/**
 * A full garbage collection, when the process allows it (`npm run bench` starts Node with
 * --expose-gc): a series that follows another starts without the machines that one dropped (a
 * 2 GiB machine's memory is freed only by a full collection, and its pressure would fall on
 * whichever series runs next).
 */
export function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Ops per second of `run(n)` (which does n ops): warms up, sizes a rep to ~`targetMs`, then
 * returns the median of `reps` timed reps.
 */
export function rate(
  run: (n: number) => void,
  opts: { targetMs?: number; reps?: number } = {},
): number {
  const targetMs = opts.targetMs ?? 250;
  const reps = opts.reps ?? 5;
  let n = 16;
  for (;;) {
    const t0 = now();
    run(n);
    const dt = now() - t0;
    if (dt >= targetMs / 8 || n >= 1 << 30) {
      n = Math.max(1, Math.round((n * targetMs) / Math.max(dt, 1e-3)));
      break;
    }
    n *= 4;
  }
  const rates: number[] = [];
  for (let k = 0; k < reps; k++) {
    const t0 = now();
    run(n);
    rates.push(n / ((now() - t0) / 1000));
  }
  return median(rates);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The `q` quantile of `xs` (the element at rank ⌊q·n⌋, the last for q = 1). */
export function pct(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

/** xorshift32: the same sequence on every run. */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** A uniform integer in [0, n) for n up to 2^53, from two draws. */
export function below(rnd: () => number, n: number): number {
  return Math.floor(((rnd() * 2 ** 32 + rnd()) / 2 ** 64) * n);
}

export function human(v: number, unit: string): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  const [d, s] = a >= 1e9 ? [1e9, 'G'] : a >= 1e6 ? [1e6, 'M'] : a >= 1e3 ? [1e3, 'k'] : [1, ''];
  const x = v / d;
  return `${x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)}${s || unit ? ' ' : ''}${s}${unit}`.trimEnd();
}

export function ms(v: number): string {
  return v >= 1000
    ? `${(v / 1000).toFixed(2)} s`
    : v >= 10
      ? `${v.toFixed(0)} ms`
      : `${v.toFixed(2)} ms`;
}

/** Progress and notes go to stderr so that `--json` keeps stdout machine-readable. */
export function progress(text: string): void {
  process.stderr.write(`${text}\n`);
}
