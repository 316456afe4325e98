import { paddrText } from '../core';
import { RC_UNUSED, USAGE_NAMES, Usage, W_GEN, W_USAGE, readRc } from '../frame/meta';
import { before } from '../tlb';
import type { CheckContext, Violation } from './context';

/** Stale-TLB safety: no TLB entry reaches a frame that was freed or handed to another owner. */
export const tlbNoDangling = {
  id: 'tlb.no_dangling',
  severity: 'error' as const,
  mirrors: 'stale-TLB safety (frames kept alive by the flusher until the flush; tracked_pt_unmap)',
  check(ctx: CheckContext): Violation[] {
    const out: Violation[] = [];
    for (let cpu = 0; cpu < ctx.tlb.cpus; cpu++)
      for (const e of ctx.tlb.entriesOf(cpu)) {
        const freed = readRc(ctx.mem, e.pfn) === RC_UNUSED;
        const u = ctx.mem.slotWord(e.pfn, W_USAGE);
        const reused = !freed && before(e.gen, ctx.mem.slotWord(e.pfn, W_GEN)); // claimed after the fill
        if (freed || u !== Usage.Frame || reused)
          out.push({
            id: this.id,
            severity: this.severity,
            message: `cpu ${cpu}'s TLB still maps 0x${(e.vpn * 4096).toString(16)} → ${paddrText(e.pfn)}, which is ${freed ? 'free (UNUSED)' : u !== Usage.Frame ? `now a ${USAGE_NAMES[u]} frame` : 'now allocated to another owner'}: a use after free through a stale TLB entry`,
            frames: [e.pfn],
            handles: [],
          });
      }
    return out;
  },
};
