import { describe, expect, it } from 'vitest';
import { Session } from '.';

const SCRIPT = [
  'machine mem=16M cpus=2',
  'vmspace as vs',
  'activate vs',
  'mmap vs 0x10000+16K',
  'write 0x10000 "hello"',
  'read 0x10000 5',
  'alloc 3 as seg',
  'dma stream seg dir=both as d',
  'device write d 0 "dev"',
  'alloc as f',
  'into_raw f',
];

describe('machine images (history keyframes)', () => {
  it('restoring an image gives back the exact state, in place', () => {
    const s = new Session();
    for (const l of SCRIPT.slice(0, 7)) s.exec(l);
    const img = s.machine.image();
    const mark = s.mark();
    const hash = s.stateHash();
    const sab = s.machine.mem.metaSab;
    for (const l of SCRIPT.slice(7)) s.exec(l);
    expect(s.stateHash()).not.toBe(hash);
    s.machine.restoreImage(img);
    s.restore(mark);
    expect(s.stateHash()).toBe(hash);
    expect(s.machine.mem.metaSab).toBe(sab);
    // and the machine goes on exactly as a fresh run would
    for (const l of SCRIPT.slice(7)) s.exec(l);
    const fresh = new Session();
    for (const l of SCRIPT) fresh.exec(l);
    expect(s.stateHash()).toBe(fresh.stateHash());
  });

  it('an image restores into a machine of another configuration', () => {
    const a = new Session();
    for (const l of SCRIPT) a.exec(l);
    const b = new Session(); // the default 64M machine
    b.exec('alloc 5');
    b.machine.restoreImage(a.machine.image());
    expect(b.stateHash()).toBe(a.stateHash());
    expect(b.machine.violations).toEqual(a.machine.violations);
  });
});
