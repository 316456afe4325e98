import { overlapsInclusive } from '../io';
import type { IoHandle } from '../state';
import type { CheckContext, Violation } from './context';

/** User owners of each space with a non-empty range (what VmSpaceOwner's readers/writers hold). */
function owners(ctx: CheckContext): Map<string, IoHandle[]> {
  const by = new Map<string, IoHandle[]>();
  for (const h of ctx.ghost.handles.values())
    if ((h.kind === 'reader' || h.kind === 'writer') && h.vs && h.end > h.cursor) {
      const a = by.get(h.vs);
      if (a) a.push(h);
      else by.set(h.vs, [h]);
    }
  return by;
}

function hx(n: number): string {
  return '0x' + n.toString(16);
}

function pairs(
  ctx: CheckContext,
  id: string,
  a: 'reader' | 'writer',
  b: 'reader' | 'writer',
  what: string,
): Violation[] {
  const out: Violation[] = [];
  for (const [vs, list] of owners(ctx)) {
    const as = list.filter((h) => h.kind === a);
    const bs = list.filter((h) => h.kind === b);
    for (let i = 0; i < as.length; i++)
      for (let j = a === b ? i + 1 : 0; j < bs.length; j++) {
        const x = as[i]!;
        const y = bs[j]!;
        if (overlapsInclusive([x.cursor, x.end], [y.cursor, y.end]))
          out.push({
            id,
            severity: 'error',
            message: `${what} ${x.name} (${hx(x.cursor)}..${hx(x.end)}) and ${y.name} (${hx(y.cursor)}..${hx(y.end)}) of ${vs} overlap or touch`,
            frames: [],
            handles: [x.name, y.name],
          });
      }
  }
  return out;
}

/** VSO-5: no reader range overlaps a writer range of the same space (touching counts). */
export const vsoRwDisjoint = {
  id: 'vso.rw_disjoint',
  severity: 'error' as const,
  mirrors: 'VmSpaceOwner::inv VSO-5 (reader/writer disjointness)',
  check: (ctx: CheckContext): Violation[] =>
    pairs(ctx, 'vso.rw_disjoint', 'reader', 'writer', 'reader and writer'),
};

/** VSO-7: writer ranges are pairwise disjoint. */
export const vsoWwDisjoint = {
  id: 'vso.ww_disjoint',
  severity: 'error' as const,
  mirrors: 'VmSpaceOwner::inv VSO-7 (writer/writer)',
  check: (ctx: CheckContext): Violation[] =>
    pairs(ctx, 'vso.ww_disjoint', 'writer', 'writer', 'writers'),
};

/** VSO-6 as the code says: readers are pairwise disjoint unless the space allows shared readers (PageLab's never do). */
export const vsoRrDisjoint = {
  id: 'vso.rr_disjoint',
  severity: 'error' as const,
  mirrors: 'VmSpaceOwner::inv VSO-6 (readers unless shared_reader)',
  check: (ctx: CheckContext): Violation[] =>
    pairs(ctx, 'vso.rr_disjoint', 'reader', 'reader', 'readers'),
};
