import { describe, expect, it } from 'vitest';
import { SCENARIOS } from './gallery';

const byId = (id: string) => SCENARIOS.find((s) => s.id === id)!;

describe('gallery', () => {
  it('titles lessons and bug lessons from their first line, numbered', () => {
    expect(byId('lessons/01-address-translation').title).toBe(
      '1. Address translation: the 4-level page walk',
    );
    const bug = byId('lessons/13-bug-double-free-from-raw');
    expect(bug.title).toBe('13. Bug: A double free through from_raw');
    expect(bug.description).toBe('Bug lesson (ostd-model §7.1)');
  });
});
