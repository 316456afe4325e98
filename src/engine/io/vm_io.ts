import { hex, type Core } from '../core';
import { fail, SimError } from '../errors';
import { bind, chooseName, describeHandle, lookup, retire } from '../handles';
import { nextEntry } from '../page_table/cursor';
import { ptePaddr } from '../arch';
import type { IoHandle } from '../state';
import { access, bytesText } from '../vm_space';
import { requires } from '../frame/ops';
import { cpuBytesRead } from '../dma';

const PAGE = 4096;
const MAX_USER_END = 2 ** 47 - PAGE;
const MAX_IO = 1 << 20;

/** vostd's overlaps_with_range: inclusive on both ends, so touching ranges overlap. */
export function overlapsInclusive(a: [number, number], b: [number, number]): boolean {
  return a[0] <= b[1] && b[0] <= a[1];
}

/** The pages of an owner's view still ahead of its cursor (vostd's `advance` splits the rest off). */
export function liveView(h: IoHandle): [number, number][] {
  if (h.end <= h.cursor) return [];
  const first = Math.floor(h.cursor / PAGE);
  const last = Math.ceil(h.end / PAGE);
  return h.view.filter(([vpn]) => vpn >= first && vpn < last);
}

function userOwners(core: Core, vs: string, kind: 'reader' | 'writer'): IoHandle[] {
  return [...core.ghost.handles.values()].filter(
    (h): h is IoHandle => h.kind === kind && h.vs === vs && h.end > h.cursor,
  );
}

export function newUserIo(
  core: Core,
  kind: 'reader' | 'writer',
  vsName: string,
  va: bigint,
  len: bigint,
  as?: string,
): string {
  const vs = lookup(core, vsName, ['vmspace']);
  const name = chooseName(core, kind, as);
  // can_create_reader/writer are preconditions of VmSpace::reader/writer (vostd's earlier
  // reader_requires/writer_requires): they hold or not before the body's AccessDenied checks.
  // A reader overlapping a reader is refused by dispose_reader, which runs after it returned.
  // (A range past user space overlaps no owner, so the numbers need not be exact there.)
  const start = Number(va);
  const end = start + Number(len);
  const me: [number, number] = [start, end];
  const overlapping = (k: 'reader' | 'writer'): IoHandle[] =>
    end > start
      ? userOwners(core, vs.name, k).filter((o) => overlapsInclusive(me, [o.cursor, o.end]))
      : [];
  const writers = overlapping('writer');
  const readers = overlapping('reader');
  requires(
    core,
    writers.length === 0,
    kind === 'reader' ? 'can_create_reader' : 'can_create_writer',
    `${hex(start)}..${hex(end)} overlaps (or touches) writer ${writers.map((w) => w.name).join(', ')} of ${vs.name}`,
  );
  if (kind === 'writer')
    requires(
      core,
      readers.length === 0,
      'can_create_writer',
      `${hex(start)}..${hex(end)} overlaps (or touches) reader ${readers.map((r) => r.name).join(', ')} of ${vs.name}`,
    );
  const cpu = core.ghost.cpu;
  if (core.ghost.active[cpu] !== vs.name)
    fail(
      'AccessDenied',
      `${vs.name} is not active on cpu ${cpu}: VmSpace::${kind} needs the current page table to be its own`,
    );
  if (va + len > BigInt(MAX_USER_END))
    fail(
      'AccessDenied',
      `${hex(va)}+${hex(len)} reaches past MAX_USERSPACE_VADDR (0x7fff_ffff_f000)`,
    );
  if (kind === 'reader')
    requires(
      core,
      readers.length === 0,
      'dispose_reader.disjoint',
      `${hex(start)}..${hex(end)} overlaps (or touches) reader ${readers.map((r) => r.name).join(', ')}, and ${vs.name} does not allow shared readers`,
    );
  // The view: the mappings of the range, as they are now.
  const view: [number, number][] = [];
  const endPage = Math.ceil(end / PAGE);
  for (let p = Math.floor(start / PAGE); p < endPage;) {
    const f = nextEntry(core.mem, vs.root, p, endPage, 4, false);
    if (!f || f.kind !== 'leaf') break;
    view.push([f.vpn, ptePaddr(f.lo, f.hi) / PAGE]);
    p = f.vpn + 1;
  }
  const id = core.ghost.nextIoId++;
  const h: IoHandle = {
    kind,
    name,
    id,
    vs: vs.name,
    target: null,
    fallible: true,
    cursor: start,
    end,
    start,
    view,
    site: core.site,
  };
  return describeHandle(bind(core, h));
}

export function newKernelIo(
  core: Core,
  kind: 'reader' | 'writer',
  target: string,
  as?: string,
): string {
  const t = lookup(core, target, ['frame', 'segment', 'unique', 'dma']);
  const name = chooseName(core, kind, as);
  if (t.kind === 'dma' && t.stream) {
    if (kind === 'reader' && t.dir === 'to_device')
      fail(
        'AccessDenied',
        `${t.name} is a ToDevice stream: the CPU may not read it (reader() is AccessDenied)`,
      );
    if (kind === 'writer' && t.dir === 'from_device')
      fail(
        'AccessDenied',
        `${t.name} is a FromDevice stream: the CPU may not write it (writer() is AccessDenied)`,
      );
  }
  const first = t.kind === 'frame' || t.kind === 'unique' ? t.pfn : t.start;
  const last = t.kind === 'frame' || t.kind === 'unique' ? t.pfn + 1 : t.end;
  const id = core.ghost.nextIoId++;
  const h: IoHandle = {
    kind,
    name,
    id,
    vs: null,
    target: t.name,
    fallible: false,
    cursor: first * PAGE,
    end: last * PAGE,
    start: first * PAGE,
    view: [],
    site: core.site,
  };
  const text = describeHandle(bind(core, h));
  return t.kind === 'dma'
    ? `${text} (each access takes ${t.name}'s read guard for that command)`
    : text;
}

function setIo(core: Core, h: IoHandle, cursor: number): void {
  h.cursor = cursor;
  core.ghost.handles.set(h.name, h);
}

/** Bytes from a reader's source; a user fault stops early (returns what was read and the fault). */
function readFrom(
  core: Core,
  r: IoHandle,
  n: number,
): { bytes: Uint8Array; fault: SimError | null } {
  const out = new Uint8Array(n);
  if (!r.fallible) {
    out.set(core.mem.readBytes(r.cursor, n));
    cpuBytesRead(core, r.cursor, n);
    return { bytes: out, fault: null };
  }
  let done = 0;
  while (done < n) {
    const va = r.cursor + done;
    const off = va % PAGE;
    let pfn: number;
    try {
      pfn = access(core, Math.floor(va / PAGE), false, va).pfn;
    } catch (e) {
      if (e instanceof SimError && e.code === 'PageFault')
        return { bytes: out.subarray(0, done), fault: e };
      throw e;
    }
    const k = Math.min(n - done, PAGE - off);
    out.set(core.mem.readBytes(pfn * PAGE + off, k), done);
    cpuBytesRead(core, pfn * PAGE + off, k);
    done += k;
  }
  return { bytes: out, fault: null };
}

/** Writes bytes at a writer's cursor; returns how many went before a user fault (and the fault). */
function writeTo(
  core: Core,
  w: IoHandle,
  data: Uint8Array,
): { done: number; fault: SimError | null } {
  if (!w.fallible) {
    core.mem.writeBytes(w.cursor, data);
    return { done: data.length, fault: null };
  }
  let done = 0;
  while (done < data.length) {
    const va = w.cursor + done;
    const off = va % PAGE;
    let pfn: number;
    try {
      pfn = access(core, Math.floor(va / PAGE), true, va).pfn;
    } catch (e) {
      if (e instanceof SimError && e.code === 'PageFault') return { done, fault: e };
      throw e;
    }
    const k = Math.min(data.length - done, PAGE - off);
    core.mem.writeBytes(pfn * PAGE + off, data.subarray(done, done + k));
    done += k;
  }
  return { done, fault: null };
}

function faulted(what: string, n: number, total: number, fault: SimError): never {
  throw new SimError(
    'PageFault',
    `${what} stopped after ${n} of ${total} bytes: ${fault.message}`,
    undefined,
    true,
  );
}

export function ioRead(core: Core, name: string, len?: bigint): string {
  const r = lookup(core, name, ['reader']);
  const remain = r.end - r.cursor;
  const want = len === undefined ? remain : Number(len > BigInt(remain) ? BigInt(remain) : len);
  if (want > MAX_IO)
    fail('InvalidArgs', `at most ${MAX_IO} bytes at a time (${name} has ${remain} left)`);
  const { bytes, fault } = readFrom(core, r, want);
  setIo(core, r, r.cursor + bytes.length);
  core.data = bytes;
  if (fault) faulted(`read ${name}`, bytes.length, want, fault);
  return `${bytes.length} byte${bytes.length === 1 ? '' : 's'}: ${bytesText(bytes)} (${r.end - r.cursor} left)`;
}

/** `data` is called once the writer is known: a bad name is reported before an oversized literal. */
export function ioWrite(core: Core, name: string, bytes: () => Uint8Array): string {
  const w = lookup(core, name, ['writer']);
  const data = bytes();
  const avail = w.end - w.cursor;
  const n = Math.min(avail, data.length);
  const { done, fault } = writeTo(core, w, data.subarray(0, n));
  setIo(core, w, w.cursor + done);
  if (fault) faulted(`write ${name}`, done, n, fault);
  return `wrote ${done} of ${data.length} byte${data.length === 1 ? '' : 's'} (${w.end - w.cursor} left)`;
}

/** reader.read(writer): min(remain, avail) bytes; both advance by what was copied. */
export function copy(core: Core, rname: string, wname: string): string {
  const r = lookup(core, rname, ['reader']);
  const w = lookup(core, wname, ['writer']);
  const n = Math.min(r.end - r.cursor, w.end - w.cursor);
  // In pieces of at most MAX_IO bytes: any length copies, in memory bounded by the piece.
  let done = 0;
  while (done < n) {
    const piece = Math.min(n - done, MAX_IO);
    const got = readFrom(core, r, piece);
    const put = writeTo(core, w, got.bytes);
    setIo(core, r, r.cursor + put.done);
    setIo(core, w, w.cursor + put.done);
    done += put.done;
    const fault = put.fault ?? got.fault;
    if (fault) faulted(`copy ${rname} ${wname}`, done, n, fault);
  }
  return `copied ${n} byte${n === 1 ? '' : 's'} from ${rname} to ${wname}`;
}

export function skip(core: Core, name: string, len: bigint): string {
  const h = lookup(core, name, ['reader', 'writer']);
  const left = h.end - h.cursor;
  if (len > BigInt(left))
    fail(
      'Panic',
      `skip ${len} on ${name}, which has only ${left} bytes left`,
      'skip panic: n > remain',
    );
  setIo(core, h, h.cursor + Number(len));
  return `${name} skipped ${bytes(Number(len))} (${h.end - h.cursor} left)`;
}

export function limit(core: Core, name: string, len: bigint): string {
  const h = lookup(core, name, ['reader', 'writer']);
  const to = BigInt(h.cursor) + len;
  if (to < BigInt(h.end)) {
    h.end = Number(to);
    core.ghost.handles.set(h.name, h);
  }
  return `${name} has ${bytes(h.end - h.cursor)} left`;
}

function bytes(n: number): string {
  return `${n} byte${n === 1 ? '' : 's'}`;
}

export function dropIo(core: Core, h: IoHandle): string {
  retire(core, h, 'dropped');
  return `dropped ${h.name}`;
}
