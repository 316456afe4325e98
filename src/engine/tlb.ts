// Per-CPU TLBs: set-associative (4 ways, LRU), on SharedArrayBuffers, journaled like memory.
// This is the TLB's state and its flushes; the probe and the fill on an access are the MMU's (mmu.ts).
// An entry caches one leaf translation of the space active on that CPU when it was filled:
// page number → frame, with the permissions the walk saw. Flush ops follow OSTD's TlbFlushOp
// (All / Address / Range) and its ops-stack rules; dispatch applies every op in full (stronger
// than vostd's model, which pops only the last op — see docs/decisions.md).
import type { PhysMem } from './mem';

export const TLB_WAYS = 4;
export const TE_VALID = 1;
export const TE_WRITABLE = 2;
export const TE_USER = 4;
export const TE_GLOBAL = 8;
export const TE_DIRTY = 16;
export const TE_EXEC = 32;

export type TlbFlushOp =
  | { kind: 'all' }
  | { kind: 'address'; vpn: number }
  | { kind: 'range'; vpn: number; pages: number };

/**
 * Clock order. The machine clock is 32 bits and wraps (after 2^32 fills and touches); ages, fill
 * stamps and slot claims are compared by their difference (serial-number arithmetic), which is
 * right for any two stamps less than 2^31 ticks apart.
 */
export function before(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

export const MAX_FLUSH_OPS = 32;
export const RANGE_AS_ALL_PAGES = 32;

/** OSTD's ops stack: at most 32 ops; a long Range or one op too many becomes All. */
export function pushFlushOp(stack: TlbFlushOp[], op: TlbFlushOp): void {
  if (stack.length === 1 && stack[0]!.kind === 'all') return;
  const o: TlbFlushOp = op.kind === 'range' && op.pages > RANGE_AS_ALL_PAGES ? { kind: 'all' } : op;
  if (o.kind === 'all' || stack.length >= MAX_FLUSH_OPS) {
    stack.length = 0;
    stack.push({ kind: 'all' });
  } else stack.push(o);
}

export interface TlbEntry {
  cpu: number;
  way: number;
  vpn: number;
  pfn: number;
  level: number;
  flags: number;
  age: number;
  gen: number;
}

// Fields are `declare`d and first set in the constructor: a class field declaration defines the
// property as undefined before the constructor runs, and V8 then no longer knows the field's type,
// so every read of a typed array through `this` pays a check (≈ 40 % of a TLB lookup). Same in PhysMem.
export class Tlb {
  declare readonly sets: number;
  declare readonly vpn: Float64Array;
  declare readonly pfn: Int32Array;
  /** TE_* bits, and the leaf level in bits 8..11. */
  declare readonly flags: Int32Array;
  declare readonly age: Int32Array;
  /** The clock when the entry was filled: a frame claimed after that (W_GEN larger) is not the one it maps. */
  declare readonly gen: Int32Array;
  /** [0] = the LRU clock. */
  declare readonly clock: Int32Array;
  /** Per CPU, how many valid 2 MiB and 1 GiB entries it holds (lookups skip the second probe at 0). */
  declare readonly huge: Int32Array;
  declare private readonly idVpn: number;
  declare private readonly idPfn: number;
  declare private readonly idFlags: number;
  declare private readonly idAge: number;
  declare private readonly idGen: number;
  declare private readonly idClock: number;
  declare private readonly idHuge: number;

  declare private readonly mem: PhysMem;
  declare readonly cpus: number;
  declare readonly entries: number;

  constructor(mem: PhysMem, cpus: number, entries: number) {
    this.mem = mem;
    this.cpus = cpus;
    this.entries = entries;
    this.sets = entries / TLB_WAYS;
    const n = cpus * entries;
    this.vpn = new Float64Array(new SharedArrayBuffer(n * 8));
    this.pfn = new Int32Array(new SharedArrayBuffer(n * 4));
    this.flags = new Int32Array(new SharedArrayBuffer(n * 4));
    this.age = new Int32Array(new SharedArrayBuffer(n * 4));
    this.gen = new Int32Array(new SharedArrayBuffer(n * 4));
    this.clock = new Int32Array(new SharedArrayBuffer(4));
    this.huge = new Int32Array(new SharedArrayBuffer(cpus * 4));
    this.idVpn = mem.register(this.vpn);
    this.idPfn = mem.register(this.pfn);
    this.idFlags = mem.register(this.flags);
    this.idAge = mem.register(this.age);
    this.idGen = mem.register(this.gen);
    this.idClock = mem.register(this.clock);
    mem.useClock(this.clock);
    this.idHuge = mem.register(this.huge);
  }

  /** Marks entry `i` most recently used. */
  touch(i: number): void {
    const now = this.clock[0]!;
    if (this.age[i] === now) return; // already the most recent: LRU order unchanged
    const t = now + 1;
    const mem = this.mem;
    if (mem.journaling) {
      mem.logExtra(this.idClock, 0, this.clock[0]!);
      mem.logExtra(this.idAge, i, this.age[i]!);
    }
    this.clock[0] = t;
    this.age[i] = t;
  }

  setFlags(i: number, f: number): void {
    this.set(this.flags, this.idFlags, i, f);
  }

  private set(arr: Float64Array | Int32Array, id: number, i: number, v: number): void {
    const old = arr[i]!;
    if (old === v) return;
    if (this.mem.journaling) this.mem.logExtra(id, i, old);
    arr[i] = v;
  }

  /** Journals entry `i` and the clock before the MMU's fill overwrites them (when the journal is on). */
  journalEntry(i: number): void {
    const mem = this.mem;
    mem.logExtra(this.idVpn, i, this.vpn[i]!);
    mem.logExtra(this.idPfn, i, this.pfn[i]!);
    mem.logExtra(this.idFlags, i, this.flags[i]!);
    mem.logExtra(this.idGen, i, this.gen[i]!);
    mem.logExtra(this.idAge, i, this.age[i]!);
    mem.logExtra(this.idClock, 0, this.clock[0]!);
  }

  /** Counts a 2 MiB or 1 GiB entry in (d = 1) or out (d = -1) of `cpu`'s TLB. */
  addHuge(cpu: number, d: number): void {
    this.set(this.huge, this.idHuge, cpu, this.huge[cpu]! + d);
  }

  private invalidate(i: number, cpu: number): void {
    if (((this.flags[i]! >> 8) & 15) >= 2) this.addHuge(cpu, -1);
    this.set(this.flags, this.idFlags, i, 0);
    this.set(this.vpn, this.idVpn, i, 0);
    this.set(this.pfn, this.idPfn, i, 0);
    this.set(this.age, this.idAge, i, 0);
    this.set(this.gen, this.idGen, i, 0);
  }

  /** Apply one flush op on one CPU; returns how many entries went. Global entries survive `all`. */
  flush(cpu: number, op: TlbFlushOp, includeGlobal = false): number {
    let n = 0;
    for (let k = 0; k < this.entries; k++) {
      const i = cpu * this.entries + k;
      const f = this.flags[i]!;
      if (!(f & TE_VALID)) continue;
      // An entry covers its leaf's whole page: 4 KiB, 2 MiB or (a raw 1 GiB leaf) 1 GiB.
      const size = 512 ** (((f >> 8) & 15) - 1);
      const v = this.vpn[i]!;
      let hit: boolean;
      if (op.kind === 'all') hit = includeGlobal || !(f & TE_GLOBAL);
      else if (op.kind === 'address') hit = op.vpn >= v && op.vpn < v + size;
      else hit = v < op.vpn + op.pages && op.vpn < v + size;
      if (hit) {
        this.invalidate(i, cpu);
        n++;
      }
    }
    return n;
  }

  /** Copies of every TLB array (with the LRU clock), for a machine image. */
  image(): (Float64Array | Int32Array)[] {
    return [
      this.vpn.slice(),
      this.pfn.slice(),
      this.flags.slice(),
      this.age.slice(),
      this.gen.slice(),
      this.clock.slice(),
      this.huge.slice(),
    ];
  }

  restoreImage(img: (Float64Array | Int32Array)[]): void {
    const [vpn, pfn, flags, age, gen, clock, huge] = img as [
      Float64Array,
      Int32Array,
      Int32Array,
      Int32Array,
      Int32Array,
      Int32Array,
      Int32Array,
    ];
    this.vpn.set(vpn);
    this.pfn.set(pfn);
    this.flags.set(flags);
    this.age.set(age);
    this.gen.set(gen);
    this.clock.set(clock);
    this.huge.set(huge);
  }

  entriesOf(cpu: number): TlbEntry[] {
    const out: TlbEntry[] = [];
    for (let k = 0; k < this.entries; k++) {
      const i = cpu * this.entries + k;
      const f = this.flags[i]!;
      if (f & TE_VALID)
        out.push({
          cpu,
          way: k % TLB_WAYS,
          vpn: this.vpn[i]!,
          pfn: this.pfn[i]!,
          level: (f >> 8) & 15,
          flags: f,
          age: this.age[i]!,
          gen: this.gen[i]!,
        });
    }
    return out;
  }
}
