import { paddrText } from '../core';
import { RC_UNUSED, W_IN_LIST, W_PATHS, W_STORAGE, W_VTABLE } from '../frame/meta';
import { spacesMapping } from './blame';
import { countOf, mappingNames, type CheckContext, type Violation } from './context';

/** MSO-1: an UNUSED slot has no metadata, is in no list, and no page table references it. */
export const metaUnusedEmpty = {
  id: 'meta.unused_empty',
  severity: 'error' as const,
  mirrors: 'MetaSlotOwner::inv, unused case (MSO-1)',
  check(ctx: CheckContext): Violation[] {
    const out: Violation[] = [];
    for (let k = 0; k < ctx.interesting.length; k++) {
      if (ctx.rcs[k] !== RC_UNUSED) continue;
      const p = ctx.interesting[k]!;
      const what: string[] = [];
      if (ctx.mem.slotWord(p, W_STORAGE) !== 0 || ctx.mem.slotWord(p, W_VTABLE) !== 0)
        what.push('still holds metadata');
      if (ctx.mem.slotWord(p, W_IN_LIST) !== 0) what.push('is still in a list');
      const mapped = Math.max(
        ctx.mem.slotWord(p, W_PATHS),
        ctx.holders.mappings.count(p) + countOf(ctx.holders.nodes, p),
      );
      if (mapped > 0)
        what.push(
          `is still referenced by ${mapped} page-table entr${mapped === 1 ? 'y' : 'ies'}${ctx.holders.mappings.has(p) ? ` (${mappingNames(ctx, p).join(', ')})` : ''}`,
        );
      if (what.length)
        out.push({
          id: this.id,
          severity: this.severity,
          message: `frame ${paddrText(p)} is UNUSED (free) but ${what.join(' and ')}`,
          frames: [p],
          handles: spacesMapping(ctx, p),
        });
    }
    return out;
  },
};
