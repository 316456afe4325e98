import { pteHi, pteLo } from '../page_table/node';
import type { CheckContext, Violation } from './context';

/**
 * UserPtConfig TOP_LEVEL_INDEX_RANGE: a user space maps only below MAX_USERSPACE_VADDR. Its root's
 * top-level entries 256..511 are the kernel root's, borrowed (the walk skips them): one that is not
 * makes the user page table map kernel addresses of its own.
 */
export const ptUserRange = {
  id: 'pt.user_range',
  severity: 'error' as const,
  mirrors: 'UserPtConfig TOP_LEVEL_INDEX_RANGE',
  check(ctx: CheckContext): Violation[] {
    const out: Violation[] = [];
    const t = ctx.leaves;
    for (let k = 0; k < t.length; k++) {
      if (t.vpn[k]! + 512 ** (t.level[k]! - 1) <= ctx.consts.maxUserspaceVpn) continue;
      const space = t.space(k);
      out.push({
        id: this.id,
        severity: this.severity,
        message: `${space} maps 0x${(t.vpn[k]! * 4096).toString(16)}, outside user space (MAX_USERSPACE_VADDR = 0x7fff_ffff_f000)`,
        frames: [t.pfn[k]!],
        handles: [space],
      });
    }
    const kroot = ctx.layout.kernelRoot;
    const [k0, k1] = ctx.consts.kernelTopRange;
    for (const h of ctx.ghost.handles.values()) {
      // Blames both roots: incremental checks look again when either one's words change.
      if (h.kind !== 'vmspace') continue;
      if (ctx.scope && !ctx.scope.has(h.root) && !ctx.scope.has(kroot)) continue;
      for (let i = k0; i < k1; i++) {
        if (
          pteLo(ctx.mem, h.root, i) === pteLo(ctx.mem, kroot, i) &&
          pteHi(ctx.mem, h.root, i) === pteHi(ctx.mem, kroot, i)
        )
          continue;
        out.push({
          id: this.id,
          severity: this.severity,
          message: `${h.name}'s top-level entry ${i} is not the kernel's: a user page table maps kernel addresses 0x${(0xffff_0000_0000_0000n + BigInt(i) * 2n ** 39n).toString(16)}.. of its own (TOP_LEVEL_INDEX_RANGE is 0..256)`,
          frames: [h.root, kroot],
          handles: [h.name],
        });
      }
    }
    return out;
  },
};
