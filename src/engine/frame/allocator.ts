// The frame allocator. OSTD's is external_body (unverified); vostd models allocation as "pick any
// slot that is UNUSED and not Reserved/MMIO, then Frame::from_unused". PageLab picks the lowest
// address that fits, so runs are deterministic. It keeps no state of its own beyond a scan hint:
// the metadata slots are the truth, so rolling back a step needs no allocator undo.
import type { PhysMem } from '../mem';
import { RC_UNUSED, Usage, W_USAGE, readRc } from './meta';

export interface FrameAllocator {
  /** First page number of the lowest run of `n` free frames, or -1. Changes nothing. */
  find(n: number): number;
  /** A frame became free (lets the hint move back). */
  freed(pfn: number): void;
  /** State was restored underneath: forget the hint. */
  invalidate(): void;
}

export class LowestFitAllocator implements FrameAllocator {
  private hint = 0;
  constructor(private readonly mem: PhysMem) {}

  isFree(pfn: number): boolean {
    if (readRc(this.mem, pfn) !== RC_UNUSED) return false;
    const u = this.mem.slotWord(pfn, W_USAGE);
    return u !== Usage.Reserved && u !== Usage.MMIO && u !== Usage.Meta;
  }

  find(n: number): number {
    const total = this.mem.nframes;
    let start = this.hint;
    while (start < total && !this.isFree(start)) start++;
    this.hint = start;
    let run = 0;
    for (let p = start; p < total; p++) {
      if (this.isFree(p)) {
        if (++run === n) return p - n + 1;
      } else run = 0;
    }
    return -1;
  }

  freed(pfn: number): void {
    if (pfn < this.hint) this.hint = pfn;
  }

  invalidate(): void {
    this.hint = 0;
  }
}
