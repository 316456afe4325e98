// The command language (shared/spec/commands.md) → Stmt. One command per line; errors are
// SyntaxError_ with the column they point at.
import {
  ERROR_CODES,
  type AddrRef,
  type DataLit,
  type DmaDir,
  type MachineConfig,
  type Op,
  type RangeRef,
} from '../engine';
import { SyntaxError_, type Expect, type Stmt } from './ast';
import { commentStart, lex, type Tok } from './lexer';

const NAME_RE = /^[a-z][a-z0-9_]*$/;

/** Every word a line may start with (shared/spec/commands.md, plus `ask`): completion lists these. */
export const COMMAND_WORDS = [
  'machine',
  'reset',
  'cpu',
  'alloc',
  'frame',
  'clone',
  'drop',
  'into_raw',
  'from_raw',
  'split',
  'slice',
  'next',
  'share',
  'unique',
  'vmspace',
  'activate',
  'deactivate',
  'cursor',
  'cursor_mut',
  'query',
  'find_next',
  'jump',
  'va',
  'map',
  'unmap',
  'protect_next',
  'flush',
  'take_next',
  'protect',
  'mmap',
  'read',
  'write',
  'translate',
  'tlb',
  'reader',
  'writer',
  'copy',
  'skip',
  'limit',
  'dma',
  'sync',
  'device',
  'show',
  'check',
  'expect',
  'note',
  'ask',
  'unsafe',
] as const;

type Opts = Map<string, Tok>;

class P {
  pos = 0;
  constructor(
    readonly toks: Tok[],
    readonly lineLen: number,
  ) {}

  err(msg: string, tok?: Tok): never {
    throw new SyntaxError_(msg, tok ? tok.col : this.lineLen + 1);
  }
  peek(k = 0): Tok | undefined {
    return this.toks[this.pos + k];
  }
  atEnd(): boolean {
    return this.pos >= this.toks.length;
  }
  /** The next token is an option (`key=`), `as`, or the end: no more positionals. */
  atTrailer(): boolean {
    const t = this.peek();
    if (!t) return true;
    if (t.t === 'word' && this.peek(1)?.t === 'punct' && (this.peek(1) as { v: string }).v === '=')
      return true;
    return t.t === 'word' && t.v === 'as';
  }
  word(what: string): string {
    const t = this.peek();
    if (!t || t.t !== 'word') this.err(`expected ${what}`, t);
    this.pos++;
    return t.v;
  }
  isWord(v: string): boolean {
    const t = this.peek();
    return t?.t === 'word' && t.v === v;
  }
  keyword(...options: string[]): string {
    const t = this.peek();
    if (!t || t.t !== 'word' || !options.includes(t.v))
      this.err(`expected ${options.map((o) => '`' + o + '`').join(' or ')}`, t);
    this.pos++;
    return t.v;
  }
  name(what: string): string {
    const t = this.peek();
    if (!t || t.t !== 'word') this.err(`expected ${what} (a handle name)`, t);
    if (!NAME_RE.test(t.v)) this.err(`\`${t.v}\` is not a handle name ([a-z][a-z0-9_]*)`, t);
    this.pos++;
    return t.v;
  }
  num(what: string): bigint {
    const t = this.peek();
    if (!t || t.t !== 'num') this.err(`expected ${what} (a number)`, t);
    this.pos++;
    return t.v;
  }
  addr(what: string): AddrRef {
    const t = this.peek();
    if (t?.t === 'num') {
      this.pos++;
      return { num: t.v };
    }
    if (t?.t === 'word' && NAME_RE.test(t.v)) {
      this.pos++;
      return { name: t.v };
    }
    return this.err(`expected ${what} (a number or a handle name)`, t);
  }
  isRangeNext(): boolean {
    const t = this.peek(1);
    return t?.t === 'punct' && (t.v === '..' || t.v === '+');
  }
  range(what: string, startMayBeName = true): RangeRef {
    const t0 = this.peek();
    const start = startMayBeName ? this.addr(what) : { num: this.num(what) };
    const t = this.peek();
    if (t?.t === 'punct' && t.v === '..') {
      this.pos++;
      return { start, end: this.num('the end of the range') };
    }
    if (t?.t === 'punct' && t.v === '+') {
      this.pos++;
      return { start, len: this.num('the length of the range') };
    }
    return this.err(`expected ${what} as START..END or START+LEN`, t ?? t0);
  }
  data(what = 'data'): DataLit {
    const t = this.peek();
    if (t?.t === 'str') {
      this.pos++;
      return { kind: 'str', text: t.v };
    }
    if (t?.t === 'hex') {
      this.pos++;
      return { kind: 'hex', bytes: t.v };
    }
    if (t?.t === 'word' && t.v === 'zeros') {
      this.pos++;
      return { kind: 'zeros', len: this.num('the byte count') };
    }
    if (t?.t === 'word' && t.v === 'fill') {
      this.pos++;
      const byte = this.num('the fill byte');
      if (byte > 255n) this.err('the fill byte must be 0..255', this.toks[this.pos - 1]);
      return { kind: 'fill', byte, len: this.num('the byte count') };
    }
    return this.err(`expected ${what}: "text", x"hex bytes", zeros N or fill BYTE N`, t);
  }

  /**
   * The trailer: `key=value` options, bare flags and `as NAME…`, in any order, then the end.
   * `asCount` is how many names `as` takes (0 = not allowed).
   */
  trailer(
    allowed: string[],
    flags: string[] = [],
    asCount = 0,
  ): { opts: Opts; flags: Set<string>; as?: string[] } {
    const opts: Opts = new Map();
    const seen = new Set<string>();
    let as: string[] | undefined;
    while (!this.atEnd()) {
      const t = this.peek()!;
      if (
        t.t === 'word' &&
        this.peek(1)?.t === 'punct' &&
        (this.peek(1) as { v: string }).v === '='
      ) {
        if (!allowed.includes(t.v))
          this.err(
            allowed.length
              ? `unknown option \`${t.v}\` (options here: ${allowed.join(', ')})`
              : `this command takes no option \`${t.v}=\``,
            t,
          );
        if (opts.has(t.v)) this.err(`option \`${t.v}\` is given twice`, t);
        this.pos += 2;
        const v = this.peek();
        if (!v || (v.t !== 'word' && v.t !== 'num'))
          this.err(`expected a value after \`${t.v}=\``, v);
        this.pos++;
        opts.set(t.v, v);
      } else if (t.t === 'word' && t.v === 'as' && asCount > 0) {
        if (as) this.err('`as` is given twice', t);
        this.pos++;
        as = [];
        for (let k = 0; k < asCount; k++) {
          if (k > 0 && (this.atEnd() || this.atTrailer())) break;
          as.push(this.name('a name after `as`'));
        }
      } else if (t.t === 'word' && flags.includes(t.v) && !seen.has(t.v)) {
        seen.add(t.v);
        this.pos++;
      } else {
        this.err(`unexpected \`${tokText(t)}\``, t);
      }
    }
    return { opts, flags: seen, as };
  }
}

function tokText(t: Tok): string {
  switch (t.t) {
    case 'num':
      return t.v.toString();
    case 'str':
      return JSON.stringify(t.v);
    case 'hex':
      return 'x"…"';
    case 'paren':
      return `(${t.v})`;
    default:
      return t.v;
  }
}

function optWord(p: P, opts: Opts, key: string, choices?: string[]): string | undefined {
  const t = opts.get(key);
  if (!t) return undefined;
  if (t.t !== 'word') p.err(`\`${key}=\` takes a word`, t);
  if (choices && !choices.includes(t.v))
    p.err(`\`${key}=\` must be one of ${choices.join(', ')}`, t);
  return t.v;
}

function optNum(p: P, opts: Opts, key: string): bigint | undefined {
  const t = opts.get(key);
  if (!t) return undefined;
  if (t.t !== 'num') p.err(`\`${key}=\` takes a number`, t);
  return t.v;
}

const PROP_RE = /^[rwx]+$/;
function optProp(p: P, opts: Opts): string | undefined {
  const v = optWord(p, opts, 'prop');
  if (v !== undefined && (!PROP_RE.test(v) || new Set(v).size !== v.length))
    p.err('`prop=` takes letters from r, w, x (e.g. rw)', opts.get('prop'));
  return v;
}

function withAs<T extends object>(o: T, as?: string[]): T & { as?: string } {
  return as?.[0] !== undefined ? { ...o, as: as[0] } : o;
}

function parseOp(p: P, cmd: string, cmdTok: Tok): Op {
  switch (cmd) {
    case 'machine': {
      const { opts } = p.trailer(['arch', 'mem', 'cpus', 'tlb', 'iommu', 'seed']);
      const config: MachineConfig = {};
      const arch = optWord(p, opts, 'arch');
      if (arch !== undefined) config.arch = arch;
      const mem = optNum(p, opts, 'mem');
      if (mem !== undefined) config.mem = mem;
      const cpus = optNum(p, opts, 'cpus');
      if (cpus !== undefined) config.cpus = cpus;
      const tlb = optNum(p, opts, 'tlb');
      if (tlb !== undefined) config.tlb = tlb;
      const iommu = optWord(p, opts, 'iommu', ['on', 'off']);
      if (iommu !== undefined) config.iommu = iommu === 'on';
      const seed = optNum(p, opts, 'seed');
      if (seed !== undefined) config.seed = seed;
      return { op: 'machine', config };
    }
    case 'reset':
      p.trailer([]);
      return { op: 'reset' };
    case 'cpu': {
      const cpu = p.num('a CPU number');
      p.trailer([]);
      return { op: 'cpu', cpu };
    }
    case 'alloc': {
      if (p.isWord('unique')) {
        p.pos++;
        const { as } = p.trailer([], [], 1);
        return withAs({ op: 'alloc' as const, zeroed: false, unique: true }, as);
      }
      const count = p.peek()?.t === 'num' ? p.num('a frame count') : undefined;
      const { flags, as } = p.trailer([], ['zeroed'], 1);
      const o = { op: 'alloc' as const, zeroed: flags.has('zeroed'), unique: false };
      return withAs(count !== undefined ? { ...o, count } : o, as);
    }
    case 'frame': {
      const paddr = p.addr('a physical address');
      return withAs({ op: 'frame' as const, paddr }, p.trailer([], [], 1).as);
    }
    case 'clone':
    case 'next':
    case 'share':
    case 'unique': {
      const handle = p.name('a handle');
      return withAs({ op: cmd, handle }, p.trailer([], [], 1).as);
    }
    case 'drop':
    case 'into_raw': {
      const handle = p.name('a handle');
      p.trailer([]);
      return { op: cmd, handle };
    }
    case 'from_raw': {
      const target = p.isRangeNext()
        ? p.range('a physical range')
        : p.addr('a physical address or range');
      return withAs({ op: 'from_raw' as const, target }, p.trailer([], [], 1).as);
    }
    case 'split': {
      const handle = p.name('a segment');
      const offset = p.num('a byte offset');
      const { as } = p.trailer([], [], 2);
      if (as && as.length !== 2) p.err('`split … as` takes two names', cmdTok);
      return as
        ? { op: 'split', handle, offset, as: [as[0]!, as[1]!] }
        : { op: 'split', handle, offset };
    }
    case 'slice': {
      const handle = p.name('a segment');
      const range = p.range('a byte range within the segment', false);
      return withAs({ op: 'slice' as const, handle, range }, p.trailer([], [], 1).as);
    }
    case 'vmspace':
      return withAs({ op: 'vmspace' as const }, p.trailer([], [], 1).as);
    case 'activate': {
      const vs = p.name('a VM space');
      p.trailer([]);
      return { op: 'activate', vs };
    }
    case 'deactivate':
      p.trailer([]);
      return { op: 'deactivate' };
    case 'cursor':
    case 'cursor_mut': {
      const vs = p.name('a VM space');
      const range = p.range('a virtual range', false);
      return withAs(
        { op: 'cursor' as const, vs, range, mut: cmd === 'cursor_mut' },
        p.trailer([], [], 1).as,
      );
    }
    case 'query': {
      const cursor = p.name('a cursor');
      return withAs({ op: 'query' as const, cursor }, p.trailer([], [], 1).as);
    }
    case 'find_next':
    case 'unmap': {
      const first = p.name(cmd === 'unmap' ? 'a cursor or VM space' : 'a cursor');
      if (cmd === 'unmap' && p.isRangeNext()) {
        const range = p.range('a virtual range', false);
        p.trailer([]);
        return { op: 'unmap_range', vs: first, range };
      }
      const len = p.num('a length in bytes');
      p.trailer([]);
      return { op: cmd, cursor: first, len };
    }
    case 'jump': {
      const cursor = p.name('a cursor');
      const va = p.num('a virtual address');
      p.trailer([]);
      return { op: 'jump', cursor, va };
    }
    case 'va':
    case 'flush': {
      const cursor = p.name('a cursor');
      p.trailer([]);
      return { op: cmd, cursor };
    }
    case 'map': {
      const first = p.name('a cursor or VM space');
      if (p.peek()?.t === 'num') {
        const va = p.num('a virtual address');
        const handle = p.name('a frame handle');
        const { opts } = p.trailer(['prop', 'cache']);
        return pruned({
          op: 'map_at',
          vs: first,
          va,
          handle,
          prop: optProp(p, opts),
          cache: optWord(p, opts, 'cache', ['wb', 'wt', 'uc']),
        });
      }
      const handle = p.name('a frame handle');
      const { opts } = p.trailer(['prop', 'cache']);
      return pruned({
        op: 'map',
        cursor: first,
        handle,
        prop: optProp(p, opts),
        cache: optWord(p, opts, 'cache', ['wb', 'wt', 'uc']),
      });
    }
    case 'protect_next': {
      const cursor = p.name('a cursor');
      const len = p.num('a length in bytes');
      const { opts } = p.trailer(['prop']);
      const prop = optProp(p, opts);
      if (prop === undefined) p.err('`protect_next` needs `prop=FLAGS`');
      return { op: 'protect_next', cursor, len, prop };
    }
    case 'protect': {
      const vs = p.name('a VM space');
      const range = p.range('a virtual range', false);
      const { opts } = p.trailer(['prop']);
      const prop = optProp(p, opts);
      if (prop === undefined) p.err('`protect` needs `prop=FLAGS`');
      return { op: 'protect', vs, range, prop };
    }
    case 'take_next': {
      const cursor = p.name('a cursor');
      const len = p.num('a length in bytes');
      return withAs({ op: 'take_next' as const, cursor, len }, p.trailer([], [], 1).as);
    }
    case 'mmap': {
      const vs = p.name('a VM space');
      const range = p.range('a virtual range', false);
      const { opts } = p.trailer(['prop']);
      return pruned({ op: 'mmap', vs, range, prop: optProp(p, opts) });
    }
    case 'read': {
      if (p.peek()?.t === 'num') {
        const va = p.num('a virtual address');
        const len = p.num('a length in bytes');
        p.trailer([]);
        return { op: 'read', va, len };
      }
      const reader = p.name('a virtual address or a reader');
      const len = p.atEnd() ? undefined : p.num('a byte count');
      p.trailer([]);
      return len === undefined ? { op: 'io_read', reader } : { op: 'io_read', reader, len };
    }
    case 'write': {
      if (p.peek()?.t === 'num') {
        const va = p.num('a virtual address');
        const data = p.data();
        p.trailer([]);
        return { op: 'write', va, data };
      }
      const writer = p.name('a virtual address or a writer');
      const data = p.data();
      p.trailer([]);
      return { op: 'io_write', writer, data };
    }
    case 'translate': {
      const vs = p.name('a VM space');
      const va = p.num('a virtual address');
      p.trailer([]);
      return { op: 'translate', vs, va };
    }
    case 'tlb': {
      if (p.isWord('flush')) {
        p.pos++;
        let target: 'all' | RangeRef | bigint;
        if (p.isWord('all')) {
          p.pos++;
          target = 'all';
        } else if (p.isRangeNext()) target = p.range('a virtual range', false);
        else target = p.num('`all`, a virtual address or a range');
        const { opts } = p.trailer(['cpu']);
        return pruned({ op: 'tlb_flush', target, cpu: optNum(p, opts, 'cpu') });
      }
      const { opts } = p.trailer(['cpu']);
      return pruned({ op: 'tlb', cpu: optNum(p, opts, 'cpu') });
    }
    case 'reader':
    case 'writer': {
      const first = p.name('a VM space or a frame/segment/DMA handle');
      if (p.peek()?.t === 'num') {
        const va = p.num('a virtual address');
        const len = p.num('a length in bytes');
        return withAs({ op: cmd, vs: first, va, len }, p.trailer([], [], 1).as);
      }
      return withAs(
        { op: cmd === 'reader' ? ('kreader' as const) : ('kwriter' as const), handle: first },
        p.trailer([], [], 1).as,
      );
    }
    case 'copy': {
      const reader = p.name('a reader');
      const writer = p.name('a writer');
      p.trailer([]);
      return { op: 'copy', reader, writer };
    }
    case 'skip':
    case 'limit': {
      const handle = p.name('a reader or writer');
      const len = p.num('a byte count');
      p.trailer([]);
      return { op: cmd, handle, len };
    }
    case 'dma': {
      const kind = p.keyword('coherent', 'stream') as 'coherent' | 'stream';
      const handle = p.name('a segment or frame');
      const { opts, as } = p.trailer(kind === 'stream' ? ['dir', 'coherent'] : ['coherent'], [], 1);
      const dir = optWord(p, opts, 'dir', ['to_device', 'from_device', 'both']) as
        DmaDir | undefined;
      if (kind === 'stream' && dir === undefined)
        p.err('`dma stream` needs `dir=to_device|from_device|both`');
      const coh = optWord(p, opts, 'coherent', ['yes', 'no']);
      return withAs(
        pruned({
          op: 'dma',
          kind,
          handle,
          dir,
          coherent: coh === undefined ? undefined : coh === 'yes',
        }),
        as,
      );
    }
    case 'sync': {
      const dma = p.name('a DMA object');
      const dir = p.keyword('to_device', 'from_device') as 'to_device' | 'from_device';
      const range = p.atEnd() ? undefined : p.range('a byte range', false);
      p.trailer([]);
      return pruned({ op: 'sync', dma, dir, range });
    }
    case 'device': {
      const rw = p.keyword('read', 'write');
      const dma = p.name('a DMA object');
      const offset = p.num('a byte offset');
      if (rw === 'read') {
        const len = p.num('a byte count');
        p.trailer([]);
        return { op: 'device_read', dma, offset, len };
      }
      const data = p.data();
      p.trailer([]);
      return { op: 'device_write', dma, offset, data };
    }
    case 'show': {
      const what = p.keyword('pt', 'frame', 'frames', 'tlb', 'ledger', 'dma', 'handles');
      if (what === 'pt') {
        const vs = p.name('a VM space');
        const range = p.atEnd() ? undefined : p.range('a virtual range', false);
        p.trailer([]);
        return pruned({ op: 'show', what: 'pt', vs, range });
      }
      if (what === 'frame') {
        const paddr = p.addr('a physical address');
        p.trailer([]);
        return { op: 'show', what: 'frame', paddr };
      }
      if (what === 'frames') {
        const range = p.atEnd() ? undefined : p.range('a physical range');
        p.trailer([]);
        return pruned({ op: 'show', what: 'frames', range });
      }
      p.trailer([]);
      return { op: 'show', what: what as 'tlb' | 'ledger' | 'dma' | 'handles' };
    }
    case 'check':
      p.trailer([]);
      return { op: 'check' };
  }
  return p.err(`unknown command \`${cmd}\``, cmdTok);
}

/** Drop keys whose value is undefined, so ASTs compare structurally. */
function pruned<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

function parseExpect(p: P): Expect {
  const what = p.keyword(
    'ok',
    'error',
    'data',
    'violation',
    'no',
    'clean',
    'translate',
    'refcount',
  );
  switch (what) {
    case 'ok':
    case 'clean':
      p.trailer([]);
      return { what };
    case 'error': {
      if (p.atEnd()) return { what: 'error' };
      const t = p.peek()!;
      const code = p.word('an error code');
      if (!(ERROR_CODES as readonly string[]).includes(code))
        p.err(`unknown error code \`${code}\` (codes: ${ERROR_CODES.join(', ')})`, t);
      let clause: string | undefined;
      const c = p.peek();
      if (c?.t === 'paren') {
        p.pos++;
        clause = c.v;
      }
      p.trailer([]);
      return clause === undefined ? { what: 'error', code } : { what: 'error', code, clause };
    }
    case 'data': {
      const data = p.data();
      p.trailer([]);
      return { what: 'data', data };
    }
    case 'violation': {
      const id = p.word('an invariant ID');
      p.trailer([]);
      return { what: 'violation', id };
    }
    case 'no': {
      p.keyword('violation');
      const id = p.atEnd() ? undefined : p.word('an invariant ID');
      p.trailer([]);
      return id === undefined ? { what: 'no_violation' } : { what: 'no_violation', id };
    }
    case 'translate': {
      const vs = p.name('a VM space');
      const va = p.num('a virtual address');
      const target = p.isWord('fault')
        ? (p.pos++, 'fault' as const)
        : p.addr('a physical address or `fault`');
      p.trailer([]);
      return { what: 'translate', vs, va, target };
    }
    default: {
      const paddr = p.addr('a physical address');
      let value: bigint | 'unused' | 'unique';
      if (p.isWord('unused') || p.isWord('unique')) value = p.word('') as 'unused' | 'unique';
      else value = p.num('a refcount, `unused` or `unique`');
      p.trailer([]);
      return { what: 'refcount', paddr, value };
    }
  }
}

/** Parses one line; null for a blank or comment-only line. Throws SyntaxError_. */
export function parseLine(line: string): Stmt | null {
  const body = line.slice(0, commentStart(line));
  const m = /^\s*note(\s|$)/.exec(body);
  if (m) return { kind: 'note', text: body.slice(m[0].length).trim() };
  const toks = lex(line);
  if (toks.length === 0) return null;
  if (toks[0]!.t === 'word' && toks[0]!.v === 'ask') {
    const q = toks[1];
    if (!q || q.t !== 'str')
      throw new SyntaxError_(
        '`ask` takes a question in quotes: ask "what happens next?"',
        q ? q.col : body.length + 1,
      );
    if (toks.length > 2) throw new SyntaxError_('`ask` takes one quoted question', toks[2]!.col);
    return {
      kind: 'ask',
      question: new TextDecoder().decode(Uint8Array.from(q.v, (c) => c.charCodeAt(0))),
    };
  }
  const p = new P(toks, body.trimEnd().length);
  let unsafe = false;
  if (p.isWord('unsafe')) {
    unsafe = true;
    p.pos++;
    if (p.atEnd()) p.err('`unsafe` needs a command after it');
  }
  const first = p.peek()!;
  const cmd = p.word('a command');
  if (cmd === 'expect' || cmd === 'note') {
    if (unsafe) p.err(`\`unsafe\` applies to commands, not to \`${cmd}\``, first);
    return { kind: 'expect', expect: parseExpect(p) };
  }
  if (cmd === 'take_next' && !unsafe)
    p.err('`take_next` is an unsafe fn in OSTD: write `unsafe take_next …`', first);
  return { kind: 'op', op: parseOp(p, cmd, first), unsafe };
}
