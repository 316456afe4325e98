// A snapshot crosses to the UI as what changed since the one the UI holds. Most commands change a
// few parts of it (an `alloc`: the counts, the handles, the last step), yet a whole snapshot is
// cloned, sent and decoded every time, and the UI then compares it part by part with the last one.
// The worker compares instead, off the main thread, and leaves the equal parts out; the UI puts
// its own back, which are then the same objects as before (so they also intern at once). Pure, no
// engine: both sides use it.
import type { Snapshot } from './snapshot';

/**
 * A snapshot less the parts equal to those of snapshot `base` (by seq), which `same` names.
 * `wholeSnapshot(delta, base)` is the snapshot again.
 */
export interface SnapshotDelta {
  base: number;
  same: (keyof Snapshot)[];
  parts: Partial<Snapshot>;
}

/** `next` as what differs from `base`. */
export function snapshotDelta(next: Snapshot, base: Snapshot): SnapshotDelta {
  const same: (keyof Snapshot)[] = [];
  const parts: Partial<Record<keyof Snapshot, unknown>> = {};
  for (const k of Object.keys(next) as (keyof Snapshot)[]) {
    if (Object.hasOwn(base, k) && sameValue(next[k], base[k])) same.push(k);
    else parts[k] = next[k];
  }
  return { base: base.seq, same, parts: parts as Partial<Snapshot> };
}

/** The snapshot `delta` stands for, its equal parts taken from `base` (which it must name). */
export function wholeSnapshot(delta: SnapshotDelta, base: Snapshot): Snapshot {
  if (delta.base !== base.seq)
    throw new Error(
      `a snapshot delta against #${delta.base} reached a receiver holding #${base.seq}`,
    );
  const out: Partial<Record<keyof Snapshot, unknown>> = { ...delta.parts };
  for (const k of delta.same) out[k] = base[k];
  return out as unknown as Snapshot;
}

/**
 * Equal as postMessage would copy them: plain objects and arrays by content, typed arrays by type
 * and elements, shared buffers by identity (the receiver's copy of one is the same memory).
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (ArrayBuffer.isView(a)) {
    if (!ArrayBuffer.isView(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b))
      return false;
    const x = a as unknown as ArrayLike<unknown>;
    const y = b as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    return true;
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  const pa = Object.getPrototypeOf(a) as unknown;
  if ((pa !== Object.prototype && pa !== null) || Object.getPrototypeOf(b) !== pa) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  for (const k of keys) if (!Object.hasOwn(y, k) || !sameValue(x[k], y[k])) return false;
  return true;
}
