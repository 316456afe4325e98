// The composition root and the only writer. `step` runs one operation atomically: it journals every
// write, rolls all of them back if the operation fails (or panics), and otherwise returns the
// result, the effects and a reverse delta, then runs the invariant checker.
import { X86_64, type PagingConsts } from './arch';
import {
  DEFAULT_CONFIG,
  configuredCpu,
  hex,
  paddrText,
  rangeEnd,
  type BootLayout,
  type Core,
  type Effect,
  type ResolvedConfig,
} from './core';
import { fail, SimError, type ErrorCode } from './errors';
import { LowestFitAllocator } from './frame/allocator';
import { boot } from './frame/boot';
import {
  RC_UNUSED,
  STORAGE_NAMES,
  USAGE_NAMES,
  W_OBLIG,
  W_PATHS,
  W_RC_HI,
  W_RC_LO,
  W_STORAGE,
  W_USAGE,
  decodeRc,
  rcState,
  rcText,
  readRc,
  readSlot,
  type SlotView,
} from './frame/meta';
import * as frames from './frame/ops';
import { describeHandle, lookup, resolvePaddr } from './handles';
import { dataBytes } from './ops';
import { Tlb } from './tlb';
import { Mmu } from './mmu';
import * as vm from './vm_space';
import * as io from './io';
import * as dma from './dma';
import {
  buildContext,
  checkAll,
  ghostChanges,
  inCanonicalOrder,
  INVARIANTS,
  literalMemViewGaps,
  PAGE_SCOPED,
  PtIndex,
  restrictedContext,
  type CheckContext,
  type Violation,
} from './invariants';
import { holderNames } from './invariants/context';
import { Hasher, PhysMem } from './mem';
import type { AddrRef, DataLit, MachineConfig, Op, RangeRef } from './ops';
import { cloneGhost, newGhost, siteText, type Ghost, type Site } from './state';

export interface StepInput {
  op: Op;
  unsafe?: boolean;
  /** Script line and text, for messages that say where a handle went. */
  line?: number;
  text?: string;
}

export type ReverseDelta =
  | { kind: 'mem'; mem: Float64Array; ghost: Ghost; violations: Violation[]; fresh: boolean }
  | { kind: 'reboot' };

export interface MachineImage {
  config: ResolvedConfig;
  mem: { meta: Uint32Array; pages: [number, Uint32Array][] };
  tlb: (Float64Array | Int32Array)[];
  ghost: Ghost;
  violations: Violation[];
  fresh: boolean;
  everTouched: Uint8Array;
}

export interface StepResult {
  ok: boolean;
  /** The printed payload (ok) or message (error). */
  text: string;
  code?: ErrorCode;
  clause?: string;
  effects: Effect[];
  violations: Violation[];
  delta?: ReverseDelta;
  /** Bytes the command returned (`read`, `device read`), for `expect data`. */
  data?: Uint8Array;
}

/**
 * After every accepted command: `incremental` re-checks what the command could have changed (equal
 * to `full` by construction and by test), `full` runs every check on the whole machine, `off` none.
 */
export type CheckingMode = 'incremental' | 'full' | 'off';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

export class Machine {
  config: ResolvedConfig;
  consts: PagingConsts;
  mem!: PhysMem;
  ghost!: Ghost;
  layout!: BootLayout;
  allocator!: LowestFitAllocator;
  tlb!: Tlb;
  /** The CPUs' translation path over the TLBs (with an exact walk memo: derived, never state). */
  mmu!: Mmu;
  /** The violations of the last check: shown in the ledger until repaired. */
  violations: Violation[] = [];
  checking: CheckingMode = 'incremental';
  /** What a full walk of the page tables would find, kept up to date by incremental checks. */
  private index!: PtIndex;
  /** The index and `violations` describe the current state (the last step was checked). */
  private indexValid = false;
  /** How the checks since boot ran: incrementally, or whole (the index could not follow). */
  readonly checkCounts = { incremental: 0, whole: 0 };
  /** Every slot a step has written since boot (plus the boot frames): the checker looks only here. */
  private everTouched = new Uint8Array(0);
  /** How many slots `everTouched` marks: what one whole check looks at, roughly. */
  private everCount = 0;
  /** True until the first command after boot: `machine` is allowed only then. */
  fresh = true;

  constructor(config: Partial<ResolvedConfig> = {}) {
    this.config = { ...DEFAULT_CONFIG, ...config };
    this.consts = X86_64;
    this.boot();
  }

  private boot(): void {
    this.mem = new PhysMem(this.config.memBytes / this.consts.pageSize);
    this.mem.setJournaling(false);
    this.layout = boot(this.consts, this.mem, this.config.iommu);
    this.tlb = new Tlb(this.mem, this.config.cpus, this.config.tlbEntries);
    this.mmu = new Mmu(this.mem, this.tlb);
    this.mem.setJournaling(true);
    this.ghost = newGhost(this.config.cpus);
    this.index = new PtIndex(this.mem);
    this.indexValid = this.index.rebuild(this.layout, this.ghost);
    this.allocator = new LowestFitAllocator(this.mem);
    this.violations = [];
    this.fresh = true;
    this.everTouched = new Uint8Array(this.layout.nframes);
    this.everTouched.fill(1, this.layout.meta[0], this.layout.firstFree);
    this.everCount = this.layout.firstFree - this.layout.meta[0];
  }

  // ---- the one writer --------------------------------------------------------------------------

  step(input: StepInput): StepResult {
    const { op } = input;
    const site: Site = { line: input.line ?? 0, text: input.text ?? op.op };
    if (op.op === 'machine' || op.op === 'reset') return this.reboot(input);
    const mark = this.mem.mark();
    const ghostBefore = cloneGhost(this.ghost);
    const freshBefore = this.fresh;
    const core = this.makeCore(input.unsafe ?? false, site);
    let text: string;
    let kept: SimError | undefined;
    let touched: Int32Array;
    try {
      text = this.exec(core, op);
      touched = this.noteSlots(mark, core.effects);
    } catch (e) {
      if (e instanceof SimError && e.keep) {
        // A faulting fallible copy: what it copied stays (commands.md's one exception).
        kept = e;
        text = e.message;
        touched = this.noteSlots(mark, core.effects);
      } else return this.abort(e, mark, ghostBefore);
    }
    this.fresh = false;
    const violationsBefore = this.violations;
    if (this.checking === 'incremental')
      this.violations = this.checkIncremental(mark, touched, ghostBefore);
    else {
      this.indexValid = false;
      if (this.checking === 'full') this.violations = this.check();
    }
    const delta: ReverseDelta = {
      kind: 'mem',
      mem: this.mem.take(mark),
      ghost: ghostBefore,
      violations: violationsBefore,
      fresh: freshBefore,
    };
    const out: StepResult = {
      ok: !kept,
      text,
      effects: core.effects,
      violations: this.violations,
      delta,
    };
    if (kept) {
      out.code = kept.code;
      if (kept.clause !== undefined) out.clause = kept.clause;
    }
    if (core.data) out.data = core.data;
    return out;
  }

  /** Roll the failed step back entirely and report it. */
  private abort(e: unknown, mark: number, ghostBefore: Ghost): StepResult {
    this.mem.rollback(mark);
    this.ghost = ghostBefore;
    this.allocator.invalidate();
    if (e instanceof SimError)
      return {
        ok: false,
        code: e.code,
        clause: e.clause,
        text: e.message,
        effects: [],
        violations: this.violations,
      };
    const why = e instanceof Error ? e.message : String(e);
    return {
      ok: false,
      code: 'Panic',
      clause: 'simulator',
      text: `internal error, nothing was changed: ${why}`,
      effects: [],
      violations: this.violations,
    };
  }

  /** Undo the step whose reverse delta this is (the machine must be in the state right after it). */
  /** The whole state, for a history keyframe (restoreImage puts it back exactly). */
  image(): MachineImage {
    return {
      config: { ...this.config },
      mem: this.mem.image(),
      tlb: this.tlb.image(),
      ghost: cloneGhost(this.ghost),
      violations: this.violations,
      fresh: this.fresh,
      everTouched: this.everTouched.slice(),
    };
  }

  /** Back to an image taken by `image()`: in place when the configuration matches (same buffers). */
  restoreImage(img: MachineImage): void {
    const c = this.config;
    const same = JSON.stringify(c) === JSON.stringify(img.config);
    if (!same) {
      this.config = { ...img.config };
      this.boot();
    }
    this.mem.restoreImage(img.mem);
    this.tlb.restoreImage(img.tlb);
    this.ghost = cloneGhost(img.ghost);
    this.violations = img.violations;
    this.fresh = img.fresh;
    // A superset is all the checker needs: keep what this run touched too.
    const ever = this.everTouched;
    this.everCount = 0;
    for (let i = 0; i < ever.length; i++) {
      if (img.everTouched[i]) ever[i] = 1;
      this.everCount += ever[i]!;
    }
    this.allocator.invalidate();
    this.indexValid = false;
  }

  /**
   * Undo the step whose reverse delta this is (the machine must be in the state right after it).
   * With `adopt`, the delta's ghost state is taken over instead of copied: the caller promises
   * never to use that delta again (History drops it).
   */
  undo(delta: ReverseDelta, adopt = false): void {
    if (delta.kind !== 'mem') throw new Error('a reboot is undone by replaying from the start');
    this.mem.undoDelta(delta.mem);
    this.ghost = adopt ? delta.ghost : cloneGhost(delta.ghost);
    this.violations = delta.violations;
    this.fresh = delta.fresh;
    this.allocator.invalidate();
    this.indexValid = false;
  }

  private reboot(input: StepInput): StepResult {
    const op = input.op;
    if (op.op === 'machine') {
      if (!this.fresh)
        return {
          ok: false,
          code: 'InvalidArgs',
          text: '`machine` must be the first command, or come right after `reset`',
          effects: [],
          violations: this.violations,
        };
      let config: ResolvedConfig;
      try {
        config = resolveConfig(op.config);
      } catch (e) {
        const se = e as SimError;
        return {
          ok: false,
          code: se.code,
          text: se.message,
          effects: [],
          violations: this.violations,
        };
      }
      this.config = config;
    }
    this.boot();
    // `reset` leaves room for a `machine` that configures the new one; `machine` itself does not.
    if (op.op === 'machine') this.fresh = false;
    const c = this.config;
    return {
      ok: true,
      text: `machine ${c.arch} mem=${c.memBytes / MiB}M cpus=${c.cpus} tlb=${c.tlbEntries} iommu=${c.iommu ? 'on' : 'off'}; ${this.layout.nframes} frames, first free ${paddrText(this.layout.firstFree)}`,
      effects: [],
      violations: [],
      delta: { kind: 'reboot' },
    };
  }

  private exec(core: Core, op: Op): string {
    switch (op.op) {
      case 'cpu':
        core.ghost.cpu = configuredCpu(this.config, op.cpu);
        return `cpu ${op.cpu}`;
      case 'alloc':
        return frames.alloc(core, op.count, op.zeroed, op.unique, op.as);
      case 'frame':
        return frames.frameFromInUse(core, op.paddr, op.as);
      case 'clone':
        return frames.clone(core, op.handle, op.as);
      case 'drop': {
        const h = lookup(core, op.handle, [
          'frame',
          'segment',
          'unique',
          'vmspace',
          'cursor',
          'reader',
          'writer',
          'dma',
        ]);
        if (h.kind === 'vmspace') return vm.dropVmSpace(core, h);
        if (h.kind === 'cursor') return vm.dropCursor(core, h);
        if (h.kind === 'reader' || h.kind === 'writer') return io.dropIo(core, h);
        if (h.kind === 'dma') return dma.dmaDrop(core, h);
        return frames.drop(core, op.handle);
      }
      case 'into_raw':
        return frames.intoRaw(core, op.handle);
      case 'from_raw':
        return frames.fromRaw(core, op.target, op.as);
      case 'split':
        return frames.split(core, op.handle, op.offset, op.as);
      case 'slice':
        return frames.slice(core, op.handle, op.range, op.as);
      case 'next':
        return frames.next(core, op.handle, op.as);
      case 'share':
        return frames.share(core, op.handle, op.as);
      case 'unique':
        return frames.unique(core, op.handle, op.as);
      case 'vmspace':
        return vm.newVmSpace(core, op.as);
      case 'activate':
        return vm.activate(core, op.vs);
      case 'deactivate':
        return vm.deactivate(core);
      case 'cursor':
        return vm.cursor(core, op.vs, op.range, op.mut, op.as);
      case 'query':
        return vm.query(core, op.cursor, op.as);
      case 'find_next':
        return vm.findNext(core, op.cursor, op.len);
      case 'jump':
        return vm.jump(core, op.cursor, op.va);
      case 'va':
        return vm.va(core, op.cursor);
      case 'map':
        return vm.map(core, op.cursor, op.handle, op.prop, op.cache);
      case 'map_at':
        return vm.mapAt(core, op.vs, op.va, op.handle, op.prop, op.cache);
      case 'unmap':
        return vm.unmap(core, op.cursor, op.len);
      case 'unmap_range':
        return vm.unmapRange(core, op.vs, op.range);
      case 'protect_next':
        return vm.protectNext(core, op.cursor, op.len, op.prop);
      case 'protect':
        return vm.protect(core, op.vs, op.range, op.prop);
      case 'flush':
        return vm.flush(core, op.cursor);
      case 'take_next':
        return vm.takeNextCmd(core, op.cursor, op.len, op.as);
      case 'mmap':
        return vm.mmap(core, op.vs, op.range, op.prop);
      case 'read':
        return vm.cpuRead(core, op.va, op.len);
      case 'write':
        return vm.cpuWrite(core, op.va, boundedBytes(op.data));
      case 'translate':
        return vm.translate(core, op.vs, op.va).text;
      case 'tlb':
        return vm.tlbShow(
          core,
          op.cpu === undefined ? undefined : configuredCpu(this.config, op.cpu),
        );
      case 'tlb_flush':
        return vm.tlbFlushCmd(core, op.target, op.cpu);
      case 'reader':
      case 'writer':
        return io.newUserIo(core, op.op, op.vs, op.va, op.len, op.as);
      case 'kreader':
        return io.newKernelIo(core, 'reader', op.handle, op.as);
      case 'kwriter':
        return io.newKernelIo(core, 'writer', op.handle, op.as);
      case 'io_read':
        return io.ioRead(core, op.reader, op.len);
      case 'io_write':
        // The data's size is judged after the writer's name (a thunk: ioWrite calls it then).
        return io.ioWrite(core, op.writer, () => boundedBytes(op.data));
      case 'copy':
        return io.copy(core, op.reader, op.writer);
      case 'skip':
        return io.skip(core, op.handle, op.len);
      case 'limit':
        return io.limit(core, op.handle, op.len);
      case 'dma':
        return dma.dmaMap(core, op.kind === 'stream', op.handle, op.dir, op.coherent, op.as);
      case 'sync':
        return dma.sync(core, op.dma, op.dir, op.range);
      case 'device_read':
        return dma.deviceRead(core, op.dma, op.offset, op.len);
      case 'device_write':
        return dma.deviceWrite(core, op.dma, op.offset, () => boundedBytes(op.data));
      case 'show':
        if (op.what === 'pt') return vm.showPt(core, op.vs, op.range);
        if (op.what === 'tlb') return vm.tlbShow(core);
        if (op.what === 'dma') return dma.showDma(core);
        if (op.what === 'frame') return this.showFrame(resolvePaddr(core, op.paddr));
        if (op.what === 'frames') return this.showFrames(core, op.range);
        if (op.what === 'handles') return this.showHandles();
        return this.showLedger();
      case 'check':
        return this.checkReport();
      case 'machine':
      case 'reset':
        throw new Error('unreachable');
    }
  }

  // ---- effects ---------------------------------------------------------------------------------

  /** Effects listed one by one, at most; a bulk command's slots are summarised past this. */
  static readonly EFFECT_DETAIL = 256;

  /**
   * The checker after a step, in proportion to the step (invariants/incremental.ts); the whole
   * checker when the index cannot follow (after an undo, unchecked steps, or a corrupted tree).
   */
  private checkIncremental(mark: number, touched: Int32Array, before: Ghost): Violation[] {
    // A step that changed most of what the machine uses (a big map): the whole checker costs
    // less than judging page by page, and says the same (the index is kept up to date either way).
    const big = touched.length * 2 > this.everCount;
    const affected = big ? null : new Set<number>(touched);
    const followed =
      this.indexValid &&
      this.index.update(this.layout, this.ghost, this.mem.wordsBefore(mark, this.index), affected);
    if (!followed) this.indexValid = this.index.rebuild(this.layout, this.ghost);
    if (followed && affected) ghostChanges(before, this.ghost, affected);
    // A huge user leaf (only corruption makes one) is judged on every page it covers, not only
    // the one it names: while there is any, a page's change can change another page's verdict.
    if (!followed || !affected || affected.size * 2 > this.everCount || this.index.hugeUserLeaves) {
      this.checkCounts.whole++;
      return this.check();
    }
    this.checkCounts.incremental++;
    const out = checkAll(restrictedContext(this.checkBase(), this.index, affected));
    for (const v of this.violations)
      if (PAGE_SCOPED.has(v.id) && v.frames.length && !v.frames.some((f) => affected.has(f)))
        out.push(v);
    return inCanonicalOrder(out);
  }

  /** What every check context shares (the restricted ones add holders and leaves from the index). */
  private checkBase(): Omit<CheckContext, 'holders' | 'leaves' | 'interesting' | 'rcs' | 'usages'> {
    return {
      tlb: this.tlb,
      consts: this.consts,
      layout: this.layout,
      mem: this.mem,
      ghost: this.ghost,
    };
  }

  /** After a step: remember the slots it wrote (for the checker) and describe the lowest ones. */
  private noteSlots(mark: number, out: Effect[]): Int32Array {
    // The lowest EFFECT_DETAIL slots, sorted, without sorting them all (a dense map writes 10^5).
    const K = Machine.EFFECT_DETAIL;
    const { touched, lowest: first, before } = this.mem.slotsSince(mark, K);
    if (touched.length === 0) return touched;
    const ever = this.everTouched;
    let lo = touched[0]!;
    let hi = lo;
    for (const s of touched) {
      if (!ever[s]) {
        ever[s] = 1;
        this.everCount++;
      }
      if (s < lo) lo = s;
      if (s > hi) hi = s;
    }
    if (touched.length > K)
      out.push({
        kind: 'slot',
        text: `${touched.length} metadata slots changed (${paddrText(lo)}..${paddrText(hi + 1)}); the first ${K} follow`,
      });
    const mem = this.mem;
    for (const s of first) {
      const rc0 = decodeRc(
        wordBefore(before, mem, s, W_RC_LO),
        wordBefore(before, mem, s, W_RC_HI),
      );
      const rc1 = readRc(mem, s);
      const parts: string[] = [];
      if (rc0 !== rc1) parts.push(`refcount ${rcText(rc0)} → ${rcText(rc1)}`);
      const u0 = wordBefore(before, mem, s, W_USAGE);
      const u1 = mem.slotWord(s, W_USAGE);
      if (u0 !== u1) parts.push(`usage ${USAGE_NAMES[u0]} → ${USAGE_NAMES[u1]}`);
      const s0 = wordBefore(before, mem, s, W_STORAGE);
      const s1 = mem.slotWord(s, W_STORAGE);
      if (s0 !== s1) parts.push(`storage ${STORAGE_NAMES[s0]} → ${STORAGE_NAMES[s1]}`);
      const p0 = wordBefore(before, mem, s, W_PATHS);
      const p1 = mem.slotWord(s, W_PATHS);
      if (p0 !== p1) parts.push(`paths_in_pt ${p0} → ${p1}`);
      const o0 = wordBefore(before, mem, s, W_OBLIG);
      const o1 = mem.slotWord(s, W_OBLIG);
      if (o0 !== o1) parts.push(`obligations ${o0} → ${o1}`);
      if (parts.length)
        out.push({ kind: 'slot', pfn: s, text: `${paddrText(s)}: ${parts.join(', ')}` });
    }
    return touched;
  }

  // ---- read-only queries -----------------------------------------------------------------------

  context(): CheckContext {
    return buildContext(this.consts, this.layout, this.mem, this.ghost, this.tlb, this.everTouched);
  }

  /** After unchecked steps: the whole checker's verdicts, and an index to continue from. */
  settle(): void {
    this.violations = this.check();
    this.indexValid = this.index.rebuild(this.layout, this.ghost);
  }

  /**
   * A context complete for `pages` only (their holders, the leaves mapping them): from the
   * page-table index when it is up to date, so asking about one frame costs what that frame has.
   * (A huge user leaf, which only corruption makes, may cover a page it does not name: then whole.)
   */
  contextFor(pages: Iterable<number>): CheckContext {
    if (!this.indexValid || this.index.hugeUserLeaves > 0) return this.context();
    return restrictedContext(this.checkBase(), this.index, new Set(pages));
  }

  check(): Violation[] {
    return checkAll(this.context());
  }

  refcount(pfn: number): number {
    return readRc(this.mem, pfn);
  }

  slot(pfn: number): SlotView {
    return readSlot(this.mem, pfn);
  }

  /** Resolve a physical address (number or handle name) the way commands do, or throw SimError. */
  resolvePaddr(a: { num: bigint } | { name: string }): number {
    return resolvePaddr(this.readCore(), a);
  }

  private readCore(): Core {
    return this.makeCore(false, { line: 0, text: '' });
  }

  private makeCore(unsafe: boolean, site: Site): Core {
    return {
      consts: this.consts,
      config: this.config,
      mem: this.mem,
      ghost: this.ghost,
      allocator: this.allocator,
      layout: this.layout,
      unsafe,
      site,
      effects: [],
      tlb: this.tlb,
      mmu: this.mmu,
    };
  }

  /** `expect translate VS VA PADDR|fault`: null when it holds, else why not. */
  expectTranslate(vs: string, va: bigint, target: AddrRef | 'fault'): string | null {
    const core = this.readCore();
    const t = vm.translate(core, vs, va);
    if (target === 'fault') return t.pa === null ? null : `expected a fault, got ${t.text}`;
    // A number is an exact physical address; a handle name stands for its frame's address.
    const want = 'num' in target ? target.num : BigInt(resolvePaddr(core, target)) * 4096n;
    if (t.pa === want) return null;
    return `expected ${hex(want)}, got ${t.text}`;
  }

  /** Why the machine is not back to its boot state (empty when it is): `expect clean`. */
  uncleanReasons(): string[] {
    const out: string[] = [];
    const v = this.check();
    for (const x of v) out.push(`${x.id}: ${x.message}`);
    for (const h of this.ghost.handles.values())
      out.push(`handle ${describeHandle(h)} is still live (from ${siteText(h.site)})`);
    for (const [p, f] of this.ghost.forgotten)
      out.push(
        `${f.frames + f.uniques} forgotten reference${f.frames + f.uniques === 1 ? '' : 's'} to ${paddrText(p)} never revived (leaked by ${f.by.join('; ')})`,
      );
    for (let p = this.layout.firstFree; p < this.layout.nframes; p++) {
      if (readRc(this.mem, p) !== RC_UNUSED)
        out.push(`frame ${paddrText(p)} is not UNUSED (refcount ${rcText(readRc(this.mem, p))})`);
      else if (this.mem.slotWord(p, W_OBLIG) !== 0)
        out.push(`frame ${paddrText(p)} still has obligations`);
      if (out.length > 50) break;
    }
    return out;
  }

  stateHash(): string {
    const h = new Hasher();
    const c = this.config;
    h.text(`${c.arch} ${c.memBytes} ${c.cpus} ${c.tlbEntries} ${c.iommu} ${c.seed}`);
    this.mem.hashInto(h);
    for (let i = 0; i < this.tlb.vpn.length; i++) {
      h.word(this.tlb.vpn[i]! % 2 ** 32);
      h.word(Math.floor(this.tlb.vpn[i]! / 2 ** 32));
      h.word(this.tlb.pfn[i]!);
      h.word(this.tlb.flags[i]!);
      h.word(this.tlb.age[i]!);
      h.word(this.tlb.gen[i]!);
    }
    for (const a of this.ghost.active) h.text(a ?? '-');
    const g = this.ghost;
    h.word(g.cpu);
    for (const [name, x] of [...g.handles].sort(([a], [b]) => (a < b ? -1 : 1)))
      h.text(name + JSON.stringify(x));
    for (const [name, x] of [...g.gone].sort(([a], [b]) => (a < b ? -1 : 1)))
      h.text(name + JSON.stringify(x));
    for (const [p, f] of [...g.forgotten].sort(([a], [b]) => a - b))
      h.text(`${p}:${JSON.stringify(f)}`);
    for (const [k, v] of Object.entries(g.nameHint).sort()) h.text(`${k}${v}`);
    return h.hex();
  }

  // ---- text for `show` and `check` -----------------------------------------------------------

  private showFrame(pfn: number): string {
    const s = this.slot(pfn);
    const holders = holderNames(this.contextFor([pfn]), pfn);
    return (
      `frame ${paddrText(pfn)} (slot ${pfn}): refcount ${rcText(s.rc)} (${rcState(s.rc)}), usage ${USAGE_NAMES[s.usage]}, ` +
      `storage ${STORAGE_NAMES[s.storage]}, in_list ${s.inList}, paths_in_pt ${s.paths}, obligations ${s.obligations}` +
      (holders.length ? `; held by ${holders.join(', ')}` : '')
    );
  }

  private showFrames(core: Core, range?: RangeRef): string {
    let first = 0;
    let end = this.layout.nframes;
    if (range) {
      first = resolvePaddr(core, range.start);
      const endPa = rangeEnd(BigInt(first * this.consts.pageSize), range);
      end = Math.min(this.layout.nframes, Math.ceil(Number(endPa) / this.consts.pageSize));
      if (end <= first) fail('InvalidArgs', 'the frame range is empty');
    }
    const runs: [string, number, string][] = [];
    let runStart = first;
    const key = (p: number): string =>
      `${USAGE_NAMES[this.mem.slotWord(p, W_USAGE)]} ${rcState(readRc(this.mem, p))}`;
    for (let p = first + 1; p <= end; p++) {
      if (p === end || key(p) !== key(runStart)) {
        runs.push([`${paddrText(runStart)}..${paddrText(p)}`, p - runStart, key(runStart)]);
        runStart = p;
      }
    }
    // A heading first (the result's `ok` goes before it), then the runs in aligned columns.
    const width = Math.max(...runs.map(([r]) => r.length));
    return [
      `frames ${paddrText(first)}..${paddrText(end)}: ${runs.length} run${runs.length === 1 ? '' : 's'} by usage and refcount`,
      ...runs.map(
        ([r, n, k]) =>
          `  ${r.padEnd(width)}  ${String(n).padStart(6)} frame${n === 1 ? ' ' : 's'}  ${k}`,
      ),
    ].join('\n');
  }

  private showHandles(): string {
    const hs = [...this.ghost.handles.values()];
    if (hs.length === 0) return 'no live handles';
    return hs.map((h) => `${describeHandle(h)}  (from ${siteText(h.site)})`).join('\n');
  }

  private showLedger(): string {
    const lines = ['handles:'];
    for (const h of this.ghost.handles.values()) lines.push(`  ${describeHandle(h)}`);
    lines.push('obligations (frame_obligations):');
    for (let p = 0; p < this.layout.nframes; p++) {
      const n = this.mem.slotWord(p, W_OBLIG);
      if (n) lines.push(`  ${paddrText(p)} ×${n}`);
    }
    lines.push('forgotten references:');
    for (const [p, f] of this.ghost.forgotten)
      lines.push(`  ${paddrText(p)} ×${f.frames + f.uniques}  (${f.by.join('; ')})`);
    lines.push(this.checkReport());
    return lines.join('\n');
  }

  checkReport(): string {
    const ctx = this.context();
    const v = checkAll(ctx);
    const lines = INVARIANTS.map((inv) => {
      const mine = v.filter((x) => x.id === inv.id);
      if (mine.length === 0) return `pass  ${inv.id}`;
      return `${inv.severity === 'warning' ? 'warn' : 'FAIL'}  ${inv.id}: ${mine.map((x) => x.message).join('; ')}`;
    });
    for (const g of literalMemViewGaps(ctx))
      lines.push(`note  vso.mem_view read literally (vostd's MV-6 gap): ${g}`);
    // A heading first (the result's `ok` goes before it, as for `show frames`), then one
    // invariant a line.
    const count = (tag: string): number => lines.filter((l) => l.startsWith(tag)).length;
    const [fails, warns] = [count('FAIL'), count('warn')];
    const head =
      `${INVARIANTS.length} invariants: ${count('pass')} pass` +
      (fails ? `, ${fails} FAIL` : '') +
      (warns ? `, ${warns} warn` : '');
    return [head, ...lines.map((l) => `  ${l}`)].join('\n');
  }
}

/** The bytes of a data literal, refusing more than 1 MiB before materialising them. */
function boundedBytes(d: DataLit): Uint8Array {
  if ((d.kind === 'zeros' || d.kind === 'fill') && d.len > 1n << 20n)
    fail('InvalidArgs', 'at most 1 MiB at a time');
  return dataBytes(d);
}

/** Architectures OSTD supports besides x86_64: known, but not modelled. */
const OTHER_ARCHES = ['riscv64', 'loongarch64'];

export function resolveConfig(c: MachineConfig): ResolvedConfig {
  const out = { ...DEFAULT_CONFIG };
  if (c.arch !== undefined && c.arch !== 'x86_64') {
    if (OTHER_ARCHES.includes(c.arch))
      fail(
        'NotConfigured',
        `arch=${c.arch}: Asterinas runs there too, but PageLab models x86_64 paging only`,
      );
    fail('InvalidArgs', `unknown arch \`${c.arch}\` (supported: x86_64)`);
  }
  if (c.mem !== undefined) {
    if (c.mem < BigInt(4 * MiB) || c.mem > BigInt(2 * GiB))
      fail('InvalidArgs', `mem=${c.mem} is outside 4M..2G (vostd's MAX_PADDR is 2 GiB)`);
    if (c.mem % BigInt(2 * MiB) !== 0n)
      fail(
        'InvalidArgs',
        `mem=${hex(c.mem)} is not a multiple of 2M (the linear map uses 2 MiB pages)`,
      );
    out.memBytes = Number(c.mem);
  }
  if (c.cpus !== undefined) {
    if (c.cpus < 1n || c.cpus > 64n) fail('InvalidArgs', `cpus=${c.cpus} is outside 1..64`);
    out.cpus = Number(c.cpus);
  }
  if (c.tlb !== undefined) {
    if (c.tlb < 4n || c.tlb > 4096n || c.tlb % 4n !== 0n)
      fail('InvalidArgs', `tlb=${c.tlb} must be a multiple of 4 (4-way) in 4..4096`);
    out.tlbEntries = Number(c.tlb);
  }
  if (c.iommu !== undefined) out.iommu = c.iommu;
  if (c.seed !== undefined) {
    if (c.seed < 0n || c.seed >= 2n ** 32n)
      fail('InvalidArgs', `seed=${c.seed} is outside 0..2^32-1`);
    out.seed = Number(c.seed);
  }
  return out;
}

/** Word `w` of slot `s` as it was before a step: `before` holds the words the step wrote. */
function wordBefore(before: Map<number, number>, mem: PhysMem, s: number, w: number): number {
  return before.get(s * 16 + w) ?? mem.slotWord(s, w);
}
