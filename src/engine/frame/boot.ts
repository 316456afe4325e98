// Boot: lay out physical memory the same way every time for a given size.
//   [0, 1 MiB)            Reserved (real-mode/BIOS area, as x86 firmware reserves it); rc UNUSED
//   [1 MiB, +M)           Meta: the frames holding the metadata region itself, M = nframes·64/4096;
//                         rc 1, held by the boot's forgotten reference (OSTD forgets them too)
//   then the kernel page table, built as OSTD's KernelPtConfig does: the root, one level-3 node for
//   each top-level kernel index 256..511 (preallocated so every VmSpace can share them), and the
//   level-2 nodes of the linear mapping (2 MiB leaves, the largest HIGHEST_TRANSLATION_LEVEL allows)
//   with iommu=on, the root of the IOMMU page table
//   everything after that is free; `alloc` on a fresh machine returns `firstFree`.
import {
  PF_R,
  PF_W,
  PRIV_GLOBAL,
  CachePolicy,
  encodeLeaf,
  encodeTable,
  type PagingConsts,
} from '../arch';
import type { BootLayout } from '../core';
import type { PhysMem } from '../mem';
import { initNodeSlot } from '../page_table/node';
import {
  RC_UNUSED,
  Storage,
  Usage,
  Vtable,
  W_PT_NR_CHILDREN,
  W_STORAGE,
  W_USAGE,
  W_VTABLE,
  writeRc,
} from './meta';

export const RESERVED_BYTES = 1024 * 1024;

export function metaFrameCount(c: PagingConsts, nframes: number): number {
  return Math.ceil((nframes * c.metaSlotSize) / c.pageSize);
}

export function boot(c: PagingConsts, mem: PhysMem, iommu = false): BootLayout {
  const nframes = mem.nframes;
  for (let i = 0; i < nframes; i++) writeRc(mem, i, RC_UNUSED);
  const reservedEnd = RESERVED_BYTES / c.pageSize;
  for (let i = 0; i < reservedEnd; i++) mem.setSlotWord(i, W_USAGE, Usage.Reserved);
  const metaEnd = reservedEnd + metaFrameCount(c, nframes);
  for (let i = reservedEnd; i < metaEnd; i++) {
    writeRc(mem, i, 1);
    mem.setSlotWord(i, W_USAGE, Usage.Meta);
    mem.setSlotWord(i, W_STORAGE, Storage.Untyped);
    mem.setSlotWord(i, W_VTABLE, Vtable.MetaPage);
  }
  let next = metaEnd;
  const node = (level: number): number => {
    const pfn = next++;
    initNodeSlot(mem, pfn, level);
    return pfn;
  };
  const setEntry = (parent: number, idx: number, lo: number, hi: number): void => {
    mem.writeWord(parent, idx * 8, lo);
    mem.writeWord(parent, idx * 8 + 4, hi);
    mem.setSlotWord(parent, W_PT_NR_CHILDREN, mem.slotWord(parent, W_PT_NR_CHILDREN) + 1);
  };
  const root = node(c.nrLevels);
  const l3 = new Map<number, number>();
  for (let i = c.kernelTopRange[0]; i < c.kernelTopRange[1]; i++) {
    const n = node(c.nrLevels - 1);
    l3.set(i, n);
    const [lo, hi] = encodeTable(n * c.pageSize);
    setEntry(root, i, lo, hi);
  }
  // The linear mapping: physical 0.. at LINEAR_MAPPING_BASE (top index 256, level-3 index 0..).
  const bytesPerL2 = c.pageSize * c.nrEntries ** 2;
  const bytesPerLeaf = c.pageSize * c.nrEntries;
  const memBytes = nframes * c.pageSize;
  const l3node = l3.get(c.kernelTopRange[0])!;
  const prop = { flags: PF_R | PF_W, cache: CachePolicy.Writeback, priv: PRIV_GLOBAL };
  for (let g = 0; g * bytesPerL2 < memBytes; g++) {
    const l2 = node(c.nrLevels - 2);
    const [lo, hi] = encodeTable(l2 * c.pageSize);
    setEntry(l3node, g, lo, hi);
    for (let k = 0; k < c.nrEntries; k++) {
      const pa = g * bytesPerL2 + k * bytesPerLeaf;
      if (pa >= memBytes) break;
      const [llo, lhi] = encodeLeaf(pa, prop);
      setEntry(l2, k, llo, lhi);
    }
  }
  // With DMA remapping on, the IOMMU's page table root comes right after the kernel's.
  const iommuRoot = iommu ? node(c.nrLevels) : -1;
  return {
    iommuRoot,
    nframes,
    reserved: [0, reservedEnd],
    meta: [reservedEnd, metaEnd],
    kernelPt: [metaEnd, next],
    kernelRoot: root,
    firstFree: next,
  };
}
