import { paddrText } from '../core';
import { RC_UNIQUE, W_PATHS } from '../frame/meta';
import { blameAt } from './blame';
import { countOf, handleNamesAt, type CheckContext, type Violation } from './context';

/** MSO-2 and the embedding's unique entries: a UNIQUE slot is unmapped and has exactly one owner. */
export const metaUniqueUnmapped = {
  id: 'meta.unique_unmapped',
  severity: 'error' as const,
  mirrors: 'MetaSlotOwner::inv, unique case (MSO-2); embedding unique entries',
  check(ctx: CheckContext): Violation[] {
    const out: Violation[] = [];
    for (let k = 0; k < ctx.interesting.length; k++) {
      if (ctx.rcs[k] !== RC_UNIQUE) continue;
      const p = ctx.interesting[k]!;
      const h = ctx.holders;
      const mapped = Math.max(ctx.mem.slotWord(p, W_PATHS), h.mappings.count(p));
      const uniqueOwners = countOf(h.uniques, p) + (h.forgotten.get(p)?.uniques ?? 0);
      const sharedOwners =
        countOf(h.frames, p) + countOf(h.covers, p) + (h.forgotten.get(p)?.frames ?? 0);
      const what: string[] = [];
      if (mapped > 0)
        what.push(`is mapped by ${mapped} page-table entr${mapped === 1 ? 'y' : 'ies'}`);
      if (uniqueOwners !== 1 || sharedOwners > 0)
        what.push(
          `has ${uniqueOwners + sharedOwners} owners (${ownerNames(ctx, p).join(', ') || 'none'})`,
        );
      if (what.length)
        out.push({
          id: this.id,
          severity: this.severity,
          message: `frame ${paddrText(p)} is UNIQUE but ${what.join(' and ')}; a unique frame is unmapped and has exactly one owner`,
          frames: [p],
          handles: blameAt(ctx, p),
        });
    }
    return out;
  },
};

/** Who owns page `p` apart from page tables: handles, then forgotten references. */
function ownerNames(ctx: CheckContext, p: number): string[] {
  const out = handleNamesAt(ctx, p);
  for (const b of ctx.holders.forgotten.get(p)?.by ?? []) out.push(`forgotten (${b})`);
  return out;
}
