import { PTEH_NO_EXECUTE, PTE_GLOBAL, PTE_USER, PTE_WRITABLE, ptePaddr } from '../arch';
import { paddrText } from '../core';
import { entryPages, pageSizeText, walk } from '../page_table/node';
import type { VmSpaceHandle } from '../state';
import { TE_EXEC, TE_GLOBAL, TE_USER, TE_WRITABLE } from '../tlb';
import type { CheckContext, Violation } from './context';

/** TlbModel consistent_with_pt: every TLB entry equals a current mapping of the space active there. */
export const tlbConsistent = {
  id: 'tlb.consistent',
  severity: 'error' as const,
  mirrors: 'TlbModel::consistent_with_pt (TLB mappings ⊆ PT mappings)',
  check(ctx: CheckContext): Violation[] {
    const out: Violation[] = [];
    for (let cpu = 0; cpu < ctx.tlb.cpus; cpu++) {
      const a = ctx.ghost.active[cpu];
      const root = a ? (ctx.ghost.handles.get(a) as VmSpaceHandle).root : ctx.layout.kernelRoot;
      for (const e of ctx.tlb.entriesOf(cpu)) {
        const w = walk(ctx.mem, root, e.vpn);
        const va = '0x' + (e.vpn * 4096).toString(16);
        let why = '';
        // The frame the page table gives this entry's page (a huge leaf's sub-page).
        const now = w.ok ? ptePaddr(w.lo, w.hi) / 4096 + (e.vpn % entryPages(w.level)) : -1;
        if (!w.ok) why = 'the page table no longer maps it';
        else if (now !== e.pfn) why = `the page table now maps it to ${paddrText(now)}`;
        else if (w.level !== e.level)
          why = `the page table now maps it with a ${pageSizeText(w.level)} leaf`;
        else if (
          !!(w.lo & PTE_WRITABLE) !== !!(e.flags & TE_WRITABLE) ||
          !!(w.lo & PTE_USER) !== !!(e.flags & TE_USER) ||
          !!(w.lo & PTE_GLOBAL) !== !!(e.flags & TE_GLOBAL) ||
          !(w.hi & PTEH_NO_EXECUTE) !== !!(e.flags & TE_EXEC)
        )
          why = `its permissions changed to ${ptPerms(w.lo, w.hi)} and no flush reached this CPU`;
        if (why)
          out.push({
            id: this.id,
            severity: this.severity,
            message: `cpu ${cpu}'s TLB maps ${va} → ${paddrText(e.pfn)} (${tlbPerms(e.flags)}) but ${why}: a stale entry`,
            frames: [e.pfn],
            handles: a ? [a] : [],
          });
      }
    }
    return out;
  },
};

/** Permissions as the TLB view prints them (rwx, with - for a missing one; a user page is always r). */
function tlbPerms(flags: number): string {
  return `r${flags & TE_WRITABLE ? 'w' : '-'}${flags & TE_EXEC ? 'x' : '-'}${flags & TE_USER ? '' : ' kernel'}${flags & TE_GLOBAL ? ' global' : ''}`;
}

function ptPerms(lo: number, hi: number): string {
  return `r${lo & PTE_WRITABLE ? 'w' : '-'}${hi & PTEH_NO_EXECUTE ? '-' : 'x'}${lo & PTE_USER ? '' : ' kernel'}${lo & PTE_GLOBAL ? ' global' : ''}`;
}
