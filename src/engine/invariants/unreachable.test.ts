// Some invariants no command can break, not even under `unsafe` (the engine keeps them by
// construction): their checkers would otherwise never be seen to fail. Here each is broken by
// hand, outside any command, and the whole checker must name it.
import { describe, expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- tests drive the engine through the language
import { Session } from '../../lang';
import { RC_BAND, Usage, W_OBLIG, W_USAGE, writeRc } from '../frame/meta';
import type { Machine } from '../machine';

function machineAfter(lines: string[]): Machine {
  const s = new Session();
  for (const l of lines) {
    const r = s.exec(l);
    if (!r.ok) throw new Error(`\`${l}\`: ${r.text}`);
  }
  expect(s.machine.check()).toEqual([]);
  return s.machine;
}

const ids = (m: Machine): string[] => m.check().map((v) => v.id);

describe('invariants the language cannot break still catch a broken state', () => {
  it('cursor.locks_disjoint: two live cursors locking one subtree', () => {
    const m = machineAfter(['machine mem=16M', 'vmspace as vs', 'cursor vs 0x0+4K as c']);
    const c = m.ghost.handles.get('c')!;
    m.ghost.handles.set('c2', { ...c, name: 'c2' });
    expect(ids(m)).toContain('cursor.locks_disjoint');
  });

  it('dma.no_double_map: one page in two DMA mappings', () => {
    const m = machineAfter(['machine mem=16M', 'alloc as f', 'dma coherent f as d']);
    const d = m.ghost.handles.get('d')!;
    m.ghost.handles.set('d2', { ...d, name: 'd2' });
    expect(ids(m)).toContain('dma.no_double_map');
  });

  it('acc.obligations: a slot minting more obligations than live handles', () => {
    const m = machineAfter(['machine mem=16M', 'alloc as f']);
    const pfn = m.resolvePaddr({ name: 'f' });
    m.mem.setSlotWord(pfn, W_OBLIG, 2);
    expect(ids(m)).toContain('acc.obligations');
  });

  it('meta.slot_addr: a metadata frame that is no longer a Meta frame', () => {
    const m = machineAfter(['machine mem=16M']);
    m.mem.setSlotWord(m.layout.meta[0], W_USAGE, Usage.Frame);
    expect(ids(m)).toContain('meta.slot_addr');
  });

  it('meta.refcount_band: a refcount between REF_COUNT_MAX and UNIQUE', () => {
    const m = machineAfter(['machine mem=16M', 'alloc as f']);
    writeRc(m.mem, m.resolvePaddr({ name: 'f' }), RC_BAND);
    expect(ids(m)).toContain('meta.refcount_band');
  });
});
