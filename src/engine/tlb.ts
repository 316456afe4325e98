// Per-CPU TLBs: set-associative (4 ways, LRU), on SharedArrayBuffers, journaled like memory.
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

export class Tlb {
  readonly sets: number;
  readonly vpn: Float64Array;
  readonly pfn: Int32Array;
  /** TE_* bits, and the leaf level in bits 8..11. */
  readonly flags: Int32Array;
  readonly age: Int32Array;
  /** The frame's slot generation when the entry was filled (a reused frame has a newer one). */
  readonly gen: Int32Array;
  /** [0] = the LRU clock. */
  readonly clock: Int32Array;
  private readonly idVpn: number;
  private readonly idPfn: number;
  private readonly idFlags: number;
  private readonly idAge: number;
  private readonly idGen: number;
  private readonly idClock: number;

  constructor(
    private readonly mem: PhysMem,
    readonly cpus: number,
    readonly entries: number,
  ) {
    this.sets = entries / TLB_WAYS;
    const n = cpus * entries;
    this.vpn = new Float64Array(new SharedArrayBuffer(n * 8));
    this.pfn = new Int32Array(new SharedArrayBuffer(n * 4));
    this.flags = new Int32Array(new SharedArrayBuffer(n * 4));
    this.age = new Int32Array(new SharedArrayBuffer(n * 4));
    this.gen = new Int32Array(new SharedArrayBuffer(n * 4));
    this.clock = new Int32Array(new SharedArrayBuffer(4));
    this.idVpn = mem.register(this.vpn);
    this.idPfn = mem.register(this.pfn);
    this.idFlags = mem.register(this.flags);
    this.idAge = mem.register(this.age);
    this.idGen = mem.register(this.gen);
    this.idClock = mem.register(this.clock);
  }

  private slot(cpu: number, set: number, way: number): number {
    return cpu * this.entries + set * TLB_WAYS + way;
  }

  /** The entry index caching `vpn` on `cpu` (4 KiB entries by vpn, 2 MiB entries by their base), or -1. */
  lookup(cpu: number, vpn: number): number {
    // Integer arithmetic while the page number fits in 31 bits (user space below 8 TiB); the
    // float path (fmod) only for higher addresses.
    if (vpn < 0x8000_0000) {
      const v = vpn | 0;
      const i = this.find(cpu, v, v % this.sets, 1);
      if (i >= 0) return i;
      const base = v & ~511;
      return this.find(cpu, base, (base >> 9) % this.sets, 2);
    }
    const i = this.find(cpu, vpn, vpn % this.sets, 1);
    if (i >= 0) return i;
    const base = vpn - (vpn % 512);
    return this.find(cpu, base, (base / 512) % this.sets, 2);
  }

  private find(cpu: number, base: number, set: number, level: number): number {
    const first = cpu * this.entries + set * TLB_WAYS;
    for (let i = first; i < first + TLB_WAYS; i++) {
      const f = this.flags[i]!;
      if (f & TE_VALID && ((f >> 8) & 15) === level && this.vpn[i] === base) return i;
    }
    return -1;
  }

  touch(i: number): void {
    const t = this.clock[0]! + 1;
    this.mem.setExtra(this.idClock, 0, t);
    this.mem.setExtra(this.idAge, i, t);
  }

  setFlags(i: number, f: number): void {
    this.mem.setExtra(this.idFlags, i, f);
  }

  /** Fill after a walk: the invalid or least recently used way of the set. */
  fill(
    cpu: number,
    baseVpn: number,
    pfn: number,
    level: number,
    flags: number,
    gen: number,
  ): number {
    const set = (level === 1 ? baseVpn : baseVpn / 512) % this.sets;
    let victim = 0;
    let oldest = Infinity;
    for (let w = 0; w < TLB_WAYS; w++) {
      const i = this.slot(cpu, set, w);
      if (!(this.flags[i]! & TE_VALID)) {
        victim = w;
        break;
      }
      if (this.age[i]! < oldest) {
        oldest = this.age[i]!;
        victim = w;
      }
    }
    const i = this.slot(cpu, set, victim);
    this.mem.setExtra(this.idVpn, i, baseVpn);
    this.mem.setExtra(this.idPfn, i, pfn);
    this.mem.setExtra(this.idFlags, i, flags | TE_VALID | (level << 8));
    this.mem.setExtra(this.idGen, i, gen);
    this.touch(i);
    return i;
  }

  private invalidate(i: number): void {
    this.mem.setExtra(this.idFlags, i, 0);
    this.mem.setExtra(this.idVpn, i, 0);
    this.mem.setExtra(this.idPfn, i, 0);
    this.mem.setExtra(this.idAge, i, 0);
    this.mem.setExtra(this.idGen, i, 0);
  }

  /** Apply one flush op on one CPU; returns how many entries went. Global entries survive `all`. */
  flush(cpu: number, op: TlbFlushOp, includeGlobal = false): number {
    let n = 0;
    for (let k = 0; k < this.entries; k++) {
      const i = cpu * this.entries + k;
      const f = this.flags[i]!;
      if (!(f & TE_VALID)) continue;
      const size = ((f >> 8) & 15) === 2 ? 512 : 1;
      const v = this.vpn[i]!;
      let hit: boolean;
      if (op.kind === 'all') hit = includeGlobal || !(f & TE_GLOBAL);
      else if (op.kind === 'address') hit = op.vpn >= v && op.vpn < v + size;
      else hit = v < op.vpn + op.pages && op.vpn < v + size;
      if (hit) {
        this.invalidate(i);
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
    ];
  }

  restoreImage(img: (Float64Array | Int32Array)[]): void {
    const [vpn, pfn, flags, age, gen, clock] = img as [
      Float64Array,
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
