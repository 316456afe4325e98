import { paddrText } from '../core';
import { W_PATHS } from '../frame/meta';
import { entryPages } from '../page_table/node';
import { mappingNames, whereOf, type CheckContext, type Violation } from './context';

/** Segment relate_regions: pages a segment covers are referenced by no page table. */
export const segUnmapped = {
  id: 'seg.unmapped',
  severity: 'error' as const,
  mirrors: 'Segment::relate_regions (paths_in_pt empty)',
  check(ctx: CheckContext): Violation[] {
    const out: Violation[] = [];
    const h = ctx.holders;
    if (h.covers.size === 0) return out;
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
    // A huge user leaf (only raw bytes make one) references every page it covers, not only the
    // one its PTE names (above): one violation per leaf for the covered pages after its first.
    const t = ctx.leaves;
    for (let k = 0; k < t.length; k++) {
      if (t.level[k]! === 1) continue;
      const l = t.at(k);
      const end = l.pfn + entryPages(l.level);
      const frames: number[] = [];
      const segs = new Set<string>();
      for (let q = l.pfn + 1; q < end; q++) {
        const s = h.covers.get(q);
        if (!s) continue;
        frames.push(q);
        for (const n of s) segs.add(n);
      }
      if (frames.length)
        out.push({
          id: this.id,
          severity: this.severity,
          message: `${frames.length} frame${frames.length === 1 ? '' : 's'} from ${paddrText(frames[0]!)} covered by segment ${[...segs].join(', ')} ${frames.length === 1 ? 'is' : 'are'} mapped by the huge leaf at ${whereOf(l)} (${paddrText(l.pfn)}..${paddrText(end)})`,
          frames,
          handles: [...segs],
        });
    }
    return out;
  },
};
