// Tokens of one line. Numbers are bigint (64-bit, `_` separators, K/M/G suffixes = powers of 1024).
import { SyntaxError_ } from './ast';

export type Tok =
  | { t: 'word'; v: string; col: number; end: number }
  | { t: 'num'; v: bigint; col: number; end: number }
  /** A byte string: one char per byte (0..255). */
  | { t: 'str'; v: string; col: number; end: number }
  | { t: 'hex'; v: number[]; col: number; end: number }
  | { t: 'punct'; v: '..' | '+' | '='; col: number; end: number }
  /** `(clause)` right after a word, kept raw (expect error CODE(clause)). */
  | { t: 'paren'; v: string; col: number; end: number };

const SUFFIX: Record<string, bigint> = { K: 1024n, M: 1024n ** 2n, G: 1024n ** 3n };
const U64_MAX = 2n ** 64n - 1n;

/** Index of the `#` that starts a comment, or the line's length. */
export function commentStart(line: string): number {
  let inStr = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (inStr) {
      if (ch === '\\') i++;
      else if (ch === '"') inStr = false;
    } else if (ch === '"') inStr = true;
    else if (ch === '#') return i;
  }
  return line.length;
}

export function lex(line: string): Tok[] {
  const src = line.slice(0, commentStart(line));
  const out: Tok[] = [];
  let i = 0;
  const err = (msg: string, at: number): never => {
    throw new SyntaxError_(msg, at + 1);
  };
  while (i < src.length) {
    const ch = src[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (ch === 'x' && src[i + 1] === '"') {
      i += 2;
      let hex = '';
      while (i < src.length && src[i] !== '"') hex += src[i++];
      if (i >= src.length) err('unterminated hex string (missing closing ")', start);
      i++;
      if (!/^[0-9a-fA-F\s_]*$/.test(hex))
        err('a hex string holds only hex digits and spaces', start);
      // Spaces separate bytes, so no byte straddles one: x"a b" is an error, not 0xab.
      for (const group of hex.split(/\s+/))
        if (group.replace(/_/g, '').length % 2)
          err(`a byte in a hex string is two hex digits: \`${group}\` is not`, start);
      const digits = hex.replace(/[\s_]/g, '');
      const bytes: number[] = [];
      for (let k = 0; k < digits.length; k += 2) bytes.push(parseInt(digits.slice(k, k + 2), 16));
      out.push({ t: 'hex', v: bytes, col: start + 1, end: i });
      continue;
    }
    if (ch === '"') {
      i++;
      let s = '';
      for (;;) {
        if (i >= src.length) err('unterminated string (missing closing ")', start);
        const c = src[i]!;
        if (c === '"') break;
        if (c === '\\') {
          const e = src[i + 1];
          if (e === 'n') s += '\n';
          else if (e === 't') s += '\t';
          else if (e === '"') s += '"';
          else if (e === '\\') s += '\\';
          else if (e === 'x') {
            const h = src.slice(i + 2, i + 4);
            if (!/^[0-9a-fA-F]{2}$/.test(h)) err('\\x needs two hex digits', i);
            s += String.fromCharCode(parseInt(h, 16));
            i += 2;
          } else err(`unknown escape \\${e ?? ''} (use \\n \\t \\" \\\\ \\xNN)`, i);
          i += 2;
          continue;
        }
        // Literal text is UTF-8: kept as a byte string (one char per byte, 0..255).
        const cp = src.codePointAt(i)!;
        const ch = String.fromCodePoint(cp);
        if (cp < 0x80) s += ch;
        else for (const b of new TextEncoder().encode(ch)) s += String.fromCharCode(b);
        i += ch.length;
      }
      i++;
      out.push({ t: 'str', v: s, col: start + 1, end: i });
      continue;
    }
    if (ch >= '0' && ch <= '9') {
      let v: bigint;
      if (ch === '0' && (src[i + 1] === 'x' || src[i + 1] === 'X')) {
        i += 2;
        let digits = '';
        while (i < src.length && /[0-9a-fA-F_]/.test(src[i]!)) digits += src[i++];
        digits = digits.replace(/_/g, '');
        if (!digits) err('`0x` needs hex digits after it', start);
        v = BigInt('0x' + digits);
      } else {
        let digits = '';
        while (i < src.length && /[0-9_]/.test(src[i]!)) digits += src[i++];
        v = BigInt(digits.replace(/_/g, ''));
      }
      const suf = src[i];
      if (suf !== undefined && suf in SUFFIX) {
        v *= SUFFIX[suf]!;
        i++;
      }
      if (i < src.length && /[A-Za-z0-9_]/.test(src[i]!))
        err(`bad number \`${src.slice(start, i + 1)}\``, start);
      if (v > U64_MAX) err(`number ${src.slice(start, i)} does not fit in 64 bits`, start);
      out.push({ t: 'num', v, col: start + 1, end: i });
      continue;
    }
    if (/[A-Za-z_]/.test(ch)) {
      while (i < src.length && /[A-Za-z0-9_.]/.test(src[i]!)) {
        // `a..b` is a range, not part of a word
        if (src[i] === '.' && src[i + 1] === '.') break;
        i++;
      }
      out.push({ t: 'word', v: src.slice(start, i), col: start + 1, end: i });
      if (src[i] === '(') {
        const close = src.indexOf(')', i);
        if (close < 0) err('missing `)`', i);
        out.push({ t: 'paren', v: src.slice(i + 1, close).trim(), col: i + 1, end: close + 1 });
        i = close + 1;
      }
      continue;
    }
    if (ch === '.' && src[i + 1] === '.') {
      out.push({ t: 'punct', v: '..', col: start + 1, end: i + 2 });
      i += 2;
      continue;
    }
    if (ch === '+' || ch === '=') {
      out.push({ t: 'punct', v: ch, col: start + 1, end: i + 1 });
      i++;
      continue;
    }
    err(`unexpected character \`${ch}\``, i);
  }
  return out;
}
