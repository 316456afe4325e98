// What the Machine hands to the operation modules while it runs one step. Only the Machine
// creates a Core and only during `step`, so the Machine stays the one writer.
import type { PagingConsts } from './arch';
import type { LowestFitAllocator } from './frame/allocator';
import type { PhysMem } from './mem';
import type { Tlb } from './tlb';
import type { Mmu } from './mmu';
import { fail } from './errors';
import type { Ghost, Site } from './state';

export interface ResolvedConfig {
  arch: string;
  memBytes: number;
  cpus: number;
  tlbEntries: number;
  iommu: boolean;
  seed: number;
}

export const DEFAULT_CONFIG: ResolvedConfig = {
  arch: 'x86_64',
  memBytes: 64 * 1024 * 1024,
  cpus: 2,
  tlbEntries: 64,
  iommu: false,
  seed: 0,
};

/** The deterministic boot layout, as page numbers (half-open ranges). See docs/boot-layout.md. */
export interface BootLayout {
  nframes: number;
  reserved: [number, number];
  meta: [number, number];
  kernelPt: [number, number];
  kernelRoot: number;
  /** The IOMMU page table's root with `iommu=on` (allocated at boot), else -1. */
  iommuRoot: number;
  firstFree: number;
}

/** One observable change of a step, for the views to animate and the timeline to list. */
export interface Effect {
  kind: 'slot' | 'bind' | 'unbind' | 'forget' | 'revive' | 'pte' | 'data';
  text: string;
  pfn?: number;
  name?: string;
  /** For `pte` effects: the space and the pages [vpn, vpn + pages) whose entries changed. */
  space?: string;
  vpn?: number;
  pages?: number;
}

export interface Core {
  readonly consts: PagingConsts;
  readonly config: ResolvedConfig;
  readonly mem: PhysMem;
  readonly ghost: Ghost;
  readonly allocator: LowestFitAllocator;
  readonly layout: BootLayout;
  readonly unsafe: boolean;
  readonly site: Site;
  readonly effects: Effect[];
  readonly tlb: Tlb;
  readonly mmu: Mmu;
  /** Bytes the step returns (`read`), for `expect data`. */
  data?: Uint8Array;
  /** Page-table root per CPU (CR3), derived from ghost.active on first use; cleared when it changes. */
  roots?: number[];
}

/** CPU `n` of this machine; `NotConfigured` when the machine was not booted with it. */
export function configuredCpu(config: ResolvedConfig, n: bigint): number {
  if (n < 0n || n >= BigInt(config.cpus))
    fail(
      'NotConfigured',
      `cpu ${n} is not configured: this machine has CPUs 0..${config.cpus - 1} (machine cpus=${config.cpus})`,
    );
  return Number(n);
}

export function hex(n: number | bigint): string {
  return '0x' + n.toString(16);
}

/**
 * The end of a range `START..END` or `START+LEN`. No 64-bit address lies past 2^64, so a
 * `START+LEN` ending beyond it is `Overflow` (as `read VA LEN` is), before any other check.
 */
export function rangeEnd(start: bigint, range: { end?: bigint; len?: bigint }): bigint {
  if (range.end !== undefined) return range.end;
  const len = range.len ?? 0n;
  if (start + len > 2n ** 64n)
    fail('Overflow', `${hex(start)} + ${hex(len)} overflows the 64-bit address space`);
  return start + len;
}

export function paddrText(pfn: number): string {
  return hex(pfn * 4096);
}
