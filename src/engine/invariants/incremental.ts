// Incremental checking: after a step, re-check only the pages the step could have changed, and
// keep the earlier verdicts on every other page. Exactly equal to the full checker by construction
// (and by test: src/scenarios/scenarios.test.ts compares the two after every line of every
// scenario, and of random programs).
//
// - The invariants that look at pages (PAGE_SCOPED) run on a context restricted to the affected
//   pages A: their slots, their holders, the leaves that map them, the nodes among them. Each of
//   their violations blames the page it was computed for, so a verdict on a page outside A stands.
// - Every other invariant (cursors, TLBs, readers/writers, DMA, the metadata region) is small and
//   runs in full.
// - A = the slots the step wrote + the pages whose holders changed (handles, forgotten references)
//   + every page-table entry the step changed: its node, the frames it mapped before and after,
//   and, when a table entry changed, every node and frame of the subtree it cut off or attached.
// - The page-table index (PtIndex) keeps what a full walk would find — each node's position and
//   the leaves that map each frame — and follows the step's changed entries only, diffing the
//   words it wrote against the old ones its journal holds (the index keeps no copy of its own).
//   It gives up (the full checker runs and the index is rebuilt later) when a node is reachable
//   twice, which only corruption under `unsafe` makes.
// - A step that affects most of what the machine uses (a 1 GiB map) is checked whole: cheaper
//   than page by page (Machine.checkIncremental decides; the index follows it either way).
import { pteIsLast, pteIsPresent, ptePaddr } from '../arch';
import type { BootLayout } from '../core';
import type { PhysMem } from '../mem';
import type { Ghost, Handle } from '../state';
import {
  addHandleHolders,
  isInteresting,
  LeafTable,
  Mappings,
  slotFacts,
  type CheckContext,
  type Holders,
  type PtLeaf,
} from './context';

interface Pos {
  space: string;
  level: number;
  base: number;
  path: string;
  user: boolean;
}

const ZEROS = new Uint32Array(1024);

/** Thrown inside an index update: the index cannot follow (a node reached twice); start over. */
class GiveUp extends Error {}

export class PtIndex {
  private readonly pos = new Map<number, Pos>();
  /** During an update: per node the step wrote, the words it wrote as they were before it. */
  private olds: Map<number, Map<number, number>> | null = null;
  /** During an update: nodes walked whole (their entries are all current already). */
  private readonly walked = new Set<number>();
  /**
   * Frame → the user leaf that maps it, as node·512 + index + 1 (0: none): numbers, not objects, so
   * a 2^18-page map costs no allocation here (leavesOf makes PtLeafs on demand). `more` holds the
   * leaves that found the frame's place taken (aliases) and those naming frames past the end of
   * memory (corruption); a frame's leaves are its `single` one and its `more` ones, in any order.
   */
  private readonly single: Float64Array;
  private readonly more = new Map<number, number[]>();
  /**
   * User leaves above level 1 (only corruption makes them): while there are any, a frame may be
   * mapped by a leaf that names another frame (Machine.contextFor then asks the whole context).
   */
  hugeUserLeaves = 0;
  /** The roots indexed: tree name → root node. */
  private readonly roots = new Map<string, number>();
  private affected: Set<number> | null = null;

  constructor(private readonly mem: PhysMem) {
    this.single = new Float64Array(mem.nframes);
  }

  /** Index every tree from scratch; false when a node is reachable twice (no index then). */
  rebuild(layout: BootLayout, ghost: Ghost): boolean {
    this.pos.clear();
    this.single.fill(0);
    this.more.clear();
    this.hugeUserLeaves = 0;
    this.roots.clear();
    try {
      for (const [name, root, user] of treesOf(layout, ghost)) this.attachRoot(name, root, user);
      return true;
    } catch (e) {
      if (e instanceof GiveUp) return false;
      throw e;
    }
  }

  /** Whether `pfn` is an indexed node (the step's journal keeps the old words of these). */
  isNode(pfn: number): boolean {
    return this.pos.has(pfn);
  }

  /**
   * Follow a step: `olds` holds, for the indexed nodes whose words it wrote, those words as they
   * were before it (from the journal: the index keeps no copy of its own). Adds to `affected`
   * (when given) every page whose page-table facts changed. False when the index had to give up.
   */
  update(
    layout: BootLayout,
    ghost: Ghost,
    olds: Map<number, Map<number, number>>,
    affected: Set<number> | null,
  ): boolean {
    this.affected = affected;
    this.olds = olds;
    this.walked.clear();
    try {
      const now = new Map<string, [number, boolean]>();
      for (const [name, root, user] of treesOf(layout, ghost)) now.set(name, [root, user]);
      // Pass 1: everything that went away (from the recorded words, not the new ones).
      for (const [name, root] of [...this.roots])
        if (now.get(name)?.[0] !== root) {
          this.detach(root);
          this.roots.delete(name);
        }
      const pending: [number, number][] = [];
      for (const [n, old] of olds) {
        if (!this.pos.has(n)) continue;
        affected?.add(n);
        const cur = this.wordsNow(n);
        // The entries the step wrote a word of, in order (as a scan of the node would meet them).
        const written = new Set<number>();
        for (const w of old.keys()) written.add(w >> 1);
        for (const i of [...written].sort(byNumber)) {
          const lo = old.get(i * 2) ?? cur[i * 2]!;
          const hi = old.get(i * 2 + 1) ?? cur[i * 2 + 1]!;
          if (lo === cur[i * 2] && hi === cur[i * 2 + 1]) continue;
          this.removeEntry(n, this.pos.get(n)!, i, lo, hi);
          // Gone from the record: a later detach of n must not remove it twice.
          old.set(i * 2, 0);
          old.set(i * 2 + 1, 0);
          pending.push([n, i]);
        }
      }
      // Pass 2: what is there now.
      for (const [name, [root, user]] of now)
        if (!this.roots.has(name)) this.attachRoot(name, root, user);
      for (const [n, i] of pending) {
        const p = this.pos.get(n);
        if (!p || this.walked.has(n)) continue; // gone, or walked whole as it is now
        this.addEntry(n, p, i, this.mem.readWord(n, i * 8), this.mem.readWord(n, i * 8 + 4));
      }
      return true;
    } catch (e) {
      if (e instanceof GiveUp) return false;
      throw e;
    } finally {
      this.affected = null;
      this.olds = null;
      this.walked.clear();
    }
  }

  /** The position of node `p` ({level, path} as the full walk records it), if it is one. */
  nodeAt(p: number): { level: number; path: string } | undefined {
    const q = this.pos.get(p);
    return q && { level: q.level, path: `${q.space}:${q.path || 'root'}` };
  }

  /** The user leaves that map frame `p`, as the full walk records them. */
  leavesOf(p: number): PtLeaf[] {
    const out: PtLeaf[] = [];
    const first = p < this.single.length ? this.single[p]! : 0;
    if (first) out.push(this.leafAt(first - 1, p));
    for (const k of this.more.get(p) ?? []) out.push(this.leafAt(k - 1, p));
    return out;
  }

  /** Entry `at` (node·512 + index) as a PtLeaf: its words now (the index is up to date). */
  private leafAt(at: number, pfn: number): PtLeaf {
    const node = Math.floor(at / 512);
    const idx = at % 512;
    const q = this.pos.get(node)!;
    return {
      space: q.space,
      vpn: q.base + idx * 512 ** (q.level - 1),
      pfn,
      level: q.level,
      lo: this.mem.readWord(node, idx * 8),
      hi: this.mem.readWord(node, idx * 8 + 4),
      node,
      idx,
    };
  }

  /** Node `n`'s words as the index recorded them: before the step if it wrote them, else now. */
  private recorded(n: number): Uint32Array {
    const old = this.olds?.get(n);
    if (!old) return this.wordsNow(n);
    const w = this.wordsNow(n).slice();
    for (const [k, v] of old) w[k] = v;
    return w;
  }

  /** Node `n`'s 1024 words as they are now (a view of the pool; zeros if never written). */
  private wordsNow(n: number): Uint32Array {
    const p = this.mem.pageSlot[n]!;
    return p < 0 ? ZEROS : this.mem.pool.subarray(p * 1024, p * 1024 + 1024);
  }

  private attachRoot(name: string, root: number, user: boolean): void {
    this.roots.set(name, root);
    this.attach(root, { space: name, level: 4, base: 0, path: '', user });
  }

  /** A node enters the tree at `at`: record it and everything below it as it is now. */
  private attach(n: number, at: Pos): void {
    if (this.pos.has(n)) throw new GiveUp();
    this.pos.set(n, at);
    this.affected?.add(n);
    this.walked.add(n);
    const w = this.wordsNow(n);
    for (let i = 0; i < 512; i++)
      if (w[i * 2]! & 0x81) this.addEntry(n, at, i, w[i * 2]!, w[i * 2 + 1]!);
  }

  /** A node leaves the tree: forget it and everything below it, as recorded. */
  private detach(n: number): void {
    const at = this.pos.get(n);
    if (!at) throw new GiveUp();
    const w = this.recorded(n);
    for (let i = 0; i < 512; i++)
      if (w[i * 2]! & 0x81) this.removeEntry(n, at, i, w[i * 2]!, w[i * 2 + 1]!);
    this.pos.delete(n);
    this.affected?.add(n);
  }

  /** What entry `i` of node `n` contributes (the full walk's rules: context.ts walkTree). */
  private addEntry(n: number, at: Pos, i: number, lo: number, hi: number): void {
    if (skipped(at, i, lo)) return;
    const pfn = ptePaddr(lo, hi) / 4096;
    if (pteIsLast(lo) || at.level === 1) {
      if (!at.user) return;
      const key = n * 512 + i + 1;
      if (pfn < this.single.length && this.single[pfn] === 0) this.single[pfn] = key;
      else {
        const list = this.more.get(pfn);
        if (list) list.push(key);
        else this.more.set(pfn, [key]);
      }
      if (at.level > 1) this.hugeUserLeaves++;
      this.addAffected(pfn, at.level);
    } else if (pfn < this.mem.nframes)
      this.attach(pfn, {
        space: at.space,
        level: at.level - 1,
        base: at.base + i * 512 ** (at.level - 1),
        path: `${at.path}[${i}]`,
        user: at.user,
      });
  }

  /** A leaf's facts changed: its frame's, and a huge leaf's every covered page's (seg.unmapped asks them). */
  private addAffected(pfn: number, level: number): void {
    const a = this.affected;
    if (!a) return;
    a.add(pfn);
    const end = Math.min(pfn + 512 ** (level - 1), this.mem.nframes);
    for (let q = pfn + 1; q < end; q++) a.add(q);
  }

  private removeEntry(n: number, at: Pos, i: number, lo: number, hi: number): void {
    if (skipped(at, i, lo)) return;
    const pfn = ptePaddr(lo, hi) / 4096;
    if (pteIsLast(lo) || at.level === 1) {
      if (!at.user) return;
      const key = n * 512 + i + 1;
      const list = this.more.get(pfn);
      if (pfn < this.single.length && this.single[pfn] === key) this.single[pfn] = 0;
      else if (list) {
        const k = list.indexOf(key);
        if (k >= 0) list.splice(k, 1);
      }
      if (list?.length === 0) this.more.delete(pfn);
      if (at.level > 1) this.hugeUserLeaves--;
      this.addAffected(pfn, at.level);
    } else if (pfn < this.mem.nframes) this.detach(pfn);
  }
}

/** Entries a full walk does not follow: absent ones, and a user root's kernel half (walked from the kernel root). */
function skipped(at: Pos, i: number, lo: number): boolean {
  return !pteIsPresent(lo) || (at.user && at.level === 4 && i >= 256);
}

/** The trees a full check walks, in its order: [name, root, holds user leaves]. */
function treesOf(layout: BootLayout, ghost: Ghost): [string, number, boolean][] {
  const out: [string, number, boolean][] = [['kernel', layout.kernelRoot, false]];
  if (layout.iommuRoot >= 0) out.push(['iommu', layout.iommuRoot, false]);
  for (const h of ghost.handles.values())
    if (h.kind === 'vmspace') out.push([h.name, h.root, true]);
  return out;
}

/** The pages a handle makes holders of (what addHandleHolders would record for it). */
export function handlePagesOf(h: Handle, into: Set<number>): void {
  if (h.kind === 'frame' || h.kind === 'unique') into.add(h.pfn);
  else if ((h.kind === 'reader' || h.kind === 'writer') && h.vs === null)
    for (let p = Math.floor(h.start / 4096); p < Math.ceil(h.end / 4096); p++) into.add(p);
  else if (h.kind === 'segment' || h.kind === 'dma')
    for (let p = h.start; p < h.end; p++) into.add(p);
}

function sameHandle(a: Handle, b: Handle): boolean {
  if (a.kind !== b.kind) return false;
  const x = a as unknown as Record<string, unknown>;
  const y = b as unknown as Record<string, unknown>;
  for (const k of ['pfn', 'start', 'end', 'vs', 'root']) if (x[k] !== y[k]) return false;
  return true;
}

/** Pages whose holders differ between two ghost states (handles, forgotten references). */
export function ghostChanges(before: Ghost, after: Ghost, into: Set<number>): void {
  for (const [name, h] of before.handles) {
    const g = after.handles.get(name);
    if (!g || !sameHandle(h, g)) handlePagesOf(h, into);
  }
  for (const [name, g] of after.handles) {
    const h = before.handles.get(name);
    if (!h || !sameHandle(h, g)) handlePagesOf(g, into);
  }
  for (const [p, f] of before.forgotten) {
    const g = after.forgotten.get(p);
    if (!g || g.frames !== f.frames || g.uniques !== f.uniques || g.by.join() !== f.by.join())
      into.add(p);
  }
  for (const p of after.forgotten.keys()) if (!before.forgotten.has(p)) into.add(p);
}

/** A context holding only what the affected pages need (see the file comment). */
export function restrictedContext(
  full: Omit<CheckContext, 'holders' | 'leaves' | 'interesting' | 'rcs' | 'usages'>,
  index: PtIndex,
  affected: Set<number>,
): CheckContext {
  const { mem, ghost } = full;
  const leaves = new LeafTable();
  const holders: Holders = {
    frames: new Map(),
    uniques: new Map(),
    covers: new Map(),
    forgotten: new Map(),
    mappings: new Mappings(0, leaves), // a few pages: no per-frame arrays
    nodes: new Map(),
    borrows: new Map(),
  };
  // Runs after every command: no closures, few allocations.
  addHandleHolders(ghost, holders, affected);
  for (const [p, f] of ghost.forgotten) if (affected.has(p)) holders.forgotten.set(p, f);
  const found: PtLeaf[] = [];
  for (const p of affected) {
    for (const l of index.leavesOf(p)) found.push(l);
    const at = index.nodeAt(p);
    if (at) holders.nodes.set(p, [at]);
  }
  // The full walk's order: trees as treesOf lists them, leaves by address within a tree.
  if (found.length > 1) {
    const rank = new Map<string, number>();
    for (const [name] of treesOf(full.layout, ghost)) rank.set(name, rank.size);
    found.sort((a, b) => rank.get(a.space)! - rank.get(b.space)! || a.vpn - b.vpn);
  }
  for (const l of found)
    holders.mappings.add(
      leaves.push(l.space, l.vpn, l.pfn, l.level, l.lo, l.hi, l.node, l.idx),
      l.pfn,
    );
  const judged: number[] = [];
  for (const p of affected)
    if (p < mem.nframes && (isInteresting(mem, p) || hasHolder(holders, p))) judged.push(p);
  const interesting = Int32Array.from(judged).sort();
  const { rcs, usages } = slotFacts(mem, interesting);
  // The same fields in the same order as buildContext's (one object shape for the invariants).
  return {
    tlb: full.tlb,
    leaves,
    consts: full.consts,
    layout: full.layout,
    mem,
    ghost,
    holders,
    interesting,
    rcs,
    usages,
    scope: affected,
  };
}

/** Whether any of referenceMaps(h) holds `p`. */
function hasHolder(h: Holders, p: number): boolean {
  return (
    h.frames.has(p) ||
    h.uniques.has(p) ||
    h.covers.has(p) ||
    h.mappings.has(p) ||
    h.nodes.has(p) ||
    h.forgotten.has(p)
  );
}

function byNumber(a: number, b: number): number {
  return a - b;
}
