import { paddrText } from '../core';
import { W_PATHS } from '../frame/meta';
import { mappingNames, type CheckContext, type Violation } from './context';

/** Segment relate_regions: pages a segment covers are referenced by no page table. */
export const segUnmapped = {
  id: 'seg.unmapped',
  severity: 'error' as const,
  mirrors: 'Segment::relate_regions (paths_in_pt empty)',
  check(ctx: CheckContext): Violation[] {
    const out: Violation[] = [];
    const h = ctx.holders;
    for (const [p, segs] of h.covers) {
      const mapped = Math.max(ctx.mem.slotWord(p, W_PATHS), h.mappings.count(p));
      if (mapped > 0)
        out.push({
          id: this.id,
          severity: this.severity,
          message: `frame ${paddrText(p)} is covered by segment ${segs.join(', ')} but mapped by ${mapped} page-table entr${mapped === 1 ? 'y' : 'ies'}${h.mappings.has(p) ? ` (${mappingNames(ctx, p).join(', ')})` : ''}`,
          frames: [p],
          handles: [...segs],
        });
    }
    return out;
  },
};
