import { paddrText } from '../core';
import { RC_UNUSED, readRc } from '../frame/meta';
import { blameAt } from './blame';
import { holderNames, type CheckContext, type Violation } from './context';

/** Embedding accounting (ACC-1): nothing refers to an UNUSED slot (use after free, double free). */
export const accNoDangling = {
  id: 'acc.no_dangling',
  severity: 'error' as const,
  mirrors: 'embedding accounting_inv (UNUSED ⇒ H = P = cover = 0)',
  check(ctx: CheckContext): Violation[] {
    const out: Violation[] = [];
    const h = ctx.holders;
    // Every referenced page is among the interesting ones, its refcount read already; pages only
    // borrowed (kernel readers/writers hold no reference) may not be. Each free one once.
    const reported = new Set<number>();
    const judge = (p: number): void => {
      if (reported.has(p)) return;
      reported.add(p);
      const who = [
        ...holderNames(ctx, p),
        ...(h.borrows.get(p) ?? []).map((n) => `${n} (borrowing it)`),
      ];
      out.push({
        id: this.id,
        severity: this.severity,
        message: `frame ${paddrText(p)} is free (UNUSED) but ${who.join(', ')} still refer${who.length === 1 ? 's' : ''} to it — a use after free`,
        frames: [p],
        handles: [...blameAt(ctx, p), ...(h.borrows.get(p) ?? [])],
      });
    };
    const maps = [h.frames, h.uniques, h.covers, h.mappings, h.others, h.forgotten, h.borrows];
    for (let k = 0; k < ctx.interesting.length; k++) {
      if (ctx.rcs[k] !== RC_UNUSED) continue;
      const p = ctx.interesting[k]!;
      if (maps.some((m) => m.has(p))) judge(p);
    }
    for (const p of h.borrows.keys()) if (readRc(ctx.mem, p) === RC_UNUSED) judge(p);
    return out;
  },
};
