import type { CursorHandle } from '../state';
import type { CheckContext, Violation } from './context';

/** nodes_locked / children_not_locked: live cursors on one space lock disjoint subtrees. */
export const cursorLocksDisjoint = {
  id: 'cursor.locks_disjoint',
  severity: 'error' as const,
  mirrors: 'Cursor::invariants (nodes_locked, children_not_locked)',
  check(ctx: CheckContext): Violation[] {
    const cs = [...ctx.ghost.handles.values()].filter(
      (h): h is CursorHandle => h.kind === 'cursor',
    );
    const out: Violation[] = [];
    for (let i = 0; i < cs.length; i++)
      for (let j = i + 1; j < cs.length; j++) {
        const a = cs[i]!;
        const b = cs[j]!;
        if (a.vs === b.vs && a.lockStart < b.lockEnd && b.lockStart < a.lockEnd)
          out.push({
            id: this.id,
            severity: this.severity,
            message: `cursors ${a.name} and ${b.name} lock overlapping subtrees of ${a.vs}`,
            frames: [],
            handles: [a.name, b.name],
          });
      }
    return out;
  },
};
