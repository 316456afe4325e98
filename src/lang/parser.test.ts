import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMMAND_WORDS, SyntaxError_, parseLine, print, type Stmt } from '.';

const lines = [
  'machine mem=16M cpus=1 tlb=8 iommu=on seed=7',
  'alloc',
  'alloc 4 zeroed as buf',
  'alloc unique as u',
  'frame 0x302000 as f',
  'frame page',
  'from_raw head as ghost',
  'from_raw 0x300000..0x302000 as s',
  'from_raw s1+8K',
  'split s1 0x2000 as a b',
  'slice s1 0x1000..0x3000 as t',
  'unsafe from_raw 0x5000',
  'map space 0x20000 extra prop=r',
  'map c f cache=uc prop=rwx',
  'unmap space 0x20000+4K',
  'unmap c 0x1000',
  'cursor_mut vs 0x0..0x40_0000 as c',
  'unsafe take_next c 4K as t',
  'protect vs 0x1000+4K prop=r',
  'write 0x7fff_ffff_f000 "a\\"b\\\\c\\n\\x00"',
  'write w x"de ad be ef"',
  'device write d 0 fill 255 16',
  'tlb flush 0x1000..0x3000 cpu=1',
  'tlb flush all',
  'dma stream ring dir=both coherent=no as nic',
  'sync nic to_device 0+16',
  'show pt vs 0x0+2M',
  'expect error Precondition(from_raw.forgotten)',
  'expect error',
  'expect no violation',
  'expect no violation acc.no_orphan',
  'expect refcount page unused',
  'expect translate space 0xffff_8000_0000_0000 fault',
  'expect data zeros 4',
  'note the mapping now holds the reference',
];

describe('parser', () => {
  it.each(lines)('round-trips %s', (line) => {
    const s = parseLine(line)!;
    expect(s).not.toBeNull();
    expect(parseLine(print(s))).toEqual(s);
  });

  it('keeps 64-bit numbers exact and applies suffixes', () => {
    const s = parseLine('translate vs 0xffff_ffff_ffff_f000') as Extract<Stmt, { kind: 'op' }>;
    expect(s.op).toEqual({ op: 'translate', vs: 'vs', va: 0xffff_ffff_ffff_f000n });
    expect((parseLine('alloc 2K') as Extract<Stmt, { kind: 'op' }>).op).toMatchObject({
      count: 2048n,
    });
    expect((parseLine('machine mem=1G') as Extract<Stmt, { kind: 'op' }>).op).toMatchObject({
      config: { mem: 1n << 30n },
    });
  });

  it('ignores comments outside strings, and blank lines', () => {
    expect(parseLine('   # nothing')).toBeNull();
    expect(parseLine('')).toBeNull();
    const s = parseLine('write 0x1000 "a # b" # c') as Extract<Stmt, { kind: 'op' }>;
    expect(s.op).toMatchObject({ data: { kind: 'str', text: 'a # b' } });
  });

  it.each([
    ['frobnicate', 1],
    ['alloc x', 7],
    ['alloc 2 as', 11],
    ['map c f prop=q', 14],
    ['take_next c 4K', 1],
    ['expect error Nope', 14],
    ['write 0x10 "abc', 12],
    ['alloc 99999999999999999999999', 7],
    ['split s 0x1000 as a', 1],
    ['clone F', 7],
    ['write w x"a b"', 9],
    ['write w x"de ad b"', 9],
  ])('reports %s as a syntax error at column %i', (line, col) => {
    let err: unknown;
    try {
      parseLine(line);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SyntaxError_);
    expect((err as SyntaxError_).col).toBe(col);
  });

  it('reads a hex string as bytes of two digits, spaces between them and _ anywhere', () => {
    const bytes = (line: string): unknown => {
      const st = parseLine(line);
      return st?.kind === 'op' && st.op.op === 'io_write' ? st.op.data : null;
    };
    expect(bytes('write w x"de ad_be ef"')).toEqual({
      kind: 'hex',
      bytes: [0xde, 0xad, 0xbe, 0xef],
    });
    expect(bytes('write w x"dead beef"')).toEqual({ kind: 'hex', bytes: [0xde, 0xad, 0xbe, 0xef] });
  });

  it('round-trips generated statements (property)', () => {
    const name = fc
      .stringMatching(/^[a-z][a-z0-9_]{0,6}$/)
      .filter((n) => !['as', 'zeros', 'fill', 'unique', 'zeroed'].includes(n));
    const big = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
    const addr = fc.oneof(
      big.map((num) => ({ num })),
      name.map((n) => ({ name: n })),
    );
    const range = fc.oneof(
      fc.record({ start: addr, end: big }),
      fc.record({ start: addr, len: big }),
    );
    const numRange = fc.oneof(
      fc.record({ start: big.map((num) => ({ num })), end: big }),
      fc.record({ start: big.map((num) => ({ num })), len: big }),
    );
    const data = fc.oneof(
      fc
        .string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)) })
        .map((text) => ({ kind: 'str' as const, text })),
      fc.array(fc.integer({ min: 0, max: 255 })).map((bytes) => ({ kind: 'hex' as const, bytes })),
      big.map((len) => ({ kind: 'zeros' as const, len })),
    );
    const stmt: fc.Arbitrary<Stmt> = fc
      .oneof(
        fc.record({ op: fc.constant('frame' as const), paddr: addr, as: name }),
        fc.record({ op: fc.constant('from_raw' as const), target: fc.oneof(addr, range) }),
        fc.record({ op: fc.constant('slice' as const), handle: name, range: numRange, as: name }),
        fc.record({ op: fc.constant('split' as const), handle: name, offset: big }),
        fc.record({ op: fc.constant('write' as const), va: big, data }),
        fc.record({ op: fc.constant('unmap_range' as const), vs: name, range: numRange }),
      )
      .chain((op) => fc.boolean().map((unsafe) => ({ kind: 'op' as const, op, unsafe }) as Stmt));
    fc.assert(
      fc.property(stmt, (s) => {
        expect(parseLine(print(s))).toEqual(s);
      }),
    );
  });
});

describe('ask (lessons)', () => {
  it('parses and round-trips a question, UTF-8 included', () => {
    const s = parseLine('ask "Which refcount does the frame have now? — ça dépend"')!;
    expect(s).toEqual({
      kind: 'ask',
      question: 'Which refcount does the frame have now? — ça dépend',
    });
    expect(parseLine(print(s))).toEqual(s);
  });
  it('needs exactly one quoted question', () => {
    expect(() => parseLine('ask what')).toThrow(SyntaxError_);
    expect(() => parseLine('ask "a" "b"')).toThrow(SyntaxError_);
  });
});

describe('COMMAND_WORDS', () => {
  it('names exactly the words a line may start with', () => {
    for (const w of COMMAND_WORDS) {
      let msg = '';
      try {
        parseLine(w);
      } catch (e) {
        msg = (e as Error).message;
      }
      expect(msg, w).not.toMatch(/unknown command/);
    }
    expect(() => parseLine('frobnicate')).toThrow(/unknown command/);
  });
});
