import { describe, expect, it } from 'vitest';
import { LineEditor, parseKeys, redraw } from './lineEditor';

function type(ed: LineEditor, data: string): (string | null)[] {
  return parseKeys(data).map((k) => ed.apply(k));
}

describe('parseKeys', () => {
  it('splits text, controls and escape sequences', () => {
    expect(parseKeys('ab\x1b[Dc\r')).toEqual([
      { k: 'text', text: 'ab' },
      { k: 'left' },
      { k: 'text', text: 'c' },
      { k: 'enter' },
    ]);
    expect(parseKeys('a\r\nb\n')).toEqual([
      { k: 'text', text: 'a' },
      { k: 'enter' },
      { k: 'text', text: 'b' },
      { k: 'enter' },
    ]);
    expect(parseKeys('\x1b[1;2Px')).toEqual([{ k: 'text', text: 'x' }]);
    expect(parseKeys('\t\x7f\x03\x0c')).toEqual([
      { k: 'tab' },
      { k: 'backspace' },
      { k: 'cancel' },
      { k: 'clear' },
    ]);
  });
});

describe('LineEditor', () => {
  it('edits in the middle of the line', () => {
    const ed = new LineEditor();
    type(ed, 'alloc f1');
    type(ed, '\x1b[D\x1b[D');
    type(ed, 'as ');
    expect(ed.buffer).toBe('alloc as f1');
    type(ed, '\x01\x1b[3~');
    expect(ed.buffer).toBe('lloc as f1');
    type(ed, '\x05\x7f');
    expect([ed.buffer, ed.cursor]).toEqual(['lloc as f', 9]);
    type(ed, '\x17');
    expect(ed.buffer).toBe('lloc as ');
    expect(type(ed, '\r')).toEqual(['lloc as ']);
    expect(ed.buffer).toBe('');
  });

  it('walks the history with up and down, keeping the draft', () => {
    const ed = new LineEditor(['one', 'two']);
    type(ed, 'dra');
    type(ed, '\x1b[A');
    expect(ed.buffer).toBe('two');
    type(ed, '\x1b[A\x1b[A');
    expect(ed.buffer).toBe('one');
    type(ed, '\x1b[B\x1b[B');
    expect(ed.buffer).toBe('dra');
    type(ed, '\r');
    expect(ed.entries).toEqual(['one', 'two', 'dra']);
    type(ed, 'dra\r   \r');
    expect(ed.entries).toEqual(['one', 'two', 'dra']);
  });

  it('keeps at most maxHistory lines', () => {
    const ed = new LineEditor(['a', 'b', 'c'], 3);
    type(ed, 'd\r');
    expect(ed.entries).toEqual(['b', 'c', 'd']);
  });

  it('replaces the word before the cursor with a completion', () => {
    const ed = new LineEditor();
    type(ed, 'drop f x');
    type(ed, '\x1b[D\x1b[D');
    ed.replaceWord(5, 'f12');
    expect([ed.buffer, ed.cursor]).toEqual(['drop f12 x', 8]);
  });
});

describe('redraw', () => {
  it('puts the cursor back in the line', () => {
    const r = redraw('> ', 2, 'abcdef', 3, 80, 0);
    expect(r.seq).toBe('\r\x1b[J> abcdef\x1b[6G');
    expect(r.cursorRow).toBe(0);
  });

  it('handles a line that wraps', () => {
    // 2 + 14 = 16 cells on 10 columns: rows 0 and 1; cursor at offset 2 + 3 = 5 (row 0).
    const r = redraw('> ', 2, 'abcdefghijklmn', 3, 10, 1);
    expect(r.seq).toBe('\x1b[1A\r\x1b[J> abcdefghijklmn\x1b[1A\x1b[6G');
    expect(r.cursorRow).toBe(0);
    // Exactly 20 cells: the cursor at the end goes to a new row.
    const full = redraw('> ', 2, 'abcdefghijklmnopqr', 18, 10, 0);
    expect(full.seq.endsWith('\r\n')).toBe(true);
    expect(full.cursorRow).toBe(2);
  });
});
