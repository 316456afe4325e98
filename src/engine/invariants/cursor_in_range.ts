import type { CursorHandle } from '../state';
import type { CheckContext, Violation } from './context';

/** CursorOwner inv: the cursor's va lies in its locked range (or at its end). */
export const cursorInRange = {
  id: 'cursor.in_range',
  severity: 'error' as const,
  mirrors: 'CursorOwner::inv (in_locked_range ∨ above_locked_range)',
  check(ctx: CheckContext): Violation[] {
    return [...ctx.ghost.handles.values()]
      .filter((h): h is CursorHandle => h.kind === 'cursor' && (h.va < h.lockStart || h.va > h.lockEnd))
      .map((c) => ({
        id: this.id,
        severity: this.severity,
        message: `cursor ${c.name} is at 0x${(c.va * 4096).toString(16)}, outside its locked range`,
        frames: [],
        handles: [c.name],
      }));
  },
};
