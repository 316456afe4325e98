/**
 * Simulated physical memory over SharedArrayBuffers. Two regions:
 * - the metadata region: one 64-byte slot (16×u32) per frame, for every frame of the machine
 *   (at most MAX_PADDR / 4 KiB = 524,288 slots = 32 MiB);
 * - frame contents, stored only for frames that were ever written: a pool of 4 KiB pages in
 *   1 MiB SAB chunks, found through `pageSlot[pfn]` (-1 = never written, reads as zeros).
 * So a 2 GiB machine costs memory in proportion to what it uses. Every write goes through this
 * class and is journaled (array, index, old value), which gives atomic commands (roll back on
 * error) and the reverse delta history needs. No Atomics per word: the worker publishes whole
 * steps with an epoch instead (see src/bridge).
 */
export { PhysMem, Hasher, SLOT_WORDS, PAGE_BYTES, type JournalMark } from './phys_mem';
