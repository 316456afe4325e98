/**
 * VM I/O (ostd `mm::io`): VmReader/VmWriter with their ghost VmIoOwner. User ones are Fallible:
 * they copy through the current CPU's TLB and walk and stop at the first fault, keeping what they
 * copied (the one non-atomic result). Kernel ones are Infallible and address physical memory
 * through the linear map, borrowing the frame, segment or DMA object they were made over. A user
 * owner is registered in its VmSpace's owner state (its readers/writers) and carries the view
 * (page → frame) its range had when created: vso.* check them.
 */
export * from './vm_io';
