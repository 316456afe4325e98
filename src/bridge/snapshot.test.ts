import { describe, expect, it } from 'vitest';
import * as meta from '../engine/frame/meta';
import * as pte from '../engine/arch/pte';
import * as tlb from '../engine/tlb';
import { Session } from '../lang';
import defaultScenario from '../scenarios/default.lab?raw';
import * as L from './shared_layout';
import { buildFrameDetail, buildSnapshot, PERM_R, PERM_W, toRuns, type Snapshot } from './snapshot';

function run(lines: string[]): Session {
  const s = new Session();
  for (const l of lines) {
    const r = s.exec(l);
    if (!r.ok && r.kind === 'op') throw new Error(`${l}: ${r.text}`);
  }
  return s;
}

/** Bytes a snapshot costs to clone, not counting the SharedArrayBuffers it only refers to. */
function clonedBytes(s: Snapshot): number {
  const { shared: _shared, ...rest } = s;
  let bytes = 0;
  const json = JSON.stringify(rest, (_k, v: unknown) => {
    if (ArrayBuffer.isView(v)) {
      bytes += v.byteLength;
      return null;
    }
    return v;
  });
  return bytes + json.length;
}

describe('shared_layout matches the engine', () => {
  it('has the same metadata words, sentinels, usages and bits', () => {
    for (const k of [
      'W_RC_LO',
      'W_RC_HI',
      'W_USAGE',
      'W_STORAGE',
      'W_VTABLE',
      'W_IN_LIST',
      'W_PT_NR_CHILDREN',
      'W_PT_LEVEL',
      'W_PT_STRAY',
      'W_PT_LOCK',
      'W_PATHS',
      'W_OBLIG',
      'W_GEN',
      'RC_UNUSED',
      'RC_UNIQUE',
      'RC_BAND',
    ] as const)
      expect(L[k], k).toBe(meta[k]);
    expect([...L.USAGE_NAMES]).toEqual(meta.USAGE_NAMES);
    expect([...L.STORAGE_NAMES]).toEqual(meta.STORAGE_NAMES);
    expect(L.U_FRAME).toBe(meta.Usage.Frame);
    expect(L.U_PAGETABLE).toBe(meta.Usage.PageTable);
    expect(L.U_META).toBe(meta.Usage.Meta);
    expect(L.U_RESERVED).toBe(meta.Usage.Reserved);
    for (const k of [
      'PTE_PRESENT',
      'PTE_WRITABLE',
      'PTE_USER',
      'PTE_WRITE_THROUGH',
      'PTE_NO_CACHE',
      'PTE_ACCESSED',
      'PTE_DIRTY',
      'PTE_HUGE',
      'PTE_GLOBAL',
      'PTEH_NO_EXECUTE',
      'PTE_ADDR_LO',
      'PTEH_ADDR',
    ] as const)
      expect(L[k], k).toBe(pte[k]);
    for (const k of [
      'TLB_WAYS',
      'TE_VALID',
      'TE_WRITABLE',
      'TE_USER',
      'TE_GLOBAL',
      'TE_DIRTY',
      'TE_EXEC',
    ] as const)
      expect(L[k], k).toBe(tlb[k]);
  });

  it('reads metadata and page-table entries from the shared buffers as the engine does', () => {
    const s = run([
      'machine mem=16M',
      'vmspace as vs',
      'mmap vs 0x400000+8K prop=rw',
      'alloc unique as u',
    ]);
    const m = s.machine;
    const snap = buildSnapshot(s);
    const metaArr = new Uint32Array(snap.shared.meta);
    for (let p = 0; p < m.layout.nframes; p += 7)
      expect(L.slotRc(metaArr, p)).toBe(meta.readRc(m.mem, p));
    const reader = new L.FrameReader(snap.shared.pageSlot, snap.shared.pool);
    const vs = snap.spaces.find((x) => x.id === 'vs')!;
    for (let i = 0; i < snap.spaces[0]!.tree.count; i++) {
      const node = vs.tree.pfn[i]!;
      for (let e = 0; e < 512; e += 3) {
        expect(reader.pteLo(node, e)).toBe(m.mem.readWord(node, e * 8));
        expect(reader.pteHi(node, e)).toBe(m.mem.readWord(node, e * 8 + 4));
      }
    }
  });
});

describe('buildSnapshot', () => {
  it('summarises the default scenario, small', () => {
    const s = new Session();
    s.runScript(defaultScenario);
    const snap = buildSnapshot(s);
    const m = s.machine;
    expect(snap.config.nframes).toBe(4096);
    expect(snap.layout.firstFree).toBe(0x242);
    expect(snap.shared.meta).toBe(m.mem.metaSab);
    // Handles: the VM space, the frame, the segment, the cursor.
    const names = snap.handles.map((h) => h.name).sort();
    expect(names).toEqual(['buf', 'look', 'page', 'space'].sort());
    const buf = snap.handles.find((h) => h.name === 'buf')!;
    expect(buf).toMatchObject({ kind: 'segment', type: 'Segment', pages: 4 });
    const look = snap.handles.find((h) => h.name === 'look')!;
    expect(look).toMatchObject({
      kind: 'cursor',
      vs: 'space',
      start: 0x400,
      end: 0x404,
      mut: false,
    });
    // Every invariant is listed, and passes.
    expect(snap.invariants).toHaveLength(25);
    expect(snap.invariants.every((i) => i.status === 'pass')).toBe(true);
    expect(snap.violations).toEqual([]);
    // The space: 17 user mappings (16 by mmap, one by map), its kernel half borrowed.
    const space = snap.spaces.find((x) => x.id === 'space')!;
    expect(space.kind).toBe('user');
    expect(space.activeOn).toEqual([0]);
    expect(space.mapped).toBe(17);
    const t = space.tree;
    expect(t.level[0]).toBe(4);
    expect(t.subtree[0]).toBe(17);
    const groups = [...Array(t.count).keys()].filter((i) => t.parent[i] === 0 && t.borrowed[i]);
    expect(groups.map((i) => [t.index[i], t.span[i]])).toEqual([
      [256, 1],
      [257, 255],
    ]);
    // Runs: the 16 mmap pages are contiguous virtually and physically.
    const runs = [...Array(space.runCount).keys()].map((k) => [
      ...space.runs.subarray(k * 4, k * 4 + 4),
    ]);
    expect(runs[0]![0]).toBe(0x400);
    expect(runs.reduce((a, r) => a + r[1]!, 0)).toBe(17);
    expect(runs.find((r) => r[0] === 0x600)![3]! & (PERM_R | PERM_W)).toBe(PERM_R);
    // The kernel's tree: the linear map is its own node, the rest one group of empty nodes.
    const kernel = snap.spaces[0]!;
    expect(kernel.kind).toBe('kernel');
    expect(kernel.mapped).toBe(8); // 16M in 2M leaves
    // Classes: one byte a frame, counted.
    const classes = new Uint8Array(snap.shared.classes);
    expect(classes.length).toBe(4096);
    expect(snap.classCounts.reduce((a, b) => a + b, 0)).toBe(4096);
    expect(classes[0]).toBe(L.FC_RESERVED);
    expect(classes[0x100]).toBe(L.FC_META);
    expect(classes[snap.layout.kernelRoot]).toBe(L.FC_PT);
    expect(classes[s.machine.resolvePaddr({ name: 'page' })]).toBe(L.FC_SHARED);
    expect(classes[s.machine.resolvePaddr({ name: 'buf' })]).toBe(L.FC_HELD);
    expect(classes[4095]).toBe(L.FC_FREE);
    expect(snap.classCounts[L.FC_MAPPED]).toBe(16);
    // The next snapshot writes the other buffer.
    expect(buildSnapshot(s).shared.classes).not.toBe(snap.shared.classes);
    // Density strips: the root of the space has entries 0 and 256..511 present.
    expect([...space.tree.density.subarray(0, 32)]).toEqual([
      1,
      ...Array(15).fill(0),
      ...Array(16).fill(16),
    ]);
    // Counts add up.
    const c = snap.counts;
    expect(
      c.free +
        c.reserved +
        c.meta +
        c.pageTable +
        c.kernel +
        c.mmio +
        c.freed +
        c.unique +
        c.shared +
        c.bad,
    ).toBe(4096);
    expect(c.shared).toBe(16 + 1 + 4);
    expect(c.mapped).toBe(17);
    // Frame runs cover all frames in order.
    let at = 0;
    for (let k = 0; k < snap.frameRunCount; k++) {
      expect(snap.frameRuns[k * 5]).toBe(at);
      at = snap.frameRuns[k * 5 + 1]!;
    }
    expect(at).toBe(4096);
    // Obligations: page (1), buf (4).
    let obl = 0;
    for (let k = 0; k < snap.obligationRunCount; k++)
      obl +=
        (snap.obligations[k * 3 + 1]! - snap.obligations[k * 3]!) * snap.obligations[k * 3 + 2]!;
    expect(obl).toBe(5);
    // The last step and its TLB: the read filled an entry on cpu 0.
    expect(snap.last?.source).toBe('query look');
    expect(snap.tlb.stale).toEqual([]);
    const flags = new Int32Array(snap.shared.tlb.flags);
    expect([...flags].filter((f) => f & L.TE_VALID).length).toBeGreaterThan(0);
    // Small: a few kilobytes besides the shared buffers, and it survives a structured clone.
    expect(clonedBytes(snap)).toBeLessThan(16_000);
    const clone = structuredClone(snap);
    expect(clone.handles).toEqual(snap.handles);
    expect(new Uint32Array(clone.shared.meta)[0]).toBe(m.mem.meta[0]);
  });

  it('carries the last step: its effects, its PTEs and its walk', () => {
    const s = run(['machine mem=16M', 'vmspace as vs', 'activate vs', 'mmap vs 0x400000+8K']);
    let snap = buildSnapshot(s);
    expect(snap.last?.ptes).toEqual([{ space: 'vs', runs: Float64Array.from([0x400, 0x402]) }]);
    expect(snap.last?.frames.length).toBeGreaterThan(0);
    s.exec('read 0x401000 4');
    snap = buildSnapshot(s);
    expect(snap.last?.walk).toMatchObject({ space: 'vs', vpn: 0x401, ok: true, level: 1 });
    expect(snap.last?.walk?.nodes[0]).toBe(snap.spaces.find((x) => x.id === 'vs')!.root);
    s.exec('read 0x900000 4');
    snap = buildSnapshot(s);
    expect(snap.last?.ok).toBe(false);
    expect(snap.last?.fault).toEqual({ space: 'vs', vpn: 0x900 });
    expect(snap.last?.walk?.ok).toBe(false);
    // A result passed by the shell wins over the session's own.
    const r = s.exec('alloc as f');
    snap = buildSnapshot(s, { last: null });
    expect(snap.last).toBeNull();
    snap = buildSnapshot(s, { last: r });
    expect(snap.last?.source).toBe('alloc as f');
  });

  it('marks stale TLB entries and reports violations with their blame', () => {
    const s = run([
      'machine mem=16M',
      'vmspace as vs',
      'activate vs',
      'alloc as f',
      'map vs 0x400000 f',
      'read 0x400000 1',
      'cursor_mut vs 0x400000+4K as c',
      'unsafe take_next c 4K as g',
      'drop g',
    ]);
    const snap = buildSnapshot(s);
    expect(snap.tlb.stale).toHaveLength(1);
    expect(snap.tlb.stale[0]).toMatchObject({ cpu: 0, dangling: true });
    const ids = snap.violations.map((v) => v.id);
    expect(ids).toContain('tlb.no_dangling');
    expect(snap.invariants.find((i) => i.id === 'tlb.no_dangling')!.status).toBe('fail');
    const v = snap.violations.find((x) => x.id === 'tlb.no_dangling')!;
    expect(v.frames).toEqual([s.machine.resolvePaddr({ name: 'f' })]);
  });

  it('lists DMA objects, forgotten references and the obligation multiset', () => {
    const s = run([
      'machine mem=16M iommu=on',
      'alloc 2 as s',
      'dma stream s dir=from_device coherent=no as d',
      'alloc as f',
      'into_raw f',
    ]);
    const snap = buildSnapshot(s);
    expect(snap.dma.iommu).toBe(true);
    expect(snap.dma.objects).toHaveLength(1);
    expect(snap.dma.objects[0]).toMatchObject({
      name: 'd',
      stream: true,
      dir: 'from_device',
      coherent: false,
      pages: 2,
      sync: 'in sync',
    });
    expect(snap.dma.objects[0]!.daddr).toBe(0x1_0000_0000);
    expect(snap.spaces.map((x) => x.id)).toEqual(['kernel', 'iommu']);
    expect(snap.spaces[1]!.mapped).toBe(2);
    expect(snap.forgotten).toHaveLength(1);
    expect(snap.forgotten[0]!.count).toBe(1);
    expect(snap.counts.dmaHeld).toBe(2);
    expect(snap.classCounts[L.FC_DMA]).toBe(2);
  });

  it('stays small with 10^4 mapped pages', () => {
    const s = run([
      'machine mem=256M',
      'vmspace as vs',
      'mmap vs 0x400000+40M',
      'mmap vs 0x10000000+4M prop=r',
    ]);
    const snap = buildSnapshot(s);
    const vs = snap.spaces.find((x) => x.id === 'vs')!;
    expect(vs.mapped).toBe(10240 + 1024);
    // Runs break where a new level-1 node was allocated between two data frames.
    expect(vs.runCount).toBeLessThan(30);
    // Nodes: root, 1 L3, 1 L2 (0x400000.. and 0x10000000.. share it), 22 L1, plus 2 borrowed groups and the linear map's nodes.
    expect(vs.tree.count).toBeLessThan(40);
    expect(clonedBytes(snap)).toBeLessThan(30_000);
  });
});

describe('toRuns', () => {
  it('packs sorted, deduplicated numbers into runs', () => {
    expect([...toRuns([5, 1, 2, 3, 3, 9, 10])]).toEqual([1, 4, 5, 6, 9, 11]);
    expect([...toRuns([])]).toEqual([]);
  });
});

describe('buildFrameDetail', () => {
  it('lists everything that reaches a frame', () => {
    const s = run([
      'machine mem=16M',
      'vmspace as vs',
      'activate vs',
      'alloc as f',
      'clone f as g',
      'map vs 0x400000 g prop=r',
      'read 0x400000 1',
    ]);
    const pfn = s.machine.resolvePaddr({ name: 'f' });
    const d = buildFrameDetail(s, pfn)!;
    expect(d.slot.usage).toBe('Frame');
    expect(d.slot.rc).toBe(2);
    expect(d.slot.paths).toBe(1);
    expect(d.slot.obligations).toBe(1);
    expect(d.holders.map((h) => h.name)).toEqual(['f']);
    expect(d.ptes).toEqual([{ space: 'vs', vpn: 0x400, level: 1, flags: 'r-- wb A' }]);
    expect(d.tlb).toHaveLength(1);
    expect(d.tlb[0]).toMatchObject({ cpu: 0, vpn: 0x400, stale: false });
    expect(d.linear).toBe('0xffff8000' + (pfn * 4096).toString(16).padStart(8, '0'));
    expect(d.region).toBe('the allocatable area');
    // A page-table node is found as one.
    const root = s.machine.ghost.handles.get('vs') as { root: number };
    const n = buildFrameDetail(s, root.root)!;
    expect(n.slot.usage).toBe('PageTable');
    expect(n.nodeOf[0]).toMatchObject({ level: 4 });
    expect(buildFrameDetail(s, -1)).toBeNull();
    expect(buildFrameDetail(s, 1e9)).toBeNull();
    // buildSnapshot can include it.
    expect(buildSnapshot(s, { inspect: pfn }).frame?.pfn).toBe(pfn);
  });
});
