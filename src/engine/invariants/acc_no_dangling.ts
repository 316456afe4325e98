import { paddrText } from '../core';
import { RC_UNUSED, readRc } from '../frame/meta';
import { blameAt } from './blame';
import { holderNames, isHeld, type CheckContext, type Violation } from './context';

/** Embedding accounting (ACC-1): nothing refers to an UNUSED slot (use after free, double free). */
export const accNoDangling = {
  id: 'acc.no_dangling',
  severity: 'error' as const,
  mirrors: 'embedding accounting_inv (UNUSED ⇒ H = P = cover = 0)',
  check(ctx: CheckContext): Violation[] {
    const out: Violation[] = [];
    const h = ctx.holders;
    // A held page is among the interesting ones, its refcount read already; a page only borrowed
    // (kernel readers/writers hold no reference) may not be.
    for (let k = 0; k < ctx.interesting.length; k++) {
      const p = ctx.interesting[k]!;
      if (ctx.rcs[k] === RC_UNUSED && isHeld(ctx, p)) out.push(dangling(ctx, p));
    }
    for (const p of h.borrows.keys())
      if (readRc(ctx.mem, p) === RC_UNUSED && !isHeld(ctx, p)) out.push(dangling(ctx, p));
    return out;
  },
};

function dangling(ctx: CheckContext, p: number): Violation {
  const borrowers = ctx.holders.borrows.get(p) ?? [];
  const who = [...holderNames(ctx, p), ...borrowers.map((n) => `${n} (borrowing it)`)];
  return {
    id: accNoDangling.id,
    severity: accNoDangling.severity,
    message: `frame ${paddrText(p)} is free (UNUSED) but ${who.join(', ')} still refer${who.length === 1 ? 's' : ''} to it — a use after free`,
    frames: [p],
    handles: [...blameAt(ctx, p), ...borrowers],
  };
}
