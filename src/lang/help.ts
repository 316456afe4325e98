// `help` and `help CMD`, in the browser's terminal and in `pagelab repl`: a short table written
// from shared/spec/commands.md's command list (usage as the spec writes it, one line of meaning).
// Each terminal adds its own keys (helpText's `keys`).

export interface HelpEntry {
  name: string;
  group: string;
  usage: string;
  summary: string;
}

export const HELP: readonly HelpEntry[] = [
  // Machine
  {
    name: 'machine',
    group: 'Machine',
    usage: 'machine [arch=x86_64] [mem=SIZE] [cpus=N] [tlb=N] [iommu=on|off] [seed=N]',
    summary:
      'A fresh machine (first command, or right after reset). Defaults: mem=64M cpus=2 iommu=off.',
  },
  {
    name: 'reset',
    group: 'Machine',
    usage: 'reset',
    summary: 'Reboot: everything is gone; `machine` may follow.',
  },
  {
    name: 'cpu',
    group: 'Machine',
    usage: 'cpu N',
    summary: 'Later commands run on CPU N (default 0).',
  },
  // Frames
  {
    name: 'alloc',
    group: 'Frames',
    usage: 'alloc [N] [zeroed] [as NAME] · alloc unique [as NAME]',
    summary:
      'N=1: a UFrame; N>1: a Segment of N contiguous frames; unique: a UniqueFrame. Lowest-address fit.',
  },
  {
    name: 'frame',
    group: 'Frames',
    usage: 'frame PADDR [as NAME]',
    summary: 'Frame::from_in_use (errors Unused, Unique, Busy).',
  },
  {
    name: 'clone',
    group: 'Frames',
    usage: 'clone H [as NAME]',
    summary: 'Another reference to the same frame or segment.',
  },
  {
    name: 'drop',
    group: 'Frames',
    usage: 'drop H',
    summary: 'Drop any handle (frame, segment, VM space, cursor, reader, writer, DMA object).',
  },
  {
    name: 'into_raw',
    group: 'Frames',
    usage: 'into_raw H',
    summary: 'Forget the handle, keep its reference; prints the address. The name still names it.',
  },
  {
    name: 'from_raw',
    group: 'Frames',
    usage: 'from_raw PADDR|RANGE [as NAME]',
    summary: 'Revive a reference that into_raw forgot (`from_raw f1 as f2`).',
  },
  {
    name: 'split',
    group: 'Frames',
    usage: 'split S OFF [as A B]',
    summary: 'Split segment S at byte offset OFF.',
  },
  {
    name: 'slice',
    group: 'Frames',
    usage: 'slice S RANGE [as NAME]',
    summary: 'A sub-segment of S (byte range within S).',
  },
  {
    name: 'next',
    group: 'Frames',
    usage: 'next S [as NAME]',
    summary: "Take the segment's first frame.",
  },
  {
    name: 'share',
    group: 'Frames',
    usage: 'share U [as NAME]',
    summary: 'Frame::from_unique: a UniqueFrame becomes a shared frame.',
  },
  {
    name: 'unique',
    group: 'Frames',
    usage: 'unique F [as NAME]',
    summary: 'try_from_shared: a frame with no other reference becomes unique.',
  },
  // VM spaces and cursors
  {
    name: 'vmspace',
    group: 'VM spaces',
    usage: 'vmspace [as NAME]',
    summary: 'A new VmSpace (its own root page-table node).',
  },
  {
    name: 'activate',
    group: 'VM spaces',
    usage: 'activate VS',
    summary: 'Load VS on the current CPU (flushes its non-global TLB entries, as CR3 does).',
  },
  {
    name: 'deactivate',
    group: 'VM spaces',
    usage: 'deactivate',
    summary: 'The current CPU goes back to the kernel page table.',
  },
  {
    name: 'cursor',
    group: 'VM spaces',
    usage: 'cursor VS RANGE [as NAME]',
    summary: 'A read-only Cursor over a virtual range (locks its subtree).',
  },
  {
    name: 'cursor_mut',
    group: 'VM spaces',
    usage: 'cursor_mut VS RANGE [as NAME]',
    summary: 'A CursorMut; an overlapping live cursor gives WouldBlock.',
  },
  {
    name: 'query',
    group: 'VM spaces',
    usage: 'query C [as NAME]',
    summary: 'What is mapped at the cursor (a present item is a clone).',
  },
  {
    name: 'find_next',
    group: 'VM spaces',
    usage: 'find_next C LEN',
    summary: 'Move to the next mapped page within LEN.',
  },
  { name: 'jump', group: 'VM spaces', usage: 'jump C VA', summary: 'Move the cursor to VA.' },
  { name: 'va', group: 'VM spaces', usage: 'va C', summary: "The cursor's virtual address." },
  {
    name: 'map',
    group: 'VM spaces',
    usage: 'map C H [prop=FLAGS] [cache=wb|wt|uc] · map VS VA H …',
    summary:
      'Map frame H (consumed) at the cursor (or at VA); FLAGS from r w x, R required, default rw.',
  },
  {
    name: 'unmap',
    group: 'VM spaces',
    usage: 'unmap C LEN · unmap VS RANGE',
    summary: 'Unmap and flush; prints the count.',
  },
  {
    name: 'protect_next',
    group: 'VM spaces',
    usage: 'protect_next C LEN prop=FLAGS',
    summary: 'Change permissions of the next mapping (no flush, as OSTD).',
  },
  {
    name: 'protect',
    group: 'VM spaces',
    usage: 'protect VS RANGE prop=FLAGS',
    summary: 'Short form: change permissions over a range, then flush.',
  },
  {
    name: 'flush',
    group: 'VM spaces',
    usage: 'flush C',
    summary: "Flush the cursor's range on every CPU where the space is active.",
  },
  {
    name: 'take_next',
    group: 'VM spaces',
    usage: 'unsafe take_next C LEN [as NAME]',
    summary:
      'Raw take_next: clears the next mapping, returns its frame, no flush (use-after-free lessons).',
  },
  {
    name: 'mmap',
    group: 'VM spaces',
    usage: 'mmap VS RANGE [prop=FLAGS]',
    summary: 'Allocate and map every page of RANGE.',
  },
  // CPU access and TLB
  {
    name: 'read',
    group: 'CPU and TLB',
    usage: 'read VA LEN · read R [N]',
    summary: 'A user-mode read by the current CPU (TLB, walk, PageFault); with a reader: VM I/O.',
  },
  {
    name: 'write',
    group: 'CPU and TLB',
    usage: 'write VA DATA · write W DATA',
    summary:
      'A user-mode write (sets DIRTY); with a writer: VM I/O. DATA: "text", x"de ad", zeros N, fill B N.',
  },
  {
    name: 'translate',
    group: 'CPU and TLB',
    usage: 'translate VS VA',
    summary: 'The page-table answer, without touching any TLB.',
  },
  {
    name: 'tlb',
    group: 'CPU and TLB',
    usage: 'tlb [cpu=N] · tlb flush all|VA|RANGE [cpu=N]',
    summary: "Show a CPU's TLB, or flush it in hardware.",
  },
  // VM I/O
  {
    name: 'reader',
    group: 'VM I/O',
    usage: 'reader VS VA LEN [as NAME] · reader H',
    summary:
      'VmSpace::reader (VS active on this CPU), or a kernel reader over a frame, segment or DMA object.',
  },
  {
    name: 'writer',
    group: 'VM I/O',
    usage: 'writer VS VA LEN [as NAME] · writer H',
    summary: 'VmSpace::writer, or a kernel writer.',
  },
  {
    name: 'copy',
    group: 'VM I/O',
    usage: 'copy R W',
    summary: 'Copy from a reader to a writer (a fault keeps the bytes copied so far).',
  },
  {
    name: 'skip',
    group: 'VM I/O',
    usage: 'skip R N',
    summary: 'Advance a reader or writer by N bytes.',
  },
  {
    name: 'limit',
    group: 'VM I/O',
    usage: 'limit R N',
    summary: 'Limit a reader or writer to N remaining bytes.',
  },
  // DMA
  {
    name: 'dma',
    group: 'DMA',
    usage:
      'dma coherent S [coherent=yes|no] [as NAME] · dma stream S dir=to_device|from_device|both [coherent=yes|no] [as NAME]',
    summary: 'Map a segment or frame (consumed) for a device.',
  },
  {
    name: 'sync',
    group: 'DMA',
    usage: 'sync D to_device|from_device [RANGE]',
    summary: 'Synchronise a non-coherent buffer in one direction.',
  },
  {
    name: 'device',
    group: 'DMA',
    usage: 'device read D OFF LEN · device write D OFF DATA',
    summary: 'The simulated device, by device address.',
  },
  // Inspection and assertions
  {
    name: 'show',
    group: 'Inspection',
    usage: 'show pt VS [RANGE] | frame PADDR | frames [RANGE] | tlb | ledger | dma | handles',
    summary: 'Print a part of the machine.',
  },
  {
    name: 'check',
    group: 'Inspection',
    usage: 'check',
    summary: 'Run every invariant and list the results.',
  },
  {
    name: 'expect',
    group: 'Inspection',
    usage:
      'expect ok | error [CODE[(clause)]] | data DATA | violation ID | no violation [ID] | clean | translate VS VA PADDR|fault | refcount PADDR N|unused|unique',
    summary: 'Assert something about the previous command or the machine now.',
  },
  {
    name: 'note',
    group: 'Inspection',
    usage: 'note TEXT',
    summary: 'Narration, shown at that step.',
  },
  {
    name: 'ask',
    group: 'Inspection',
    usage: 'ask "QUESTION"',
    summary: 'A lesson asks you to predict what the next command does.',
  },
  {
    name: 'unsafe',
    group: 'Inspection',
    usage: 'unsafe COMMAND',
    summary: 'Run the raw operation even if its precondition fails, to watch invariants break.',
  },
  {
    name: 'help',
    group: 'Terminal',
    usage: 'help [COMMAND]',
    summary: 'This list, or one command.',
  },
];

/**
 * The `help` text: one line a command, grouped; or one command's usage. `keys` (the terminal's
 * own keys, one line) follows the list and `help help`.
 */
export function helpText(cmd?: string, keys?: string): string[] {
  if (cmd) {
    const e = HELP.find((h) => h.name === cmd);
    if (!e) return [`no command \`${cmd}\`; \`help\` lists them all`];
    return cmd === 'help' && keys
      ? [e.usage, `  ${e.summary} ${keys}`]
      : [e.usage, `  ${e.summary}`];
  }
  const out: string[] = [];
  let group = '';
  for (const h of HELP) {
    if (h.group !== group) {
      group = h.group;
      out.push(`${group}:`);
    }
    out.push(`  ${h.name.padEnd(13)}${h.summary}`);
  }
  out.push(
    '`help CMD` shows how to write one. Numbers: 4096, 0x1000, 4K, 2M; ranges START..END or START+LEN.',
  );
  if (keys) out.push(keys);
  return out;
}

/** `help` or `help CMD` typed at a prompt (not a command of the language: scripts never hold it). */
export function helpRequest(line: string): { cmd?: string } | null {
  const m = /^\s*help(?:\s+(\S+))?\s*$/.exec(line);
  return m ? (m[1] ? { cmd: m[1] } : {}) : null;
}
