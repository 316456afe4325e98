import { paddrText } from '../core';
import { RC_UNUSED, USAGE_NAMES, Usage, W_GEN, W_USAGE, readRc } from '../frame/meta';
import { before } from '../tlb';
import { pageSizeText } from '../page_table/node';
import type { CheckContext, Violation } from './context';

/** Stale-TLB safety: no TLB entry reaches a frame that was freed or handed to another owner. */
export const tlbNoDangling = {
  id: 'tlb.no_dangling',
  severity: 'error' as const,
  mirrors: 'stale-TLB safety (frames kept alive by the flusher until the flush; tracked_pt_unmap)',
  check(ctx: CheckContext): Violation[] {
    const out: Violation[] = [];
    const nframes = ctx.layout.nframes;
    for (let cpu = 0; cpu < ctx.tlb.cpus; cpu++)
      for (const e of ctx.tlb.entriesOf(cpu)) {
        // A huge entry reaches every page it covers: the first that went bad is named.
        const pages = 512 ** (e.level - 1);
        for (let j = 0; j < pages; j++) {
          const p = e.pfn + j;
          if (j > 0 && p >= nframes) break;
          const freed = readRc(ctx.mem, p) === RC_UNUSED;
          const u = ctx.mem.slotWord(p, W_USAGE);
          const reused = !freed && before(e.gen, ctx.mem.slotWord(p, W_GEN)); // claimed after the fill
          if (!freed && u === Usage.Frame && !reused) continue;
          const va = '0x' + ((e.vpn + j) * 4096).toString(16);
          out.push({
            id: this.id,
            severity: this.severity,
            message: `cpu ${cpu}'s TLB still maps ${va} → ${paddrText(p)}${pages > 1 ? ` (in its ${pageSizeText(e.level)} entry for 0x${(e.vpn * 4096).toString(16)})` : ''}, which is ${freed ? 'free (UNUSED)' : u !== Usage.Frame ? `now a ${USAGE_NAMES[u]} frame` : 'now allocated to another owner'}: a use after free through a stale TLB entry`,
            frames: [p],
            handles: [],
          });
          break;
        }
      }
    return out;
  },
};
