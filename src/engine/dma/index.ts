/**
 * The DMA engine (ostd `mm::dma`): DmaCoherent and DmaStream over a segment or frame they consume
 * and hold. Mapping inserts every page into the DMA mapping set (AlreadyMapped on any page already
 * there) and removing happens on drop — the behaviour vostd's code intends. With `iommu=on`, device
 * addresses come from their own range and an IOMMU page table (real PTEs in simulated memory) maps
 * them to the frames; without it a device address is the physical address, as vostd assumes.
 * A non-coherent stream keeps a device-side copy: the CPU sees device writes only after
 * `sync from_device`, the device sees CPU writes only after `sync to_device`.
 */
export * from './dma';
