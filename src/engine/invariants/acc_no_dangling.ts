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
    // Every referenced page once; only free ones are remembered (the checker orders the result).
    const reported = new Set<number>();
    for (const m of [h.frames, h.uniques, h.covers, h.mappings, h.others, h.forgotten, h.borrows])
      for (const p of m.keys()) {
        if (readRc(ctx.mem, p) !== RC_UNUSED || reported.has(p)) continue;
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
      }
    return out;
  },
};
