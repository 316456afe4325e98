// Each invariant of shared/spec/invariants.md in plain words: what has to hold, why it matters,
// what usually breaks it, and what it corresponds to in vostd (the verified model of OSTD).

export interface Explanation {
  /** What has to hold, in one or two sentences. */
  plain: string;
  /** Why it matters / how it usually breaks. */
  why: string;
  /** The vostd counterpart, in words. */
  vostd: string;
}

export const EXPLANATIONS: Record<string, Explanation> = {
  'meta.refcount_band': {
    plain: 'Every frame’s reference count is UNUSED, UNIQUE, or an ordinary count between 1 and REF_COUNT_MAX once a command has finished.',
    why: 'The huge values just below UNIQUE are never meaningful: reaching them means a count wrapped (a drop too many on a free frame) or grew past its limit. Zero is only allowed while a frame is being built or torn down, inside one operation.',
    vostd: 'MetaSlotOwner’s invariant forbids the band between MAX and UNIQUE (MSO-4) and allows 0 only as the transient UNDER_CONSTRUCTION state.',
  },
  'meta.unused_empty': {
    plain: 'A frame whose count says UNUSED is really empty: no metadata stored in its slot, not on any list, and no page table points at it.',
    why: 'If a free frame is still mapped somewhere or still carries metadata, the next allocation hands out memory that someone else can still reach.',
    vostd: 'The UNUSED case of MetaSlotOwner::inv (MSO-1): storage and vtable uninitialised, in_list 0, paths_in_pt empty.',
  },
  'meta.unique_unmapped': {
    plain: 'A frame owned by a UniqueFrame is referenced by no page table and has exactly one owner.',
    why: 'UNIQUE promises exclusive access (so `&mut` is sound). A mapping, a second handle or a forgotten shared reference would break that promise.',
    vostd: 'The UNIQUE case of MetaSlotOwner::inv (MSO-2, paths_in_pt empty) and the embedding’s rule that unique entries are injective per address.',
  },
  'meta.slot_addr': {
    plain: 'Frame i’s metadata slot sits at FRAME_METADATA_BASE + 64·i: 64-byte aligned and inside the metadata region.',
    why: 'OSTD finds a frame’s metadata by arithmetic on its address. A slot anywhere else means two frames could share metadata, or a frame could have none.',
    vostd: 'MetaRegionOwners’ address clauses (MRO-4c/e) and MetaSlotOwner’s slot_vaddr clauses (MSO-6, MSO-7).',
  },
  'meta.usage': {
    plain: 'Page-table nodes have usage PageTable, data frames usage Frame, and neither is ever used as the other.',
    why: 'Mapping a page-table node as data lets user code rewrite translations; treating a data frame as a node lets the page-table code walk garbage.',
    vostd: 'item_slot_in_regions and metaregion_sound: items in page tables are Frame slots, nodes are PageTable slots.',
  },
  'acc.refcount_exact': {
    plain: 'For every data frame in use, the reference count equals the references that really exist: live handles + page-table mappings + segment pages covering it + forgotten references (plus references held by TLB flushers, DMA objects and query results).',
    why: 'A count too high leaks the frame forever; a count too low frees it while someone still holds it — a use after free waiting to happen. Double revival with from_raw, or a clone the count never saw, shows up here.',
    vostd: 'The embedding’s accounting invariant ACC-3: rc == H + P + cover for every in-use Frame slot.',
  },
  'acc.no_orphan': {
    plain: 'No data frame in use is held by nothing at all — not a handle, a mapping, a segment, nor even a forgotten reference.',
    why: 'An orphan can never be freed: its memory is lost. (A reference forgotten with into_raw and never revived is a leak too, but it is reported by `expect clean` and the ledger, not as a violation.)',
    vostd: 'The embedding’s ACC-2: an in-use Frame slot has a handle, a mapping or a cover.',
  },
  'acc.no_dangling': {
    plain: 'No handle, mapping or segment refers to a frame whose count is UNUSED.',
    why: 'That is exactly a use after free (or, after a second drop, a double free): the frame may already belong to someone else.',
    vostd: 'The embedding’s ACC-1: rc == UNUSED implies no handle, no mapping and no cover.',
  },
  'acc.obligations': {
    plain: 'The obligation multiset holds one entry per live frame handle, unique handle and segment page, slot by slot.',
    why: 'Each handle owes a drop. An obligation without its handle, or a handle without its obligation, means a reference was created or destroyed behind the ledger’s back.',
    vostd: 'MetaRegionOwners.frame_obligations, minted when a handle is made and redeemed when it is dropped or moved into a page table.',
  },
  'pt.node_wf': {
    plain: 'Every page-table node is a PageTable frame of the right level whose child count equals its present entries, reached from exactly one place in exactly one tree.',
    why: 'A node reachable twice, or freed while still linked, lets two walks disagree about the same address — or walk freed memory.',
    vostd: 'NodeOwner’s invariant and metaregion_sound_node (a node’s paths_in_pt is a singleton).',
  },
  'pt.leaf_wf': {
    plain: 'Every leaf maps an address aligned to its page size, at a level the architecture allows, with R set and a valid cache policy, to a frame in use that records the leaf’s position.',
    why: 'A leaf to a free frame or with broken bits is a mapping the hardware will follow anyway.',
    vostd: 'EntryOwner’s inv_base and metaregion_sound for leaf entries.',
  },
  'pt.user_range': {
    plain: 'A user space maps only user addresses: top-level indices 0..255, and nothing at or above MAX_USERSPACE_VADDR.',
    why: 'The upper half belongs to the kernel and is shared by every space; a user mapping there would be visible in all of them.',
    vostd: 'UserPtConfig’s TOP_LEVEL_INDEX_RANGE and the MAX_USERSPACE_VADDR bound.',
  },
  'pt.pa_alias': {
    plain: 'No physical page is mapped at two virtual addresses of the same space (a warning, not an error).',
    why: 'Aliases are legal in hardware but make reasoning about one address’s contents depend on another; vostd’s view is stricter than its current main.',
    vostd: 'The PA-disjointness of PageTableView (stricter than current vostd main).',
  },
  'cursor.locks_disjoint': {
    plain: 'Live cursors on one space lock subtrees that do not overlap.',
    why: 'Two cursors in the same subtree could both modify it: the lock protocol exists to stop exactly that.',
    vostd: 'The cursor locking clauses nodes_locked / children_not_locked.',
  },
  'cursor.in_range': {
    plain: 'Each cursor’s position lies within the range it locked (or exactly at its end).',
    why: 'A cursor outside its locked range would touch entries another cursor may own.',
    vostd: 'CursorOwner’s invariant (va within the barrier, its path inside the locked subtree).',
  },
  'tlb.consistent': {
    plain: 'Every TLB entry on every CPU matches a current mapping of the space active on that CPU, unless its flush is pending.',
    why: 'A stale entry lets that CPU keep using an old translation: reading an unmapped page, or writing through a permission that was taken away.',
    vostd: 'TlbModel::consistent_with_pt: the TLB’s mappings are a subset of the page table’s.',
  },
  'tlb.no_dangling': {
    plain: 'No TLB entry reaches a frame that was freed or handed to another owner.',
    why: 'This is the use after free that a missing flush causes: the CPU still translates to a frame the allocator may give to someone else. OSTD keeps unmapped frames alive in the flusher until the flush is done for this reason.',
    vostd: 'Stale-TLB safety: frames stay held by the TlbFlusher until flushed (tracked_pt_unmap).',
  },
  'vso.rw_disjoint': {
    plain: 'No reader’s range overlaps (or even touches) a writer’s range in the same space.',
    why: 'A reader could see a half-finished write; Rust’s aliasing rules for the underlying memory would be broken.',
    vostd: 'VmSpaceOwner’s invariant VSO-5, reader/writer disjointness (ranges compared inclusively).',
  },
  'vso.ww_disjoint': {
    plain: 'Writer ranges of one space are pairwise disjoint.',
    why: 'Two writers to the same bytes race: the result depends on the order they run.',
    vostd: 'VmSpaceOwner’s invariant VSO-7, writer/writer disjointness.',
  },
  'vso.rr_disjoint': {
    plain: 'Reader ranges of one space are pairwise disjoint unless the space allows shared readers (PageLab’s spaces do not).',
    why: 'Readers each carry a view of memory; disjointness keeps those views independent, as the code requires when shared_reader is off.',
    vostd: 'VmSpaceOwner’s invariant VSO-6 (readers disjoint unless shared_reader), as the code states it.',
  },
  'vso.mem_view': {
    plain: 'Each writer’s view of memory is carved out of the space’s remaining view, and every reader’s view agrees with the whole view wherever no writer owns the address.',
    why: 'A view that disagrees with memory means a reader would prove facts about bytes that are not there.',
    vostd: 'mem_view_wf of VmSpaceOwner, checked outside writer-owned addresses.',
  },
  'seg.unmapped': {
    plain: 'Pages covered by a segment are not mapped by any page table.',
    why: 'A segment is kernel-private memory; a page table mapping it would give user code access to memory the kernel treats as its own.',
    vostd: 'Segment’s relate_regions: every covered page has an empty paths_in_pt.',
  },
  'dma.no_double_map': {
    plain: 'Each physical page is in at most one live DMA mapping.',
    why: 'Two DMA objects over one page would let two devices (or two directions) fight over it, and dropping one would unmap the other.',
    vostd: 'The DMA mapping set: map inserts, drop removes, and a page already present is refused.',
  },
  'dma.held': {
    plain: 'Every DMA-mapped page is held by its DMA object (in use, covered), and with the IOMMU on its device address translates to it.',
    why: 'A device writing to a page nobody holds corrupts memory the allocator may have reused.',
    vostd: 'The inner invariants of DmaStream and DmaCoherent.',
  },
  'dma.stale_read': {
    plain: 'The CPU did not read non-coherent, device-to-CPU data that the device wrote after the last `sync … from_device` (a warning that stays until that buffer is synced from the device or dropped).',
    why: 'Without the sync, the CPU reads what its cache holds, not what the device wrote: stale data.',
    vostd: 'The cache-sync discipline of DmaStream (beyond what vostd verifies).',
  },
};
