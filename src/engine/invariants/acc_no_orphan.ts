import { paddrText } from '../core';
import { RC_UNIQUE, RC_UNUSED, Usage, rcText } from '../frame/meta';
import { isHeld, type CheckContext, type Violation } from './context';

/** Embedding accounting (ACC-2): no in-use data frame is held by nothing (not even a forgotten reference). */
export const accNoOrphan = {
  id: 'acc.no_orphan',
  severity: 'error' as const,
  mirrors: 'embedding accounting_inv (no orphaned in-use frames)',
  check(ctx: CheckContext): Violation[] {
    const out: Violation[] = [];
    for (let k = 0; k < ctx.interesting.length; k++) {
      if (ctx.usages[k] !== Usage.Frame) continue;
      const p = ctx.interesting[k]!;
      const rc = ctx.rcs[k]!;
      if (rc === RC_UNUSED || rc === RC_UNIQUE) continue;
      if (!isHeld(ctx, p))
        out.push({
          id: this.id,
          severity: this.severity,
          message: `frame ${paddrText(p)} is in use (refcount ${rcText(rc)}) but nothing holds it: no handle, mapping, segment or forgotten reference — it can never be freed`,
          frames: [p],
          handles: [],
        });
    }
    return out;
  },
};
