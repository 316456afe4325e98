// Stmt → canonical text. parse(print(s)) equals s for every statement the parser produces.
import type { AddrRef, DataLit, Op, RangeRef } from '../engine';
import type { Expect, Stmt } from './ast';

export function num(n: bigint): string {
  return n >= 4096n ? '0x' + n.toString(16) : n.toString();
}

function addr(a: AddrRef): string {
  return 'name' in a ? a.name : num(a.num);
}

function range(r: RangeRef): string {
  return r.end !== undefined
    ? `${addr(r.start)}..${num(r.end)}`
    : `${addr(r.start)}+${num(r.len ?? 0n)}`;
}

function str(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const c = s.charCodeAt(i);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c >= 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

export function data(d: DataLit): string {
  switch (d.kind) {
    case 'str':
      return str(d.text);
    case 'hex':
      return `x"${d.bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ')}"`;
    case 'zeros':
      return `zeros ${num(d.len)}`;
    case 'fill':
      return `fill ${num(d.byte)} ${num(d.len)}`;
  }
}

function opt(k: string, v: string | bigint | undefined): string {
  if (v === undefined) return '';
  return ` ${k}=${typeof v === 'bigint' ? num(v) : v}`;
}

function as(n?: string): string {
  return n === undefined ? '' : ` as ${n}`;
}

function printOp(o: Op): string {
  switch (o.op) {
    case 'machine': {
      const c = o.config;
      return (
        'machine' +
        opt('arch', c.arch) +
        opt('mem', c.mem) +
        opt('cpus', c.cpus) +
        opt('tlb', c.tlb) +
        opt('iommu', c.iommu === undefined ? undefined : c.iommu ? 'on' : 'off') +
        opt('seed', c.seed)
      );
    }
    case 'reset':
    case 'deactivate':
    case 'check':
      return o.op;
    case 'cpu':
      return `cpu ${o.cpu}`;
    case 'alloc':
      if (o.unique) return `alloc unique${as(o.as)}`;
      return `alloc${o.count !== undefined ? ' ' + num(o.count) : ''}${o.zeroed ? ' zeroed' : ''}${as(o.as)}`;
    case 'frame':
      return `frame ${addr(o.paddr)}${as(o.as)}`;
    case 'clone':
    case 'next':
    case 'share':
    case 'unique':
      return `${o.op} ${o.handle}${as(o.as)}`;
    case 'drop':
    case 'into_raw':
      return `${o.op} ${o.handle}`;
    case 'from_raw':
      return `from_raw ${'start' in o.target ? range(o.target) : addr(o.target)}${as(o.as)}`;
    case 'split':
      return `split ${o.handle} ${num(o.offset)}${o.as ? ` as ${o.as[0]} ${o.as[1]}` : ''}`;
    case 'slice':
      return `slice ${o.handle} ${range(o.range)}${as(o.as)}`;
    case 'vmspace':
      return `vmspace${as(o.as)}`;
    case 'activate':
      return `activate ${o.vs}`;
    case 'cursor':
      return `${o.mut ? 'cursor_mut' : 'cursor'} ${o.vs} ${range(o.range)}${as(o.as)}`;
    case 'query':
      return `query ${o.cursor}${as(o.as)}`;
    case 'find_next':
    case 'unmap':
      return `${o.op} ${o.cursor} ${num(o.len)}`;
    case 'jump':
      return `jump ${o.cursor} ${num(o.va)}`;
    case 'va':
    case 'flush':
      return `${o.op} ${o.cursor}`;
    case 'map':
      return `map ${o.cursor} ${o.handle}${opt('prop', o.prop)}${opt('cache', o.cache)}`;
    case 'map_at':
      return `map ${o.vs} ${num(o.va)} ${o.handle}${opt('prop', o.prop)}${opt('cache', o.cache)}`;
    case 'unmap_range':
      return `unmap ${o.vs} ${range(o.range)}`;
    case 'protect_next':
      return `protect_next ${o.cursor} ${num(o.len)} prop=${o.prop}`;
    case 'protect':
      return `protect ${o.vs} ${range(o.range)} prop=${o.prop}`;
    case 'take_next':
      return `take_next ${o.cursor} ${num(o.len)}${as(o.as)}`;
    case 'mmap':
      return `mmap ${o.vs} ${range(o.range)}${opt('prop', o.prop)}`;
    case 'read':
      return `read ${num(o.va)} ${num(o.len)}`;
    case 'write':
      return `write ${num(o.va)} ${data(o.data)}`;
    case 'translate':
      return `translate ${o.vs} ${num(o.va)}`;
    case 'tlb':
      return `tlb${opt('cpu', o.cpu)}`;
    case 'tlb_flush':
      return `tlb flush ${o.target === 'all' ? 'all' : typeof o.target === 'bigint' ? num(o.target) : range(o.target)}${opt('cpu', o.cpu)}`;
    case 'reader':
    case 'writer':
      return `${o.op} ${o.vs} ${num(o.va)} ${num(o.len)}${as(o.as)}`;
    case 'kreader':
      return `reader ${o.handle}${as(o.as)}`;
    case 'kwriter':
      return `writer ${o.handle}${as(o.as)}`;
    case 'io_read':
      return `read ${o.reader}${o.len !== undefined ? ' ' + num(o.len) : ''}`;
    case 'io_write':
      return `write ${o.writer} ${data(o.data)}`;
    case 'copy':
      return `copy ${o.reader} ${o.writer}`;
    case 'skip':
    case 'limit':
      return `${o.op} ${o.handle} ${num(o.len)}`;
    case 'dma':
      return `dma ${o.kind} ${o.handle}${opt('dir', o.dir)}${opt('coherent', o.coherent === undefined ? undefined : o.coherent ? 'yes' : 'no')}${as(o.as)}`;
    case 'sync':
      return `sync ${o.dma} ${o.dir}${o.range ? ' ' + range(o.range) : ''}`;
    case 'device_read':
      return `device read ${o.dma} ${num(o.offset)} ${num(o.len)}`;
    case 'device_write':
      return `device write ${o.dma} ${num(o.offset)} ${data(o.data)}`;
    case 'show':
      if (o.what === 'frame') return `show frame ${addr(o.paddr)}`;
      if (o.what === 'frames') return `show frames${o.range ? ' ' + range(o.range) : ''}`;
      if (o.what === 'pt') return `show pt ${o.vs}${o.range ? ' ' + range(o.range) : ''}`;
      return `show ${o.what}`;
  }
}

function printExpect(e: Expect): string {
  switch (e.what) {
    case 'ok':
    case 'clean':
      return `expect ${e.what}`;
    case 'error':
      return `expect error${e.code ? ' ' + e.code : ''}${e.clause !== undefined ? `(${e.clause})` : ''}`;
    case 'data':
      return `expect data ${data(e.data)}`;
    case 'violation':
      return `expect violation ${e.id}`;
    case 'no_violation':
      return `expect no violation${e.id ? ' ' + e.id : ''}`;
    case 'translate':
      return `expect translate ${e.vs} ${num(e.va)} ${e.target === 'fault' ? 'fault' : addr(e.target)}`;
    case 'refcount':
      return `expect refcount ${addr(e.paddr)} ${typeof e.value === 'bigint' ? num(e.value) : e.value}`;
  }
}

export function print(s: Stmt): string {
  if (s.kind === 'note') return s.text ? `note ${s.text}` : 'note';
  if (s.kind === 'ask')
    return `ask ${str(Array.from(new TextEncoder().encode(s.question), (b) => String.fromCharCode(b)).join(''))}`;
  if (s.kind === 'expect') return printExpect(s.expect);
  return (s.unsafe ? 'unsafe ' : '') + printOp(s.op);
}
