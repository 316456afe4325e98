export interface PagingConsts {
  readonly name: string;
  readonly pageSize: number;
  readonly pageShift: number;
  readonly nrEntries: number;
  readonly nrLevels: number;
  readonly pteSize: number;
  readonly addressWidth: number;
  /** Largest level `map` may create a leaf at (2 = 2 MiB on x86-64). */
  readonly highestTranslationLevel: number;
  /** Physical memory bound of the verified model (vostd MAX_PADDR). */
  readonly maxPaddr: number;
  /** Bytes per frame-metadata slot. */
  readonly metaSlotSize: number;
  /** Page numbers (VA >> pageShift) of the address-space landmarks. */
  readonly maxUserspaceVpn: number;
  readonly kernelBaseVpn: number;
  readonly kernelEndVpn: number;
  readonly linearMappingBaseVpn: number;
  readonly vmallocBaseVpn: number;
  readonly frameMetadataBaseVpn: number;
  readonly frameMetadataCapVpn: number;
  /** Top-level index ranges (half-open) of the user and kernel halves. */
  readonly userTopRange: readonly [number, number];
  readonly kernelTopRange: readonly [number, number];
}

// (high 32 bits, low 32 bits) of a 64-bit VA → its page number, exactly.
const VPN = (hi32: number, lo32: number): number => (hi32 * 2 ** 32 + lo32) / 4096;

export const X86_64: PagingConsts = {
  name: 'x86_64',
  pageSize: 4096,
  pageShift: 12,
  nrEntries: 512,
  nrLevels: 4,
  pteSize: 8,
  addressWidth: 48,
  highestTranslationLevel: 2,
  maxPaddr: 0x8000_0000,
  metaSlotSize: 64,
  // 0x0000_7fff_ffff_f000: the top user page is excluded (a CPU-bug workaround in OSTD).
  maxUserspaceVpn: 2 ** 35 - 1,
  // The kernel half as page numbers: 0xffff_8000_0000_0000 >> 12 etc.
  kernelBaseVpn: VPN(0xffff_8000, 0),
  kernelEndVpn: VPN(0xffff_ffff, 0xffff_0000),
  linearMappingBaseVpn: VPN(0xffff_8000, 0),
  vmallocBaseVpn: VPN(0xffff_c000, 0),
  frameMetadataBaseVpn: VPN(0xffff_e000, 0),
  frameMetadataCapVpn: VPN(0xffff_e100, 0),
  userTopRange: [0, 256],
  kernelTopRange: [256, 512],
};

/** Bytes mapped by one entry at `level` (1 = 4 KiB leaf table). */
export function pageSizeOfLevel(c: PagingConsts, level: number): number {
  return c.pageSize * c.nrEntries ** (level - 1);
}

/** log2 of pageSizeOfLevel. */
export function pageShiftOfLevel(c: PagingConsts, level: number): number {
  return c.pageShift + Math.log2(c.nrEntries) * (level - 1);
}
