// For tests of the views (which may not import the engine or the language themselves): run a few
// command lines on a fresh session and build the snapshot the worker would publish.
import { Session } from '../lang';
import { buildFrameDetail, buildSnapshot, type FrameDetail, type Snapshot } from './snapshot';

export function snapshotOf(lines: readonly string[]): {
  snapshot: Snapshot;
  detail(pfn: number): FrameDetail | null;
  paddrOf(name: string): number;
} {
  const s = new Session();
  for (const l of lines) {
    const r = s.exec(l);
    if (!r.ok && r.kind === 'op' && !l.startsWith('unsafe') && r.code !== 'PageFault')
      throw new Error(`${l}: ${r.text}`);
  }
  return {
    snapshot: buildSnapshot(s),
    detail: (pfn) => buildFrameDetail(s, pfn),
    paddrOf: (name) => s.machine.resolvePaddr({ name }),
  };
}
