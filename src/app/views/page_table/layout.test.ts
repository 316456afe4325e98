import { describe, expect, it } from 'vitest';
import { FrameReader, pteRwx } from '../../../bridge/shared_layout';
import { snapshotOf } from '../../../bridge/testing';
import { K_LEAF, K_NODE, childIndex, itemAt, layoutTree, lowerBound } from './layout';

function setup(lines: string[], space = 'vs') {
  const { snapshot } = snapshotOf(lines);
  const sp = snapshot.spaces.find((x) => x.id === space)!;
  return { snapshot, sp, reader: new FrameReader(snapshot.shared.pageSlot, snapshot.shared.pool) };
}

describe('layoutTree', () => {
  const lines = ['machine mem=16M', 'vmspace as vs', 'mmap vs 0x400000+16K prop=rw', 'mmap vs 0x600000+4K prop=r'];

  it('lists children in entry order', () => {
    const { sp } = setup(lines);
    const { start, list } = childIndex(sp.tree);
    const rootKids = [...list.subarray(start[0]!, start[1]!)].map((i) => sp.tree.index[i]);
    expect(rootKids).toEqual([0, 256, 257]);
  });

  it('opens everything: nodes centred on their children, leaves one row each', () => {
    const { sp, reader } = setup(lines);
    const l = layoutTree(sp.tree, () => true, reader);
    const leaves = [...Array(l.count).keys()].filter((k) => l.kind[k] === K_LEAF && !l.borrowed[k]);
    expect(leaves).toHaveLength(5);
    expect(leaves.map((k) => l.vpn[k])).toEqual([0x400, 0x401, 0x402, 0x403, 0x600]);
    expect(pteRwx(l.lo[leaves[4]!]!, l.hi[leaves[4]!]!)).toBe('r--');
    // Leaves sit one column right of their node; a node sits between its first and last child.
    for (let k = 0; k < l.count; k++) {
      const p = l.parent[k]!;
      if (p < 0) continue;
      expect(l.depth[k]).toBe(l.depth[p]! + 1);
      expect(l.y[p]).toBeGreaterThanOrEqual(l.childMin[p]!);
      expect(l.y[p]).toBeLessThanOrEqual(l.childMax[p]!);
    }
    // Columns are sorted by row.
    for (const col of l.columns) for (let j = 1; j < col.length; j++) expect(l.y[col[j]!]).toBeGreaterThan(l.y[col[j - 1]!]!);
    // Borrowed kernel half: the linear map's node (and its 2 MiB leaves) and one group of 255.
    const groups = [...Array(l.count).keys()].filter((k) => l.kind[k] === K_NODE && l.span[k]! > 1);
    expect(groups.map((k) => [l.idx[k], l.span[k], l.borrowed[k]])).toEqual([[257, 255, 1]]);
    const huge = [...Array(l.count).keys()].filter((k) => l.kind[k] === K_LEAF && l.level[k] === 2);
    expect(huge).toHaveLength(8);
  });

  it('a collapsed node is one mark with its density strip', () => {
    const { sp, reader } = setup(lines);
    const l = layoutTree(sp.tree, (i) => sp.tree.level[i]! > 1 && !sp.tree.borrowed[i], reader);
    const marks = [...Array(l.count).keys()].filter((k) => l.kind[k] === K_NODE && l.level[k] === 1);
    expect(marks).toHaveLength(2);
    const m = marks[0]!;
    expect(l.open[m]).toBe(0);
    expect(l.under[m]).toBe(4);
    const at = l.densityAt[m]!;
    expect(l.density[at]).toBe(4); // entries 0..3 of the first bucket
    expect(l.density.subarray(at + 1, at + 32).every((x) => x === 0)).toBe(true);
    expect([...Array(l.count).keys()].some((k) => l.kind[k] === K_LEAF && !l.borrowed[k])).toBe(false);
  });

  it('finds the item under a point', () => {
    const { sp, reader } = setup(lines);
    const l = layoutTree(sp.tree, () => true, reader);
    const leaf = [...Array(l.count).keys()].find((k) => l.kind[k] === K_LEAF)!;
    expect(itemAt(l, l.depth[leaf]!, l.y[leaf]! + 0.2)).toBe(leaf);
    expect(itemAt(l, l.depth[leaf]!, l.y[leaf]! + 5)).not.toBe(leaf);
    expect(itemAt(l, 9, 0)).toBe(-1);
    expect(lowerBound(l.columns[0]!, l.y, -1)).toBe(0);
  });

  it('aggregates 10^5 mapped pages into a few hundred marks, quickly', () => {
    const { sp, reader } = setup(['machine mem=1G', 'vmspace as vs', 'mmap vs 0x400000+400M']);
    expect(sp.mapped).toBe(102_400);
    const t0 = performance.now();
    const l = layoutTree(sp.tree, (i) => sp.tree.level[i]! > 1 && !sp.tree.borrowed[i], reader);
    const ms = performance.now() - t0;
    expect(l.count).toBeLessThan(260);
    expect(l.count).toBeGreaterThan(200);
    expect(ms).toBeLessThan(200);
    // Fully open it is one row per page, still laid out.
    const all = layoutTree(sp.tree, (i) => !sp.tree.borrowed[i], reader);
    expect(all.rows).toBeGreaterThan(102_400);
  }, 30_000);
});
