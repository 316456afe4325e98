import type { CheckContext, Violation } from './context';

/** CursorOwner inv: the cursor's va lies in its locked range (or at its end). */
export const cursorInRange = {
  id: 'cursor.in_range',
  severity: 'error' as const,
  mirrors: 'CursorOwner::inv (in_locked_range ∨ above_locked_range)',
  check(ctx: CheckContext): Violation[] {
    const out: Violation[] = [];
    for (const c of ctx.ghost.handles.values()) {
      if (c.kind !== 'cursor') continue;
      if (ctx.ghost.handles.get(c.vs)?.kind !== 'vmspace')
        out.push({
          id: this.id,
          severity: this.severity,
          message: `cursor ${c.name} refers to ${c.vs}, which is no longer a live VmSpace`,
          frames: [],
          handles: [c.name],
        });
      else if (c.va < c.lockStart || c.va > c.lockEnd)
        out.push({
          id: this.id,
          severity: this.severity,
          message: `cursor ${c.name} is at 0x${(c.va * 4096).toString(16)}, outside its locked range`,
          frames: [],
          handles: [c.name],
        });
    }
    return out;
  },
};
