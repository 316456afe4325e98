import { SimError } from '../errors';

export const SLOT_WORDS = 16;
export const PAGE_BYTES = 4096;
const PAGE_WORDS = PAGE_BYTES / 4;
/** Pool pages the contents store starts with; it doubles (one copy) when full. */
const POOL_INITIAL_PAGES = 64;

/** Journal capacity to start with (numbers: two per entry); it doubles when full. */
const LOG_INITIAL = 2 * 4096;
/** A journal at least this long (numbers) is handed over by `take` rather than copied. */
const LOG_HANDOVER = 2 * 65536;

/** Journal array ids: 0 = metadata words, 1 = page-slot table (pool allocation), 2 = the pool. */
const ARR_META = 0;
const ARR_PAGESLOT = 1;
const ARR_POOL = 2;
/** Registered arrays (TLBs) get ids from here on. */
const ARR_EXTRA0 = 3;
/**
 * A journal entry is (array id · ARR_SPAN + index, old value). Every index is below ARR_SPAN (the
 * pool's largest is 2^29 on a 2 GiB machine), so metadata entries (id 0) are the keys < ARR_SPAN.
 */
const ARR_SPAN = 2 ** 30;

export type JournalMark = number;

/**
 * Software that follows a corrupt pointer (a page-table entry written with `unsafe`) to a frame
 * this machine does not have faults in the kernel, as OSTD would: a panic, and the journal never
 * records a write it could not undo.
 */
function noSuchFrame(pfn: number): never {
  throw new SimError(
    'Panic',
    `frame ${Number.isFinite(pfn) ? '0x' + (pfn * PAGE_BYTES).toString(16) : pfn} does not exist on this machine (a corrupt page-table entry or pointer leads there)`,
    'no such frame',
  );
}

// Fields without an initializer are `declare`d (first set in the constructor): see Tlb for why.
export class PhysMem {
  declare readonly nframes: number;
  declare readonly metaSab: SharedArrayBuffer;
  declare readonly meta: Uint32Array;
  declare readonly pageSlotSab: SharedArrayBuffer;
  /** pfn → pool page index, or -1 when the frame has never been written (reads as zeros). */
  declare readonly pageSlot: Int32Array;
  /**
   * Contents of written frames, one page of 1024 words per pool page, in one flat array so the
   * MMU's walk reads a PTE with two loads (pageSlot, then pool). Replaced by a copy twice the size
   * when full: read `pool`/`poolSab` afresh after any write.
   */
  declare pool: Uint32Array;
  declare poolSab: SharedArrayBuffer;
  private poolFree: number[] = [];
  /** Pool page → the frame whose contents it holds (to tell which frame a journaled write touched). */
  private poolOwner: number[] = [];
  /**
   * Per frame, bumped on every change of its contents (writes and their rollback): lets the checker
   * reuse what it computed from a page-table node that has not changed since.
   */
  declare readonly version: Uint32Array;
  /**
   * Frames the MMU's walk memo depends on (page-table nodes above a leaf node), marked by the
   * MMU: a change of their words, or any frame getting or losing its pool page, advances
   * `watchEpoch`, which retires every memo entry at once. Never cleared: a stale mark only costs
   * memo refills. A cache's bookkeeping, not state: not journaled, imaged or hashed.
   */
  declare readonly watched: Uint8Array;
  watchEpoch = 0;
  private readonly extra: (Float64Array | Int32Array | Uint32Array)[] = [];
  private clock: Int32Array | null = null;
  private poolNext = 0;
  /** Flat (array id · ARR_SPAN + index, old value) pairs; `logLen` numbers in use. Doubles when full. */
  private log = new Float64Array(LOG_INITIAL);
  private logLen = 0;
  /** Per slot, the pass of `touchedSlots` that last listed it (so each is listed once). */
  declare private readonly seen: Uint32Array;
  private seenPass = 0;
  /** Read by hot paths that journal registered arrays themselves (`logExtra`). */
  journaling = true;

  constructor(nframes: number) {
    this.nframes = nframes;
    this.metaSab = new SharedArrayBuffer(nframes * SLOT_WORDS * 4);
    this.meta = new Uint32Array(this.metaSab);
    this.pageSlotSab = new SharedArrayBuffer(nframes * 4);
    this.pageSlot = new Int32Array(this.pageSlotSab).fill(-1);
    this.version = new Uint32Array(nframes);
    this.watched = new Uint8Array(nframes);
    this.seen = new Uint32Array(nframes);
    this.poolSab = new SharedArrayBuffer(Math.min(POOL_INITIAL_PAGES, nframes) * PAGE_BYTES);
    this.pool = new Uint32Array(this.poolSab);
  }

  // ---- journal -------------------------------------------------------------------------------

  mark(): JournalMark {
    return this.logLen;
  }

  private push(arr: number, idx: number, old: number): void {
    let n = this.logLen;
    if (n + 2 > this.log.length) {
      const bigger = new Float64Array(this.log.length * 2);
      bigger.set(this.log);
      this.log = bigger;
    }
    const log = this.log;
    log[n++] = arr * ARR_SPAN + idx;
    log[n++] = old;
    this.logLen = n;
  }

  /** Undo every write after `m`, newest first. */
  rollback(m: JournalMark): void {
    const log = this.log;
    const was = this.journaling;
    this.journaling = false;
    for (let k = this.logLen - 2; k >= m; k -= 2) this.restoreKey(log[k]!, log[k + 1]!);
    this.logLen = m;
    this.journaling = was;
  }

  /** The entries after `m`, as a reverse delta that `undoDelta` can apply later. */
  take(m: JournalMark): Float64Array {
    // A big journal taken whole is handed over, not copied; the next one gets a fresh buffer of
    // the same capacity (zero pages the system maps lazily, so a small next step costs little).
    if (m === 0 && this.logLen >= LOG_HANDOVER) {
      const d = this.log.subarray(0, this.logLen);
      this.log = new Float64Array(this.log.length);
      this.logLen = 0;
      return d;
    }
    const d = this.log.slice(m, this.logLen);
    this.logLen = m;
    return d;
  }

  /** Apply a reverse delta taken by `take` (the state must be the one right after that step). */
  undoDelta(d: Float64Array): void {
    const was = this.journaling;
    this.journaling = false;
    for (let k = d.length - 2; k >= 0; k -= 2) this.restoreKey(d[k]!, d[k + 1]!);
    this.journaling = was;
  }

  /**
   * The metadata slots written since `m`, each once, in the order first written; the `k` lowest
   * of them, ascending; and their words as they were at `m` (word index → value, for the words
   * written since). One pass over the journal (a dense map writes 10^6 entries): a slot can join
   * the lowest only when first seen, when none of its entries has gone by, and one that leaves
   * them never returns (k lower ones have been seen).
   */
  slotsSince(
    m: JournalMark,
    k: number,
  ): { touched: Int32Array; lowest: number[]; before: Map<number, number> } {
    this.seenPass += 2;
    const seen = this.seen;
    const pass = this.seenPass; // seen[slot]: seen since m…
    const low = pass + 1; // …and among the lowest so far
    const log = this.log;
    const touched = new Int32Array(Math.min(this.nframes, (this.logLen - m) / 2));
    const lowest: number[] = [];
    const before = new Map<number, number>();
    let n = 0;
    for (let j = m; j < this.logLen; j += 2) {
      const key = log[j]!;
      if (key >= ARR_SPAN) continue;
      const slot = (key / SLOT_WORDS) | 0;
      let mark = seen[slot];
      if (mark !== pass && mark !== low) {
        touched[n++] = slot;
        mark = pass;
        if (lowest.length < k || slot < lowest[k - 1]!) {
          if (lowest.length === k) {
            const gone = lowest.pop()!;
            seen[gone] = pass;
            for (let w = 0; w < SLOT_WORDS; w++) before.delete(gone * SLOT_WORDS + w);
          }
          let i = lowest.length;
          while (i > 0 && lowest[i - 1]! > slot) i--;
          lowest.splice(i, 0, slot);
          mark = low;
        }
        seen[slot] = mark;
      }
      if (mark === low && !before.has(key)) before.set(key, log[j + 1]!);
    }
    return { touched: touched.subarray(0, n), lowest, before };
  }

  /**
   * For every frame `want` accepts whose words were written since mark `m`: the words written,
   * as they were at `m` (word index in the frame → value). One pass over the journal, newest
   * first, so the oldest value wins; a frame first written since `m` was all zeros before.
   */
  wordsBefore(
    m: JournalMark,
    want: { isNode(pfn: number): boolean },
  ): Map<number, Map<number, number>> {
    const out = new Map<number, Map<number, number>>();
    const log = this.log;
    // Writes come in runs to one frame (a map fills a node's entries in a row): ask once a run.
    let lastPfn = -1;
    let last: Map<number, number> | undefined;
    for (let k = this.logLen - 2; k >= m; k -= 2) {
      const key = log[k]!;
      if (key < ARR_SPAN) continue;
      const arr = Math.floor(key / ARR_SPAN);
      const idx = key - arr * ARR_SPAN;
      if (arr === ARR_POOL) {
        const pfn = this.poolOwner[(idx / PAGE_WORDS) | 0]!;
        if (pfn !== lastPfn) {
          lastPfn = pfn;
          last = undefined;
          if (want.isNode(pfn)) {
            last = out.get(pfn);
            if (!last) out.set(pfn, (last = new Map()));
          }
        }
        last?.set(idx % PAGE_WORDS, log[k + 1]!);
      } else if (arr === ARR_PAGESLOT && want.isNode(idx) && !out.has(idx)) out.set(idx, new Map());
    }
    return out;
  }

  /** Turn journaling off for bulk work that is never rolled back (benchmarks, boot). */
  setJournaling(on: boolean): void {
    this.journaling = on;
    if (!on) this.logLen = 0;
  }

  /**
   * Another typed array of the machine (the TLBs'), whose owner writes it and journals each write
   * with `logExtra`: returns its journal id.
   */
  register(arr: Float64Array | Int32Array | Uint32Array): number {
    this.extra.push(arr);
    return ARR_EXTRA0 + this.extra.length - 1;
  }

  /**
   * Use `arr[0]` as the machine's clock: the TLBs' LRU clock, which also stamps TLB fills and
   * slot claims. Until one is set (during boot) the clock reads 0.
   */
  useClock(arr: Int32Array): void {
    this.clock = arr;
  }

  /** The clock's value now (0 before there is one). */
  now(): number {
    return this.clock ? this.clock[0]! : 0;
  }

  /** Journal entry for a write the caller makes itself to registered array `id` (hot paths). */
  logExtra(id: number, idx: number, old: number): void {
    this.push(id, idx, old);
  }

  private restoreKey(key: number, old: number): void {
    if (key < ARR_SPAN) this.restore(ARR_META, key, old);
    else {
      const arr = Math.floor(key / ARR_SPAN);
      this.restore(arr, key - arr * ARR_SPAN, old);
    }
  }

  private restore(arr: number, idx: number, old: number): void {
    if (arr >= ARR_EXTRA0) this.extra[arr - ARR_EXTRA0]![idx] = old;
    else if (arr === ARR_META) this.meta[idx] = old;
    else if (arr === ARR_PAGESLOT) {
      const p = this.pageSlot[idx]!;
      if (p >= 0) this.poolFree.push(p);
      this.pageSlot[idx] = old;
      this.version[idx]!++;
      this.watchEpoch++;
    } else {
      this.pool[idx] = old;
      this.changed(this.poolOwner[(idx / PAGE_WORDS) | 0]!);
    }
  }

  // ---- metadata ------------------------------------------------------------------------------

  slotWord(slot: number, word: number): number {
    return this.meta[slot * SLOT_WORDS + word]!;
  }

  setSlotWord(slot: number, word: number, v: number): void {
    const idx = slot * SLOT_WORDS + word;
    const old = this.meta[idx];
    if (old === undefined) noSuchFrame(slot);
    if (old === v >>> 0) return;
    if (this.journaling) this.push(ARR_META, idx, old);
    this.meta[idx] = v;
  }

  // ---- contents ------------------------------------------------------------------------------

  /** The u32 word at byte offset `off` (4-aligned) of frame `pfn`. */
  readWord(pfn: number, off: number): number {
    const p = this.pageSlot[pfn]!;
    if (p < 0) return 0;
    return this.pool[p * PAGE_WORDS + (off >>> 2)]!;
  }

  writeWord(pfn: number, off: number, v: number): void {
    let p = this.pageSlot[pfn];
    if (p === undefined) noSuchFrame(pfn);
    if (p < 0) {
      if (v === 0) return;
      p = this.materialize(pfn);
    }
    const arr = this.pool;
    const idx = p * PAGE_WORDS + (off >>> 2);
    const old = arr[idx]!;
    if (old === v >>> 0) return;
    if (this.journaling) this.push(ARR_POOL, idx, old);
    arr[idx] = v;
    this.changed(pfn);
  }

  readByte(pfn: number, off: number): number {
    return (this.readWord(pfn, off & ~3) >>> ((off & 3) * 8)) & 0xff;
  }

  writeByte(pfn: number, off: number, b: number): void {
    const w = this.readWord(pfn, off & ~3);
    const sh = (off & 3) * 8;
    this.writeWord(pfn, off & ~3, ((w & ~(0xff << sh)) | ((b & 0xff) << sh)) >>> 0);
  }

  /** Copies `len` bytes starting at physical address `pa` (may cross frames). */
  readBytes(pa: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) {
      const a = pa + i;
      out[i] = this.readByte(Math.floor(a / PAGE_BYTES), a % PAGE_BYTES);
    }
    return out;
  }

  writeBytes(pa: number, data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) {
      const a = pa + i;
      this.writeByte(Math.floor(a / PAGE_BYTES), a % PAGE_BYTES, data[i]!);
    }
  }

  zeroFrame(pfn: number): void {
    if (this.pageSlot[pfn]! < 0) return;
    for (let off = 0; off < PAGE_BYTES; off += 4) this.writeWord(pfn, off, 0);
  }

  /** A copy of the whole state: metadata words and the contents of every written frame. */
  image(): { meta: Uint32Array; pages: [number, Uint32Array][] } {
    const pages: [number, Uint32Array][] = [];
    for (let pfn = 0; pfn < this.nframes; pfn++) {
      const p = this.pageSlot[pfn]!;
      if (p < 0) continue;
      const base = p * PAGE_WORDS;
      pages.push([pfn, this.pool.slice(base, base + PAGE_WORDS)]);
    }
    return { meta: this.meta.slice(), pages };
  }

  /** Puts an image back (same machine size), in place: the SharedArrayBuffers stay the same. */
  restoreImage(img: { meta: Uint32Array; pages: [number, Uint32Array][] }): void {
    this.logLen = 0;
    this.meta.set(img.meta);
    const keep = new Set<number>();
    for (const [pfn] of img.pages) keep.add(pfn);
    for (let pfn = 0; pfn < this.nframes; pfn++) {
      const p = this.pageSlot[pfn]!;
      if (p >= 0 && !keep.has(pfn)) {
        this.poolFree.push(p);
        this.pageSlot[pfn] = -1;
        this.version[pfn]!++;
        this.watchEpoch++;
      }
    }
    const was = this.journaling;
    this.journaling = false;
    for (const [pfn, words] of img.pages) {
      const p = this.pageSlot[pfn]! >= 0 ? this.pageSlot[pfn]! : this.materialize(pfn);
      this.pool.set(words, p * PAGE_WORDS);
      this.changed(pfn);
    }
    this.journaling = was;
  }

  private materialize(pfn: number): number {
    let p = this.poolFree.pop();
    if (p === undefined) {
      p = this.poolNext++;
      if (p * PAGE_WORDS >= this.pool.length) this.growPool();
    } else {
      const base = p * PAGE_WORDS;
      this.pool.fill(0, base, base + PAGE_WORDS);
    }
    if (this.journaling) this.push(ARR_PAGESLOT, pfn, -1);
    this.pageSlot[pfn] = p;
    this.poolOwner[p] = pfn;
    this.version[pfn]!++;
    this.watchEpoch++;
    return p;
  }

  /** Frame `pfn`'s words changed. */
  private changed(pfn: number): void {
    this.version[pfn]!++;
    if (this.watched[pfn] !== 0) this.watchEpoch++;
  }

  /** Doubles the pool (never beyond one page per frame); journal indices stay valid. */
  private growPool(): void {
    const pages = Math.min(this.nframes, Math.max(1, (this.pool.length / PAGE_WORDS) * 2));
    const sab = new SharedArrayBuffer(pages * PAGE_BYTES);
    const pool = new Uint32Array(sab);
    pool.set(this.pool);
    this.poolSab = sab;
    this.pool = pool;
  }

  /** Hash of the state as the machine sees it (pool layout does not matter; zero pages = absent). */
  hashInto(h: Hasher): void {
    const m = this.meta;
    for (let i = 0; i < m.length; i++) h.word(m[i]!);
    for (let pfn = 0; pfn < this.nframes; pfn++) {
      const p = this.pageSlot[pfn]!;
      if (p < 0) continue;
      const arr = this.pool;
      const base = p * PAGE_WORDS;
      let nonzero = false;
      for (let k = 0; k < PAGE_WORDS; k++)
        if (arr[base + k] !== 0) {
          nonzero = true;
          break;
        }
      if (!nonzero) continue;
      h.word(pfn);
      for (let k = 0; k < PAGE_WORDS; k++) h.word(arr[base + k]!);
    }
  }
}

/** Two independent 32-bit multiplicative hashes, printed as 16 hex digits. */
export class Hasher {
  private a = 0x811c9dc5;
  private b = 0x9747b28c;
  word(v: number): void {
    this.a = Math.imul(this.a ^ v, 0x01000193);
    this.b = Math.imul(this.b ^ (v >>> 16) ^ (v << 16), 0x5bd1e995);
    this.b ^= this.b >>> 13;
  }
  text(s: string): void {
    for (let i = 0; i < s.length; i++) this.word(s.charCodeAt(i));
    this.word(0xffff_ffff);
  }
  hex(): string {
    return (
      (this.a >>> 0).toString(16).padStart(8, '0') + (this.b >>> 0).toString(16).padStart(8, '0')
    );
  }
}
