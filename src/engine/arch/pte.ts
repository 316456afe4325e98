// The x86-64 PTE as the hardware sees it, held as two u32 words (lo, hi) in simulated memory.
// vostd marks every leaf, at any level, with HUGE; a table entry carries PRESENT|WRITABLE|USER.

export const PTE_PRESENT = 1 << 0;
export const PTE_WRITABLE = 1 << 1;
export const PTE_USER = 1 << 2;
export const PTE_WRITE_THROUGH = 1 << 3;
export const PTE_NO_CACHE = 1 << 4;
export const PTE_ACCESSED = 1 << 5;
export const PTE_DIRTY = 1 << 6;
export const PTE_HUGE = 1 << 7;
export const PTE_GLOBAL = 1 << 8;
/** Bits of the high word. */
export const PTEH_AVAIL1 = 1 << (52 - 32);
export const PTEH_AVAIL2 = 1 << (53 - 32);
export const PTEH_NO_EXECUTE = (1 << (63 - 32)) >>> 0;
/** Physical-address bits 12..51: the low word's top 20 bits and the high word's low 20 bits. */
export const PTE_ADDR_LO = 0xffff_f000 >>> 0;
export const PTEH_ADDR = 0x000f_ffff;

/** PageFlags (ostd page_prop): R W X ACCESSED DIRTY AVAIL1 AVAIL2. */
export const PF_R = 0x01;
export const PF_W = 0x02;
export const PF_X = 0x04;
export const PF_ACCESSED = 0x08;
export const PF_DIRTY = 0x10;
export const PF_AVAIL1 = 0x40;
export const PF_AVAIL2 = 0x80;
/** PrivilegedPageFlags. */
export const PRIV_USER = 0x01;
export const PRIV_GLOBAL = 0x02;

export enum CachePolicy {
  Uncacheable = 0,
  WriteCombining = 1,
  WriteProtected = 2,
  Writethrough = 3,
  Writeback = 4,
}

export interface PageProperty {
  flags: number;
  cache: CachePolicy;
  priv: number;
}

/** Encodes a leaf PTE. The caller has checked `new_page_req` (R set, cache policy encodable). */
export function encodeLeaf(paddr: number, prop: PageProperty): [number, number] {
  let lo = PTE_HUGE | (paddr & PTE_ADDR_LO);
  let hi = Math.floor(paddr / 2 ** 32) & PTEH_ADDR;
  if (prop.flags & PF_R) lo |= PTE_PRESENT;
  if (prop.flags & PF_W) lo |= PTE_WRITABLE;
  if (!(prop.flags & PF_X)) hi |= PTEH_NO_EXECUTE;
  if (prop.flags & PF_ACCESSED) lo |= PTE_ACCESSED;
  if (prop.flags & PF_DIRTY) lo |= PTE_DIRTY;
  if (prop.flags & PF_AVAIL1) hi |= PTEH_AVAIL1;
  if (prop.flags & PF_AVAIL2) hi |= PTEH_AVAIL2;
  if (prop.priv & PRIV_USER) lo |= PTE_USER;
  if (prop.priv & PRIV_GLOBAL) lo |= PTE_GLOBAL;
  if (prop.cache === CachePolicy.Writethrough) lo |= PTE_WRITE_THROUGH;
  else if (prop.cache === CachePolicy.Uncacheable) lo |= PTE_NO_CACHE;
  return [lo >>> 0, hi >>> 0];
}

/** Encodes a table PTE pointing at the child node at `paddr`. */
export function encodeTable(paddr: number): [number, number] {
  const lo = PTE_PRESENT | PTE_WRITABLE | PTE_USER | (paddr & PTE_ADDR_LO);
  return [lo >>> 0, Math.floor(paddr / 2 ** 32) & PTEH_ADDR];
}

export function pteIsPresent(lo: number): boolean {
  return (lo & (PTE_PRESENT | PTE_HUGE)) !== 0;
}

export function pteIsLast(lo: number): boolean {
  return (lo & PTE_HUGE) !== 0;
}

export function ptePaddr(lo: number, hi: number): number {
  return (hi & PTEH_ADDR) * 2 ** 32 + ((lo & PTE_ADDR_LO) >>> 0);
}

export function decodeProp(lo: number, hi: number): PageProperty {
  let flags = 0;
  if (lo & PTE_PRESENT) flags |= PF_R;
  if (lo & PTE_WRITABLE) flags |= PF_W;
  if (!(hi & PTEH_NO_EXECUTE)) flags |= PF_X;
  if (lo & PTE_ACCESSED) flags |= PF_ACCESSED;
  if (lo & PTE_DIRTY) flags |= PF_DIRTY;
  if (hi & PTEH_AVAIL1) flags |= PF_AVAIL1;
  if (hi & PTEH_AVAIL2) flags |= PF_AVAIL2;
  let priv = 0;
  if (lo & PTE_USER) priv |= PRIV_USER;
  if (lo & PTE_GLOBAL) priv |= PRIV_GLOBAL;
  const cache =
    lo & PTE_NO_CACHE
      ? CachePolicy.Uncacheable
      : lo & PTE_WRITE_THROUGH
        ? CachePolicy.Writethrough
        : CachePolicy.Writeback;
  return { flags, cache, priv };
}

/** `rwx` letters of a flags byte, e.g. "rw-". */
export function flagsText(flags: number): string {
  return (flags & PF_R ? 'r' : '-') + (flags & PF_W ? 'w' : '-') + (flags & PF_X ? 'x' : '-');
}

export function cacheText(c: CachePolicy): string {
  return ['uc', 'wc', 'wp', 'wt', 'wb'][c]!;
}
