// PhysMem.slotsSince: one pass over the journal gives the slots a step wrote and, for the lowest
// k of them, their words as they were — checked against the plain definitions on random writes.
import { describe, expect, it } from 'vitest';
import { PhysMem } from './phys_mem';

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

describe('PhysMem.slotsSince', () => {
  it('agrees with the definitions: first-written order, the k lowest, their old words', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rnd = prng(seed);
      const mem = new PhysMem(256);
      mem.setJournaling(false);
      for (let i = 0; i < 200; i++) mem.setSlotWord((rnd() * 256) | 0, (rnd() * 16) | 0, i);
      mem.setJournaling(true);
      const was = mem.meta.slice();
      const mark = mem.mark();
      const order: number[] = [];
      const writes = 1 + ((rnd() * 300) | 0);
      for (let i = 0; i < writes; i++) {
        // Runs of writes to nearby slots, as commands make them, and strays anywhere.
        const s = rnd() < 0.7 ? (order.at(-1) ?? 0) + ((rnd() * 3) | 0) : (rnd() * 256) | 0;
        const slot = s % 256;
        mem.setSlotWord(slot, (rnd() * 16) | 0, 1000 + i);
        if (!order.includes(slot)) order.push(slot);
      }
      const k = 1 + ((rnd() * 12) | 0);
      const got = mem.slotsSince(mark, k);
      expect([...got.touched]).toEqual(order);
      const lowest = [...order].sort((a, b) => a - b).slice(0, k);
      expect(got.lowest).toEqual(lowest);
      for (const s of lowest)
        for (let w = 0; w < 16; w++) {
          const idx = s * 16 + w;
          const expected = was[idx] !== mem.meta[idx] ? was[idx] : undefined;
          // Words written back to their old value may be listed too, with that value.
          if (got.before.has(idx)) expect(got.before.get(idx)).toBe(was[idx]);
          else expect(expected).toBeUndefined();
        }
      for (const idx of got.before.keys()) expect(lowest).toContain(Math.floor(idx / 16));
    }
  });
});
