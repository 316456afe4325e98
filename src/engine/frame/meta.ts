// The metadata slot (ostd `frame/meta.rs` MetaSlot + vostd MetaSlotOwner), 16 u32 words a frame.
// Exec fields: ref_count (u64 as two words), storage tag, vtable (type tag), in_list; the PTNode
// storage fields. Ghost fields (vostd's owner): usage, paths_in_pt count, obligations count.
import type { PhysMem } from '../mem';

export const W_RC_LO = 0;
export const W_RC_HI = 1;
export const W_USAGE = 2;
export const W_STORAGE = 3;
export const W_VTABLE = 4;
export const W_IN_LIST = 5;
export const W_PT_NR_CHILDREN = 6;
export const W_PT_LEVEL = 7;
export const W_PT_STRAY = 8;
export const W_PT_LOCK = 9;
/** Ghost: |paths_in_pt|, the page-table positions that reference this slot. */
export const W_PATHS = 10;
/** Ghost: count of this slot in MetaRegionOwners.frame_obligations. */
export const W_OBLIG = 11;
/**
 * Ghost: the machine clock's next value when the slot was last claimed from UNUSED. A TLB entry
 * filled before that reaches the frame's previous owner (tlb.no_dangling): the fill never reads
 * the slot.
 */
export const W_GEN = 12;

/**
 * A slot leaves UNUSED for a new owner: stamp it with the clock's next value, which every later
 * TLB fill reaches or passes (a fill advances the clock), while every earlier fill stays below.
 */
export function claimSlot(mem: PhysMem, slot: number): void {
  mem.setSlotWord(slot, W_GEN, mem.now() + 1);
}

/** Refcount sentinels as the engine holds them (the slot stores OSTD's u64 values). */
export const RC_UNUSED = -1;
export const RC_UNIQUE = -2;
/** A value strictly between REF_COUNT_MAX and REF_COUNT_UNIQUE: never legal. */
export const RC_BAND = -3;

export enum Usage {
  Unused = 0,
  Reserved = 1,
  Frame = 2,
  PageTable = 3,
  Meta = 4,
  Kernel = 5,
  MMIO = 6,
}
export const USAGE_NAMES = ['Unused', 'Reserved', 'Frame', 'PageTable', 'Meta', 'Kernel', 'MMIO'];

/** MetaSlotStorage variants; 0 = uninitialised. */
export enum Storage {
  Uninit = 0,
  Empty = 1,
  Untyped = 2,
  FrameLink = 3,
  PTNode = 4,
}
export const STORAGE_NAMES = ['uninit', 'Empty', 'Untyped', 'FrameLink', 'PTNode'];

/** vtable_ptr stand-ins: which `AnyFrameMeta` type the slot holds; 0 = uninitialised. */
export enum Vtable {
  Uninit = 0,
  Untyped = 1,
  PageTablePage = 2,
  MetaPage = 3,
  Kernel = 4,
}

export function readRc(mem: PhysMem, slot: number): number {
  return decodeRc(mem.slotWord(slot, W_RC_LO), mem.slotWord(slot, W_RC_HI));
}

export function decodeRc(lo: number, hi: number): number {
  if (hi >= 0x8000_0000) {
    if (hi === 0xffff_ffff && lo === 0xffff_ffff) return RC_UNUSED;
    if (hi === 0xffff_ffff && lo === 0xffff_fffe) return RC_UNIQUE;
    return RC_BAND;
  }
  return hi * 2 ** 32 + lo;
}

export function writeRc(mem: PhysMem, slot: number, rc: number): void {
  if (rc === RC_UNUSED) {
    mem.setSlotWord(slot, W_RC_LO, 0xffff_ffff);
    mem.setSlotWord(slot, W_RC_HI, 0xffff_ffff);
  } else if (rc === RC_UNIQUE) {
    mem.setSlotWord(slot, W_RC_LO, 0xffff_fffe);
    mem.setSlotWord(slot, W_RC_HI, 0xffff_ffff);
  } else {
    mem.setSlotWord(slot, W_RC_LO, rc % 2 ** 32);
    mem.setSlotWord(slot, W_RC_HI, Math.floor(rc / 2 ** 32));
  }
}

export function rcText(rc: number): string {
  if (rc === RC_UNUSED) return 'UNUSED';
  if (rc === RC_UNIQUE) return 'UNIQUE';
  if (rc === RC_BAND) return 'OVERFLOW';
  return String(rc);
}

/** MetaSlotModel status (vostd) of a refcount. */
export function rcState(
  rc: number,
): 'UNUSED' | 'UNIQUE' | 'UNDER_CONSTRUCTION' | 'SHARED' | 'OVERFLOW' {
  if (rc === RC_UNUSED) return 'UNUSED';
  if (rc === RC_UNIQUE) return 'UNIQUE';
  if (rc === RC_BAND) return 'OVERFLOW';
  return rc === 0 ? 'UNDER_CONSTRUCTION' : 'SHARED';
}

/** A readable snapshot of one slot (inspectors, `show frame`). */
export interface SlotView {
  index: number;
  paddr: number;
  rc: number;
  usage: Usage;
  storage: Storage;
  vtable: Vtable;
  inList: number;
  paths: number;
  obligations: number;
  ptLevel: number;
  ptNrChildren: number;
}

export function readSlot(mem: PhysMem, i: number): SlotView {
  return {
    index: i,
    paddr: i * 4096,
    rc: readRc(mem, i),
    usage: mem.slotWord(i, W_USAGE),
    storage: mem.slotWord(i, W_STORAGE),
    vtable: mem.slotWord(i, W_VTABLE),
    inList: mem.slotWord(i, W_IN_LIST),
    paths: mem.slotWord(i, W_PATHS),
    obligations: mem.slotWord(i, W_OBLIG),
    ptLevel: mem.slotWord(i, W_PT_LEVEL),
    ptNrChildren: mem.slotWord(i, W_PT_NR_CHILDREN),
  };
}
