import { paddrText } from '../core';
import { USAGE_NAMES, Usage, W_USAGE } from '../frame/meta';
import { handleNamesAt, mappingNames, type CheckContext, type Violation } from './context';

/** Page-table nodes have usage PageTable, data frames usage Frame, and neither is used as the other. */
export const metaUsage = {
  id: 'meta.usage',
  severity: 'error' as const,
  mirrors: 'item_slot_in_regions, metaregion_sound',
  check(ctx: CheckContext): Violation[] {
    const out: Violation[] = [];
    const h = ctx.holders;
    // Every page held as data is among the interesting ones, once.
    for (let k = 0; k < ctx.interesting.length; k++) {
      const u = ctx.usages[k]!;
      if (u === Usage.Frame) continue;
      const p = ctx.interesting[k]!;
      if (
        !h.mappings.has(p) &&
        !h.frames.has(p) &&
        !h.uniques.has(p) &&
        !h.covers.has(p) &&
        !h.forgotten.has(p)
      )
        continue;
      out.push({
        id: this.id,
        severity: this.severity,
        message: `frame ${paddrText(p)} has usage ${USAGE_NAMES[u]} but is held as a data frame (${[...handleNamesAt(ctx, p), ...mappingNames(ctx, p)].join(', ') || 'a forgotten reference'})`,
        frames: [p],
        handles: handleNamesAt(ctx, p),
      });
    }
    for (const [p, where] of h.nodes) {
      const u = ctx.mem.slotWord(p, W_USAGE);
      if (u !== Usage.PageTable)
        out.push({
          id: this.id,
          severity: this.severity,
          message: `frame ${paddrText(p)} is used as a page-table node (${where.map((w) => w.path).join(', ')}) but has usage ${USAGE_NAMES[u]}`,
          frames: [p],
          handles: [],
        });
    }
    return out;
  },
};
