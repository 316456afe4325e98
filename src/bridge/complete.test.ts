import { describe, expect, it } from 'vitest';
import { complete } from './complete';

const live = ['f1', 'f2', 'vs', 'c1'];
const items = (prefix: string) => complete(prefix, live).items;

describe('complete', () => {
  it('completes command words at the start of a line', () => {
    expect(items('al')).toEqual(['alloc']);
    expect(items('d')).toEqual(['deactivate', 'device', 'dma', 'drop']);
    expect(complete('  ma', live)).toEqual({ start: 2, items: ['machine', 'map'] });
    expect(items('unsafe ta')).toEqual(['take_next']);
    expect(items('unsafe u')).toEqual(['unique', 'unmap']);
  });

  it('completes keywords, options and their values', () => {
    expect(items('show f')).toEqual(['f1', 'f2', 'frame', 'frames']);
    expect(items('alloc 4 z')).toEqual(['zeroed']);
    expect(items('machine me')).toEqual(['mem=']);
    expect(complete('map vs 0x400000 f1 prop=r', live)).toEqual({
      start: 24,
      items: ['r', 'rw', 'rwx', 'rx'],
    });
    expect(items('dma stream s1 dir=')).toEqual(['both', 'from_device', 'to_device']);
  });

  it('completes live handle names where a handle may stand, not after `as`', () => {
    expect(items('drop ')).toEqual(['c1', 'f1', 'f2', 'vs']);
    expect(items('clone f')).toEqual(['f1', 'f2']);
    expect(items('alloc as f')).toEqual([]);
    expect(items('alloc ')).toEqual(['as', 'unique', 'zeroed']);
    expect(items('machine ')).toEqual(['arch=', 'cpus=', 'iommu=', 'mem=', 'seed=', 'tlb=']);
  });

  it('knows what follows expect', () => {
    expect(items('expect c')).toEqual(['clean']);
    expect(items('expect error Pa')).toEqual(['PageFault', 'Panic']);
    expect(items('expect violation tlb.')).toEqual(['tlb.consistent', 'tlb.no_dangling']);
    expect(items('expect no ')).toEqual(['violation']);
    expect(items('expect no violation acc.no_')).toEqual(['acc.no_dangling', 'acc.no_orphan']);
    expect(items('expect refcount f1 u')).toEqual(['unique', 'unused']);
  });

  it('completes a command name after help', () => {
    expect(items('help cu')).toEqual(['cursor', 'cursor_mut']);
    expect(items('help cursor ')).toEqual([]);
  });
});
