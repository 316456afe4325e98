import { describe, expect, it } from 'vitest';
import { Machine, type Op, type StepResult } from '..';
import { History, type HistorySession, type Ran } from '.';

/**
 * A minimal session over the real Machine (the engine cannot import the language): a line is
 * `alloc [N]`, `drop NAME`, `into_raw NAME`, `unsafe from_raw NAME`, `machine MEM_MIB`, `reset`,
 * or anything else as a no-op note. Its position is the line number, which handles record.
 */
class MiniSession implements HistorySession<StepResult> {
  machine = new Machine();
  lineNo = 0;
  resets = 0;

  exec(source: string): Ran<StepResult> {
    const line = ++this.lineNo;
    const [cmd, arg] = source.split(' ');
    let op: Op | undefined;
    let unsafe = false;
    if (cmd === 'alloc')
      op = { op: 'alloc', count: arg ? BigInt(arg) : undefined, zeroed: false, unique: false };
    else if (cmd === 'drop') op = { op: 'drop', handle: arg! };
    else if (cmd === 'into_raw') op = { op: 'into_raw', handle: arg! };
    else if (cmd === 'unsafe') {
      op = { op: 'from_raw', target: { name: source.split(' ')[2]! } };
      unsafe = true;
    } else if (cmd === 'machine') op = { op: 'machine', config: { mem: BigInt(arg!) << 20n } };
    else if (cmd === 'reset') op = { op: 'reset' };
    if (!op)
      return {
        result: { ok: true, text: 'note', effects: [], violations: this.machine.violations },
      };
    const result = this.machine.step({ op, unsafe, line, text: source });
    return { result, delta: result.delta };
  }
  reset(): void {
    this.machine = new Machine();
    this.lineNo = 0;
    this.resets++;
  }
  mark(): unknown {
    return this.lineNo;
  }
  restore(mark: unknown): void {
    this.lineNo = mark as number;
  }
}

/** The state hash after each prefix of `lines` (index k: after k lines), run fresh. */
function freshHashes(lines: string[]): string[] {
  const s = new MiniSession();
  const out = [s.machine.stateHash()];
  for (const l of lines) {
    s.exec(l);
    out.push(s.machine.stateHash());
  }
  return out;
}

const SCRIPT = [
  'alloc',
  'alloc 3',
  'note hello',
  'drop f1',
  'drop f1',
  'alloc',
  'into_raw f2',
  'alloc',
];

describe('History', () => {
  it('back and forward walk through the exact states of a fresh run', () => {
    const want = freshHashes(SCRIPT);
    const h = new History(new MiniSession());
    for (const l of SCRIPT) h.exec(l);
    expect(h.position).toBe(SCRIPT.length);
    for (let k = SCRIPT.length; k > 0; k--) {
      expect(h.session.machine.stateHash()).toBe(want[k]);
      expect(h.back()).toBe(true);
    }
    expect(h.session.machine.stateHash()).toBe(want[0]);
    expect(h.back()).toBe(false);
    for (let k = 1; k <= SCRIPT.length; k++) {
      expect(h.forward()).toBe(true);
      expect(h.session.machine.stateHash()).toBe(want[k]);
    }
    expect(h.forward()).toBe(false);
  });

  it('seek goes to any step, in any order', () => {
    const want = freshHashes(SCRIPT);
    const h = new History(new MiniSession());
    h.load(SCRIPT, 0);
    for (const k of [5, 2, 8, 0, 7, 7, 3, 100, -4]) {
      h.seek(k);
      const at = Math.max(0, Math.min(SCRIPT.length, k));
      expect(h.position).toBe(at);
      expect(h.session.machine.stateHash()).toBe(want[at]);
    }
  });

  it('keeps the results of lines that ran and nothing for the future', () => {
    const h = new History(new MiniSession());
    h.load(SCRIPT, 4);
    expect(h.result(3)?.ok).toBe(true);
    expect(h.result(4)).toBeUndefined();
    h.seek(SCRIPT.length);
    expect(h.result(4)?.ok).toBe(false); // the second `drop f1`
    expect(h.lines()).toEqual(SCRIPT);
  });

  it('a new line in the past truncates the future', () => {
    const h = new History(new MiniSession());
    for (const l of SCRIPT) h.exec(l);
    h.seek(2);
    h.exec('alloc 2');
    expect(h.length).toBe(3);
    expect(h.lines()).toEqual(['alloc', 'alloc 3', 'alloc 2']);
    expect(h.session.machine.stateHash()).toBe(freshHashes(['alloc', 'alloc 3', 'alloc 2'])[3]);
    expect(h.forward()).toBe(false);
  });

  it('replays from the start to go back across a reboot', () => {
    const lines = ['alloc', 'reset', 'alloc 2', 'machine 8', 'alloc'];
    const want = freshHashes(lines);
    const session = new MiniSession();
    const h = new History(session);
    for (const l of lines) h.exec(l);
    expect(h.result(3)?.ok).toBe(false); // `machine` only right after boot or reset
    h.seek(2);
    expect(session.machine.stateHash()).toBe(want[2]);
    const resets = session.resets;
    h.seek(1); // across the `reset`
    expect(session.resets).toBe(resets + 1);
    expect(session.machine.stateHash()).toBe(want[1]);
    h.seek(5);
    expect(session.machine.stateHash()).toBe(want[5]);
  });

  it('restores `machine.fresh`, so `machine` is accepted again after undoing to boot', () => {
    const h = new History(new MiniSession());
    h.exec('alloc');
    h.back();
    expect(h.exec('machine 8').ok).toBe(true);
    expect(h.session.machine.config.memBytes).toBe(8 << 20);
  });

  it('leaves violations exact after an unchecked replay', () => {
    // into_raw leaks a reference; from_raw twice then drops revive more than was forgotten.
    const lines = [
      'alloc',
      'into_raw f1',
      'unsafe from_raw f1',
      'unsafe from_raw f1',
      'note',
      'drop f2',
    ];
    const fresh = new MiniSession();
    const want = [fresh.machine.violations];
    for (const l of lines) {
      fresh.exec(l);
      want.push(fresh.machine.violations);
    }
    expect(want.some((v) => v.length > 0)).toBe(true);
    const h = new History(new MiniSession());
    h.load(lines, 0);
    for (const k of [5, 1, 6, 3, 0, 4, 2]) {
      h.seek(k);
      expect(h.session.machine.violations).toEqual(want[k]);
      expect(h.session.machine.checking).toBe('incremental'); // its own mode again, not 'off'
    }
  });

  it('drops the oldest deltas past its memory budget and replays to go back there', () => {
    const want = freshHashes(SCRIPT);
    const session = new MiniSession();
    const h = new History(session, { maxDeltaBytes: 2000 });
    for (const l of SCRIPT) h.exec(l);
    const resets = session.resets;
    h.seek(SCRIPT.length - 1); // the last delta is always kept
    expect(session.resets).toBe(resets);
    expect(session.machine.stateHash()).toBe(want[SCRIPT.length - 1]);
    h.seek(1);
    expect(session.resets).toBe(resets + 1);
    expect(session.machine.stateHash()).toBe(want[1]);
    h.seek(SCRIPT.length);
    expect(session.machine.stateHash()).toBe(want[SCRIPT.length]);
  });
});
