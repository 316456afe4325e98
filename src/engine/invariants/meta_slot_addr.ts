import { paddrText } from '../core';
import { RC_UNUSED, Usage, W_USAGE, readRc } from '../frame/meta';
import type { CheckContext, Violation } from './context';

/**
 * MetaRegionOwners inv (slot address clauses): slot i lives at FRAME_METADATA_BASE + 64·i, 64-aligned,
 * inside the metadata range — and, since the slots are memory too, the frame holding it is a live
 * Meta frame (a freed Meta frame would leave slots without backing storage).
 */
export const metaSlotAddr = {
  id: 'meta.slot_addr',
  severity: 'error' as const,
  mirrors: 'MetaRegionOwners::inv (MRO-4 c/e, MSO-6, MSO-7)',
  check(ctx: CheckContext): Violation[] {
    const out: Violation[] = [];
    const c = ctx.consts;
    const slotsPerFrame = c.pageSize / c.metaSlotSize;
    const capSlots = (c.frameMetadataCapVpn - c.frameMetadataBaseVpn) * slotsPerFrame;
    if (ctx.layout.nframes > capSlots || c.metaSlotSize % 64 !== 0 || c.metaSlotSize <= 0)
      out.push({
        id: this.id,
        severity: this.severity,
        message: 'the metadata region cannot hold a slot for every frame',
        frames: [],
        handles: [],
      });
    const [m0, m1] = ctx.layout.meta;
    let frames: Iterable<number>;
    if (ctx.scope) {
      const inScope: number[] = [];
      for (const p of ctx.scope) if (p >= m0 && p < m1) inScope.push(p);
      frames = inScope.length > 1 ? inScope.sort(byNumber) : inScope;
    } else frames = range(m0, m1);
    for (const mf of frames) {
      if (ctx.mem.slotWord(mf, W_USAGE) !== Usage.Meta || readRc(ctx.mem, mf) === RC_UNUSED) {
        const first = (mf - m0) * slotsPerFrame;
        out.push({
          id: this.id,
          severity: this.severity,
          message: `metadata slots ${first}..${Math.min(first + slotsPerFrame, ctx.layout.nframes)} live in frame ${paddrText(mf)}, which is no longer a live Meta frame`,
          frames: [mf],
          handles: [],
        });
      }
    }
    return out;
  },
};

function* range(a: number, b: number): Generator<number> {
  for (let i = a; i < b; i++) yield i;
}

function byNumber(a: number, b: number): number {
  return a - b;
}
