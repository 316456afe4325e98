import type { CheckContext, Violation } from './context';

/** Cache-sync discipline: the CPU read non-coherent FromDevice data the device wrote after the last sync from the device. */
export const dmaStaleRead = {
  id: 'dma.stale_read',
  severity: 'warning' as const,
  mirrors: 'cache-sync discipline (beyond vostd)',
  check(ctx: CheckContext): Violation[] {
    const out: Violation[] = [];
    for (const h of ctx.ghost.handles.values())
      if (h.kind === 'dma' && h.staleRead)
        out.push({
          id: this.id,
          severity: this.severity,
          message: `the CPU read ${h.name} after the device wrote it but before \`sync ${h.name} from_device\`: it saw stale data`,
          frames: [h.start],
          handles: [h.name],
        });
    return out;
  },
};
