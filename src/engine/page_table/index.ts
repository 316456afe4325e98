/**
 * The OSTD page table in simulated memory. Nodes are frames (usage PageTable) holding 512 real
 * x86-64 PTEs; a walk reads the bits back (the MMU oracle). Cursors lock the lowest node covering
 * their range and map, unmap (take_next), protect and query within it, as ostd's
 * `page_table::cursor` does. User spaces hold only 4 KiB leaves; the kernel's linear map holds
 * 2 MiB leaves and is shared by every VmSpace through its top-level entries 256..511 (borrowed).
 */
export {
  walk,
  indexAt,
  entryPages,
  pteLo,
  pteHi,
  setPte,
  allocNode,
  freeNode,
  childOrCreate,
  type Walk,
} from './node';
export * as cursor from './cursor';
