// Structural sharing between consecutive snapshots. The worker sends a fresh Snapshot after every
// command, so every part of it is a new object even when nothing in it changed; `intern` gives back
// the previous part wherever the new one is equal, so the views can skip work (React.memo, useMemo,
// canvas redraws) by comparing identities. Shared memory the worker keeps writing (the class bytes,
// the TLB arrays, the page-table nodes) cannot be compared with an older reference to itself:
// SnapshotKeeper copies those into buffers of its own, which also keeps a snapshot's view of them
// fixed. Pure: tested in Node.
import { PAGE_WORDS } from '../../bridge/shared_layout';
import type { Snapshot, SpaceInfo } from '../../bridge/snapshot';

/** Same element type and the same bits (compared as bytes or words: one loop for every type). */
function sameTyped(a: ArrayBufferView, b: ArrayBufferView): boolean {
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b) || a.byteLength !== b.byteLength)
    return false;
  return sameBytes(a.buffer, a.byteOffset, b.buffer, b.byteOffset, a.byteLength);
}

function sameBytes(
  x: ArrayBufferLike,
  xo: number,
  y: ArrayBufferLike,
  yo: number,
  n: number,
): boolean {
  if (n % 4 === 0 && xo % 4 === 0 && yo % 4 === 0) {
    const a = new Int32Array(x, xo, n >> 2);
    const b = new Int32Array(y, yo, n >> 2);
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  const a = new Uint8Array(x, xo, n);
  const b = new Uint8Array(y, yo, n);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isPlain(x: object): boolean {
  const p = Object.getPrototypeOf(x) as unknown;
  return p === Object.prototype || p === null;
}

/**
 * `next`, with every part equal to the same part of `prev` replaced by that part of `prev` (and
 * `prev` itself when the whole is equal). Plain objects, arrays, typed arrays, Maps and Sets are
 * compared by content; buffers and other objects by identity. Never mutates either argument.
 */
export function intern<T>(prev: unknown, next: T): T {
  if (Object.is(prev, next) || typeof next !== 'object' || next === null) return next;
  if (typeof prev !== 'object' || prev === null) return next;
  if (ArrayBuffer.isView(next))
    return ArrayBuffer.isView(prev) && sameTyped(prev, next) ? (prev as T) : next;
  // Arrays and plain objects: a new container only from the first part that differs (most are equal).
  if (Array.isArray(next)) {
    if (!Array.isArray(prev)) return next;
    let out: unknown[] | null = prev.length === next.length ? null : next.slice(0, 0);
    for (let i = 0; i < next.length; i++) {
      const y = intern(prev[i], next[i] as unknown);
      if (out) out.push(y);
      else if (y !== prev[i]) {
        out = prev.slice(0, i);
        out.push(y);
      }
    }
    return (out ?? prev) as T;
  }
  if (next instanceof Set) {
    if (!(prev instanceof Set) || prev.size !== next.size) return next;
    for (const x of next) if (!prev.has(x)) return next;
    return prev as T;
  }
  if (next instanceof Map) {
    if (!(prev instanceof Map)) return next;
    let same = prev.size === next.size;
    const out = new Map();
    for (const [k, v] of next as Map<unknown, unknown>) {
      const p: unknown = prev.get(k);
      const y = intern(p, v);
      if (y !== p || !prev.has(k)) same = false;
      out.set(k, y);
    }
    return (same ? prev : out) as T;
  }
  if (!isPlain(next) || !isPlain(prev)) return next;
  const p = prev as Record<string, unknown>;
  const n = next as Record<string, unknown>;
  // Own keys as arrays (plain objects have nothing else to enumerate): for…in over the many
  // shapes of a snapshot's parts stays on V8's slow path.
  const keys = Object.keys(n);
  let out: Record<string, unknown> | null = null;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const y = intern(p[k], n[k]);
    if (out) out[k] = y;
    else if (y !== p[k] || (y === undefined && !Object.hasOwn(p, k))) {
      out = {};
      // The keys before this one were all equal: take them from `next`'s order, `prev`'s values.
      for (let j = 0; j < i; j++) out[keys[j]!] = p[keys[j]!];
      out[k] = y;
    }
  }
  if (!out && Object.keys(p).length !== keys.length) {
    // `prev` has more keys; every one `next` has is equal.
    out = {};
    for (const k of keys) out[k] = p[k];
  }
  return (out ?? prev) as T;
}

/** Keeps the last value and interns each new one against it. */
export class Keeper<T> {
  private last: T | undefined;
  keep(next: T): T {
    this.last = intern(this.last, next);
    return this.last;
  }
}

/**
 * A private copy of a shared buffer's bytes, or `kept` itself when they are the same bytes. A plain
 * ArrayBuffer (a new SharedArrayBuffer costs far more to make) standing in for the shared one: the
 * views only ever read these through typed arrays, which take either.
 */
function copyOf(live: SharedArrayBuffer, kept: SharedArrayBuffer | undefined): SharedArrayBuffer {
  if (kept && kept.byteLength === live.byteLength && sameBytes(kept, 0, live, 0, live.byteLength))
    return kept;
  return new Uint8Array(live).slice().buffer as unknown as SharedArrayBuffer;
}

/**
 * Interns each snapshot against the one before. The frame classes and the TLB arrays are replaced
 * by private copies (new buffers only when their bytes changed), so a view that draws them can tell
 * a change by identity, and reads what this snapshot had even after the worker wrote on. The
 * buffers it reads live (meta, frame contents) keep their first object while the worker names the
 * same memory.
 */
export class SnapshotKeeper {
  private input: Snapshot | null = null;
  private output: Snapshot | null = null;

  keep(next: Snapshot): Snapshot {
    if (next === this.input && this.output) return this.output;
    const kept = this.output?.shared;
    const t = next.shared.tlb;
    // The same memory as before: the objects kept stand for it, so that identity means unchanged.
    const same = kept?.memory === next.shared.memory ? kept : undefined;
    const copied: Snapshot = {
      ...next,
      shared: {
        ...next.shared,
        ...(same && { meta: same.meta, pageSlot: same.pageSlot, pool: same.pool }),
        classes: copyOf(next.shared.classes, kept?.classes),
        tlb: {
          vpn: copyOf(t.vpn, kept?.tlb.vpn),
          pfn: copyOf(t.pfn, kept?.tlb.pfn),
          flags: copyOf(t.flags, kept?.tlb.flags),
          age: copyOf(t.age, kept?.tlb.age),
          gen: copyOf(t.gen, kept?.tlb.gen),
          clock: copyOf(t.clock, kept?.tlb.clock),
        },
      },
    };
    this.input = next;
    this.output = intern(this.output, copied);
    const copies = new Map<string, NodeCopy | null>();
    const pages = new Map<string, NodePages | null>();
    for (const sp of this.output.spaces) {
      const c = copyNodes(next, sp, this.copies?.get(sp.id) ?? undefined);
      copies.set(sp.id, c);
      pages.set(sp.id, c?.pages ?? null);
    }
    this.copies = copies;
    nodePagesOf.set(this.output, pages);
    return this.output;
  }

  private copies: Map<string, NodeCopy | null> | null = null;
}

const nodePagesOf = new WeakMap<Snapshot, Map<string, NodePages | null>>();

/** A space's node copy, with the memory and the node versions it was taken from. */
interface NodeCopy {
  pages: NodePages;
  memory: string;
  versions: Uint32Array;
}

/**
 * A space's page-table nodes as the keeper copied them for this snapshot; null when it did not
 * (too many nodes, or a snapshot it did not keep): then read the shared memory, which may change.
 */
export function nodePages(s: Snapshot, space: string): NodePages | null {
  return nodePagesOf.get(s)?.get(space) ?? null;
}

/**
 * The page-table nodes of one space's skeleton, copied out of the shared frame contents: what its
 * tree reads its leaves from. A new object only when a node or its contents changed.
 */
export class NodePages {
  constructor(
    /** The nodes' frames, in skeleton order (groups of empty nodes left out). */
    readonly nodes: Float64Array,
    /** PAGE_WORDS words a node, in the same order. */
    readonly words: Uint32Array,
    private readonly at: Map<number, number>,
  ) {}
  pteLo(node: number, idx: number): number {
    const k = this.at.get(node);
    return k === undefined ? 0 : this.words[k * PAGE_WORDS + idx * 2]!;
  }
  pteHi(node: number, idx: number): number {
    const k = this.at.get(node);
    return k === undefined ? 0 : this.words[k * PAGE_WORDS + idx * 2 + 1]!;
  }
}

/** Past this many nodes a space's tree reads shared memory directly, as it changes (no copy). */
export const MAX_COPIED_NODES = 1024;

/** The frames of the skeleton's nodes (groups of empty nodes left out), and their versions. */
function nodeFrames(
  sp: SpaceInfo,
  version: Uint32Array,
): { nodes: Float64Array; versions: Uint32Array } {
  const t = sp.tree;
  let n = 0;
  for (let i = 0; i < t.count; i++) if (t.span[i] === 1) n++;
  const nodes = new Float64Array(n);
  const versions = new Uint32Array(n);
  for (let i = 0, k = 0; i < t.count; i++)
    if (t.span[i] === 1) {
      nodes[k] = t.pfn[i]!;
      versions[k++] = version[i]!;
    }
  return { nodes, versions };
}

/**
 * `kept` when the nodes and their words are the same, else a new copy (null: too many to copy). In
 * the same memory the node versions tell; in another (a new machine) the words are compared.
 */
function copyNodes(s: Snapshot, sp: SpaceInfo, kept: NodeCopy | undefined): NodeCopy | null {
  const { nodes, versions } = nodeFrames(sp, s.nodeVersions[sp.id]);
  if (nodes.length > MAX_COPIED_NODES) return null;
  const memory = s.shared.memory;
  const slot = new Int32Array(s.shared.pageSlot);
  const pool = new Uint32Array(s.shared.pool);
  // Where a node's words start in the pool; -1: never written (all zero).
  const at = (pfn: number): number => {
    const p = slot[pfn] ?? -1;
    return p >= 0 && (p + 1) * PAGE_WORDS <= pool.length ? p * PAGE_WORDS : -1;
  };
  if (kept && sameTyped(kept.pages.nodes, nodes)) {
    if (kept.memory === memory && sameTyped(kept.versions, versions)) return kept;
    if (kept.memory !== memory && sameNodeWords(kept.pages.words, nodes, at, pool))
      return { pages: kept.pages, memory, versions };
  }
  const words = new Uint32Array(nodes.length * PAGE_WORDS);
  const index = new Map<number, number>();
  for (let k = 0; k < nodes.length; k++) {
    index.set(nodes[k]!, k);
    const from = at(nodes[k]!);
    if (from >= 0) words.set(pool.subarray(from, from + PAGE_WORDS), k * PAGE_WORDS);
  }
  return { pages: new NodePages(nodes, words, index), memory, versions };
}

/** Are `words` (PAGE_WORDS a node, in the order of `nodes`) what the pool holds now? */
function sameNodeWords(
  words: Uint32Array,
  nodes: Float64Array,
  at: (pfn: number) => number,
  pool: Uint32Array,
): boolean {
  for (let k = 0; k < nodes.length; k++) {
    const o = k * PAGE_WORDS;
    const from = at(nodes[k]!);
    if (from < 0) {
      for (let i = 0; i < PAGE_WORDS; i++) if (words[o + i] !== 0) return false;
    } else for (let i = 0; i < PAGE_WORDS; i++) if (words[o + i] !== pool[from + i]) return false;
  }
  return true;
}
