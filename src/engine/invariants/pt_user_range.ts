import type { CheckContext, Violation } from './context';

/** UserPtConfig TOP_LEVEL_INDEX_RANGE: a user space maps only below MAX_USERSPACE_VADDR. */
export const ptUserRange = {
  id: 'pt.user_range',
  severity: 'error' as const,
  mirrors: 'UserPtConfig TOP_LEVEL_INDEX_RANGE',
  check(ctx: CheckContext): Violation[] {
    return ctx.leaves
      .filter((l) => l.vpn + 512 ** (l.level - 1) > ctx.consts.maxUserspaceVpn)
      .map((l) => ({
        id: this.id,
        severity: this.severity,
        message: `${l.space} maps 0x${(l.vpn * 4096).toString(16)}, outside user space (MAX_USERSPACE_VADDR = 0x7fff_ffff_f000)`,
        frames: [l.pfn],
        handles: [l.space],
      }));
  },
};
