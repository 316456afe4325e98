// The TLBs: one table per CPU, read straight from the shared TLB arrays: VA → PA, page size,
// permissions, LRU age (ticks since last use), and the entries that no longer agree with a walk
// of the space active there (stale) or reach a freed frame (dangling), as the worker found them.
import type { Snapshot } from '../../../bridge/snapshot';
import {
  TE_DIRTY,
  TE_EXEC,
  TE_GLOBAL,
  TE_USER,
  TE_VALID,
  TE_WRITABLE,
  TLB_WAYS,
  pageSizeText,
  teLevel,
  vpnHex,
} from '../../../bridge/shared_layout';
import { Panel, viewMemo } from '../common';
import {
  activeSpaceId,
  meetsRanges,
  paddr,
  sharedOf,
  type Highlight,
  type Selection,
} from '../model';

const MAX_ROWS = 512;

export const TlbView = viewMemo(
  function TlbView({
    snapshot: s,
    highlight,
    onSelect,
  }: {
    snapshot: Snapshot;
    highlight: Highlight;
    onSelect: (x: Selection) => void;
  }) {
    const t = sharedOf(s).tlb;
    const stale = new Map(s.tlb.stale.map((e) => [e.index, e]));
    const clock = t.clock[0]!;
    let valid = 0;
    const tables = [];
    for (let cpu = 0; cpu < s.tlb.cpus; cpu++) {
      const idx: number[] = [];
      for (let k = 0; k < s.tlb.entries; k++) {
        const i = cpu * s.tlb.entries + k;
        if (t.flags[i]! & TE_VALID) idx.push(i);
      }
      valid += idx.length;
      idx.sort((a, b) => t.vpn[a]! - t.vpn[b]!);
      const space = activeSpaceId(s, cpu);
      tables.push(
        <table key={cpu} className="twin-table tlb-table" data-testid={`tlb-table-cpu${cpu}`}>
          <caption>
            cpu {cpu}
            {cpu === s.cpu ? ' (current)' : ''}:{' '}
            {space === 'kernel' ? 'the kernel page table' : `${space} active`}; {idx.length}/
            {s.tlb.entries} entries
          </caption>
          <thead>
            <tr>
              <th>Set·way</th>
              <th>Virtual</th>
              <th>Physical</th>
              <th>Size</th>
              <th>Flags</th>
              <th title="LRU clock ticks since the entry was last used">Age</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {idx.length === 0 && (
              <tr>
                <td colSpan={7} className="muted">
                  empty
                </td>
              </tr>
            )}
            {idx.slice(0, MAX_ROWS).map((i) => {
              const f = t.flags[i]!;
              const lv = teLevel(f);
              const pages = lv === 2 ? 512 : 1;
              const st = stale.get(i);
              const pfn = t.pfn[i]!;
              const vpn = t.vpn[i]!;
              const hl =
                meetsRanges(highlight.frames, pfn, pfn + pages) ||
                meetsRanges(highlight.va.get(space) ?? [], vpn, vpn + pages);
              const local = i - cpu * s.tlb.entries;
              return (
                <tr
                  key={i}
                  data-vpn={vpn}
                  data-stale={st ? (st.dangling ? 'dangling' : 'stale') : undefined}
                  className={[st ? 'bad' : '', hl ? 'hl' : ''].join(' ').trim() || undefined}
                >
                  <td className="num">
                    {Math.floor(local / TLB_WAYS)}·{local % TLB_WAYS}
                  </td>
                  <td>
                    <button
                      type="button"
                      className="link"
                      onClick={() => onSelect({ kind: 'mapping', space, vpn, pfn })}
                    >
                      {vpnHex(vpn)}
                    </button>
                  </td>
                  <td>
                    <button
                      type="button"
                      className="link"
                      onClick={() => onSelect({ kind: 'frame', pfn })}
                    >
                      {paddr(pfn)}
                    </button>
                  </td>
                  <td>{pageSizeText(lv)}</td>
                  <td>
                    {f & TE_WRITABLE ? 'rw' : 'r-'}
                    {f & TE_EXEC ? 'x' : '-'}
                    {f & TE_USER ? ' U' : ''}
                    {f & TE_GLOBAL ? ' G' : ''}
                    {f & TE_DIRTY ? ' D' : ''}
                  </td>
                  <td className="num">{(clock - t.age[i]!) | 0 /* the clock wraps */}</td>
                  <td>{st ? `${st.dangling ? 'DANGLING' : 'STALE'}: ${st.reason}` : 'ok'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>,
      );
    }
    const summary = `${s.tlb.cpus} CPU${s.tlb.cpus === 1 ? '' : 's'} × ${s.tlb.entries} entries (${s.tlb.sets} sets × ${TLB_WAYS} ways, LRU); ${valid} valid${s.tlb.stale.length ? `, ${s.tlb.stale.length} stale` : ''}`;
    return (
      <Panel id="tlb" title="TLBs" summary={summary} className="panel-tlb">
        <div className="tlb-tables">{tables}</div>
        <p className="muted">
          No flush is pending: every flush is dispatched within the command that issued it.
        </p>
      </Panel>
    );
    // The TLB arrays are this snapshot's own copy (see intern.ts): a new one only when they changed.
  },
  (s) => [s.shared.tlb, s.tlb, s.active, s.cpu],
);
