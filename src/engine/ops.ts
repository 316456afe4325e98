// The operations the Machine executes: vostd's embedding `Op` ADT, as the command language
// spells it. 64-bit quantities arrive as `bigint` (the language edge) and the Machine turns them
// into page numbers once, at entry.

/** A physical address: a number, or the name of a frame/segment/unique handle (live or gone). */
export type AddrRef = { num: bigint } | { name: string };

/** START..END or START+LEN; START may be a handle name when a physical address is expected. */
export interface RangeRef {
  start: AddrRef;
  end?: bigint;
  len?: bigint;
}

export type MachineConfig = {
  arch?: string;
  mem?: bigint;
  cpus?: bigint;
  tlb?: bigint;
  iommu?: boolean;
  seed?: bigint;
};

export type Op =
  | { op: 'machine'; config: MachineConfig }
  | { op: 'reset' }
  | { op: 'cpu'; cpu: bigint }
  | { op: 'alloc'; count?: bigint; zeroed: boolean; unique: boolean; as?: string }
  | { op: 'frame'; paddr: AddrRef; as?: string }
  | { op: 'clone'; handle: string; as?: string }
  | { op: 'drop'; handle: string }
  | { op: 'into_raw'; handle: string }
  | { op: 'from_raw'; target: AddrRef | RangeRef; as?: string }
  | { op: 'split'; handle: string; offset: bigint; as?: [string, string] }
  | { op: 'slice'; handle: string; range: RangeRef; as?: string }
  | { op: 'next'; handle: string; as?: string }
  | { op: 'share'; handle: string; as?: string }
  | { op: 'unique'; handle: string; as?: string }
  // VM spaces, cursors, TLB and CPU access (page_table/, tlb.ts, vm_space.ts)
  | { op: 'vmspace'; as?: string }
  | { op: 'activate'; vs: string }
  | { op: 'deactivate' }
  | { op: 'cursor'; vs: string; range: RangeRef; mut: boolean; as?: string }
  | { op: 'query'; cursor: string; as?: string }
  | { op: 'find_next'; cursor: string; len: bigint }
  | { op: 'jump'; cursor: string; va: bigint }
  | { op: 'va'; cursor: string }
  | { op: 'map'; cursor: string; handle: string; prop?: string; cache?: string }
  | { op: 'map_at'; vs: string; va: bigint; handle: string; prop?: string; cache?: string }
  | { op: 'unmap'; cursor: string; len: bigint }
  | { op: 'unmap_range'; vs: string; range: RangeRef }
  | { op: 'protect_next'; cursor: string; len: bigint; prop: string }
  | { op: 'protect'; vs: string; range: RangeRef; prop: string }
  | { op: 'flush'; cursor: string }
  | { op: 'take_next'; cursor: string; len: bigint; as?: string }
  | { op: 'mmap'; vs: string; range: RangeRef; prop?: string }
  | { op: 'read'; va: bigint; len: bigint }
  | { op: 'write'; va: bigint; data: DataLit }
  | { op: 'translate'; vs: string; va: bigint }
  | { op: 'tlb'; cpu?: bigint }
  | { op: 'tlb_flush'; target: 'all' | RangeRef | bigint; cpu?: bigint }
  // VM I/O and DMA (io/, dma/)
  | { op: 'reader'; vs: string; va: bigint; len: bigint; as?: string }
  | { op: 'writer'; vs: string; va: bigint; len: bigint; as?: string }
  | { op: 'kreader'; handle: string; as?: string }
  | { op: 'kwriter'; handle: string; as?: string }
  | { op: 'io_read'; reader: string; len?: bigint }
  | { op: 'io_write'; writer: string; data: DataLit }
  | { op: 'copy'; reader: string; writer: string }
  | { op: 'skip'; handle: string; len: bigint }
  | { op: 'limit'; handle: string; len: bigint }
  | {
      op: 'dma';
      kind: 'coherent' | 'stream';
      handle: string;
      dir?: DmaDir;
      coherent?: boolean;
      as?: string;
    }
  | { op: 'sync'; dma: string; dir: 'to_device' | 'from_device'; range?: RangeRef }
  | { op: 'device_read'; dma: string; offset: bigint; len: bigint }
  | { op: 'device_write'; dma: string; offset: bigint; data: DataLit }
  // inspection
  | { op: 'show'; what: 'frame'; paddr: AddrRef }
  | { op: 'show'; what: 'frames'; range?: RangeRef }
  | { op: 'show'; what: 'pt'; vs: string; range?: RangeRef }
  | { op: 'show'; what: 'ledger' | 'handles' | 'tlb' | 'dma' }
  | { op: 'check' };

export type DmaDir = 'to_device' | 'from_device' | 'both';

/** Byte data as written: "text", x"de ad", zeros N, fill BYTE N. */
export type DataLit =
  /** `text` is a byte string: one char per byte (the UTF-8 of what was typed, \xNN raw bytes). */
  | { kind: 'str'; text: string }
  | { kind: 'hex'; bytes: number[] }
  | { kind: 'zeros'; len: bigint }
  | { kind: 'fill'; byte: bigint; len: bigint };

/** How many bytes a data literal stands for, without materialising them. */
export function dataLength(d: DataLit): bigint {
  switch (d.kind) {
    case 'str':
      return BigInt(d.text.length);
    case 'hex':
      return BigInt(d.bytes.length);
    case 'zeros':
    case 'fill':
      return d.len;
  }
}

/** The bytes a data literal stands for (the caller bounds `len` first). */
export function dataBytes(d: DataLit): Uint8Array {
  switch (d.kind) {
    case 'str':
      return Uint8Array.from(d.text, (c) => c.charCodeAt(0) & 0xff);
    case 'hex':
      return Uint8Array.from(d.bytes);
    case 'zeros':
      return new Uint8Array(Number(d.len));
    case 'fill':
      return new Uint8Array(Number(d.len)).fill(Number(d.byte));
  }
}

export type OpName = Op['op'];

export function isRange(t: AddrRef | RangeRef): t is RangeRef {
  return 'start' in t;
}
