// The terminal's line editor, without xterm: the input line and its cursor, the command history
// (↑/↓, with the line being typed kept as a draft), the keys xterm sends (`onData` chunks), and the
// escape sequences that redraw a prompt + line that may wrap over several rows. Pure: tested in Node.

/** What a chunk of terminal input asks for, in order. */
export type Key =
  | { k: 'text'; text: string }
  | { k: 'enter' }
  | { k: 'backspace' }
  | { k: 'delete' }
  | { k: 'left' }
  | { k: 'right' }
  | { k: 'up' }
  | { k: 'down' }
  | { k: 'home' }
  | { k: 'end' }
  | { k: 'wordLeft' }
  | { k: 'wordRight' }
  | { k: 'killLine' }
  | { k: 'killEnd' }
  | { k: 'killWord' }
  | { k: 'tab' }
  | { k: 'cancel' }
  | { k: 'clear' };

const ESCAPES: Record<string, Key> = {
  '\x1b[A': { k: 'up' },
  '\x1b[B': { k: 'down' },
  '\x1b[C': { k: 'right' },
  '\x1b[D': { k: 'left' },
  '\x1b[H': { k: 'home' },
  '\x1b[F': { k: 'end' },
  '\x1bOH': { k: 'home' },
  '\x1bOF': { k: 'end' },
  '\x1b[1~': { k: 'home' },
  '\x1b[4~': { k: 'end' },
  '\x1b[3~': { k: 'delete' },
  '\x1b[1;5D': { k: 'wordLeft' },
  '\x1b[1;5C': { k: 'wordRight' },
  '\x1bb': { k: 'wordLeft' },
  '\x1bf': { k: 'wordRight' },
};

const CONTROLS: Record<string, Key> = {
  '\r': { k: 'enter' },
  '\n': { k: 'enter' },
  '\x7f': { k: 'backspace' },
  '\b': { k: 'backspace' },
  '\t': { k: 'tab' },
  '\x01': { k: 'home' },
  '\x05': { k: 'end' },
  '\x02': { k: 'left' },
  '\x06': { k: 'right' },
  '\x10': { k: 'up' },
  '\x0e': { k: 'down' },
  '\x03': { k: 'cancel' },
  '\x0c': { k: 'clear' },
  '\x15': { k: 'killLine' },
  '\x0b': { k: 'killEnd' },
  '\x17': { k: 'killWord' },
  '\x04': { k: 'delete' },
};

/** The length of an escape sequence at `i` that we do not handle: a CSI to its final byte, or ESC. */
function unknownEscapeLength(data: string, i: number): number {
  if (data[i + 1] !== '[') return 1;
  let j = i + 2;
  while (j < data.length && /[0-9;?]/.test(data[j]!)) j++;
  const final = data.charCodeAt(j);
  return final >= 0x40 && final <= 0x7e ? j - i + 1 : 1;
}

/** Splits one `onData` chunk (a key, or pasted text) into keys. A pasted `\r\n` is one Enter. */
export function parseKeys(data: string): Key[] {
  const out: Key[] = [];
  let text = '';
  const flush = () => {
    if (text) out.push({ k: 'text', text });
    text = '';
  };
  for (let i = 0; i < data.length;) {
    const ch = data[i]!;
    if (ch === '\x1b') {
      flush();
      const seq = Object.keys(ESCAPES).find((s) => data.startsWith(s, i));
      if (seq) {
        out.push(ESCAPES[seq]!);
        i += seq.length;
      } else {
        // An escape sequence we do not handle: skip it whole (CSI … final byte), or the lone ESC.
        i += unknownEscapeLength(data, i);
      }
      continue;
    }
    if (ch === '\r' && data[i + 1] === '\n') i++;
    const ctl = CONTROLS[ch];
    if (ctl) {
      flush();
      out.push(ctl);
    } else if (ch >= ' ' || ch > '\x7f') text += ch;
    i++;
  }
  flush();
  return out;
}

/** The input line and the history. */
export class LineEditor {
  buffer = '';
  cursor = 0;
  private history: string[];
  /** Index into history while browsing it (history.length: the draft). */
  private at: number;
  private draft = '';

  constructor(
    history: readonly string[] = [],
    private readonly maxHistory = 500,
  ) {
    this.history = history.slice(-maxHistory);
    this.at = this.history.length;
  }

  get entries(): readonly string[] {
    return this.history;
  }

  /** Applies one key; returns the submitted line for Enter, else null. */
  apply(key: Key): string | null {
    const b = this.buffer;
    const c = this.cursor;
    switch (key.k) {
      case 'text': {
        const t = [...key.text].filter((ch) => ch >= ' ' && ch !== '\x7f').join('');
        this.buffer = b.slice(0, c) + t + b.slice(c);
        this.cursor = c + t.length;
        break;
      }
      case 'backspace':
        if (c > 0) {
          this.buffer = b.slice(0, c - 1) + b.slice(c);
          this.cursor = c - 1;
        }
        break;
      case 'delete':
        this.buffer = b.slice(0, c) + b.slice(c + 1);
        break;
      case 'left':
        this.cursor = Math.max(0, c - 1);
        break;
      case 'right':
        this.cursor = Math.min(b.length, c + 1);
        break;
      case 'home':
        this.cursor = 0;
        break;
      case 'end':
        this.cursor = b.length;
        break;
      case 'wordLeft':
        this.cursor = b.slice(0, c).search(/\S+\s*$/) === -1 ? 0 : b.slice(0, c).search(/\S+\s*$/);
        break;
      case 'wordRight': {
        const m = /^\s*\S+/.exec(b.slice(c));
        this.cursor = m ? c + m[0].length : b.length;
        break;
      }
      case 'killLine':
        this.buffer = b.slice(c);
        this.cursor = 0;
        break;
      case 'killEnd':
        this.buffer = b.slice(0, c);
        break;
      case 'killWord': {
        const start = b.slice(0, c).search(/\S+\s*$/);
        const from = start === -1 ? 0 : start;
        this.buffer = b.slice(0, from) + b.slice(c);
        this.cursor = from;
        break;
      }
      case 'up':
        if (this.at > 0) {
          if (this.at === this.history.length) this.draft = b;
          this.at--;
          this.set(this.history[this.at]!);
        }
        break;
      case 'down':
        if (this.at < this.history.length) {
          this.at++;
          this.set(this.at === this.history.length ? this.draft : this.history[this.at]!);
        }
        break;
      case 'cancel':
        this.set('');
        this.at = this.history.length;
        break;
      case 'enter': {
        const line = b;
        this.set('');
        this.remember(line);
        return line;
      }
      case 'tab':
      case 'clear':
        break;
    }
    return null;
  }

  /** Replaces the text between `start` and the cursor (a completion). */
  replaceWord(start: number, text: string): void {
    this.buffer = this.buffer.slice(0, start) + text + this.buffer.slice(this.cursor);
    this.cursor = start + text.length;
  }

  /** Adds a line to the history (not blanks, not a repeat of the last one). */
  remember(line: string): void {
    const l = line.trim();
    if (l && this.history[this.history.length - 1] !== l) {
      this.history.push(l);
      if (this.history.length > this.maxHistory) this.history.shift();
    }
    this.at = this.history.length;
    this.draft = '';
  }

  private set(text: string): void {
    this.buffer = text;
    this.cursor = text.length;
  }
}

/** The rows a prompt + line of `length` cells takes, and the row of offset `off` (0-based). */
function rowOf(off: number, cols: number): number {
  return Math.floor(off / cols);
}

/**
 * Escape sequences that redraw `prompt + buffer` from the row where the line starts (the terminal
 * cursor being on row `cursorRow` of the line) and put the cursor at `cursor`. Returns them and
 * the cursor's new row within the line. `promptCells` is the prompt's width (it may hold colours).
 */
export function redraw(
  prompt: string,
  promptCells: number,
  buffer: string,
  cursor: number,
  cols: number,
  cursorRow: number,
): { seq: string; cursorRow: number } {
  let seq = '';
  if (cursorRow > 0) seq += `\x1b[${cursorRow}A`;
  seq += '\r\x1b[J' + prompt + buffer;
  const end = promptCells + buffer.length;
  // After writing exactly a multiple of `cols` cells the cursor waits at the last column.
  const endRow = end > 0 && end % cols === 0 ? end / cols - 1 : rowOf(end, cols);
  const off = promptCells + cursor;
  let row = rowOf(off, cols);
  if (row > endRow) {
    seq += '\r\n';
    return { seq, cursorRow: row };
  }
  if (endRow > row) seq += `\x1b[${endRow - row}A`;
  seq += `\x1b[${(off % cols) + 1}G`;
  row = Math.min(row, endRow);
  return { seq, cursorRow: row };
}
