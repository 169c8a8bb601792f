import { useCallback, useEffect, useRef, useState, type ReactElement } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { listSamples, type Sample, type SampleQuery, type SampleStatus } from "../../api";

export const PAGE_SIZE = 200;
const ROW_HEIGHT = 52;

/** Which pages of PAGE_SIZE rows cover the rows first..last. */
export function pagesFor(first: number, last: number, pageSize = PAGE_SIZE): number[] {
  if (last < first) return [];
  const out: number[] = [];
  for (let p = Math.floor(first / pageSize); p <= Math.floor(last / pageSize); p++) out.push(p);
  return out;
}

export function truncate(s: string, n: number): string {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

interface Props {
  version: string;
  query: SampleQuery;
  /** Changes whenever the rows may have changed (forces a reload). */
  reloadKey: number;
  selected: Set<number>;
  onToggle: (id: number) => void;
  onEdit: (s: Sample) => void;
  onStatus: (s: Sample, status: SampleStatus) => void;
  onTotal: (n: number) => void;
  onError: (e: string) => void;
}

/**
 * The samples of a version in a virtualized list: only the visible rows are
 * in the DOM, and rows are fetched from the server a page at a time as they
 * scroll into view, so 50k samples stay fast.
 */
export function SamplesTable({ version, query, reloadKey, selected, onToggle, onEdit, onStatus, onTotal, onError }: Props): ReactElement {
  const [total, setTotal] = useState<number | null>(null);
  const [rows, setRows] = useState<Map<number, Sample>>(new Map());
  const loading = useRef(new Set<number>());
  const gen = useRef(0);
  const parent = useRef<HTMLDivElement>(null);
  const qkey = JSON.stringify(query);

  const load = useCallback(
    (page: number, g: number) => {
      if (loading.current.has(page)) return;
      loading.current.add(page);
      listSamples(version, { ...query, offset: page * PAGE_SIZE, limit: PAGE_SIZE })
        .then((p) => {
          if (g !== gen.current) return;
          setTotal(p.total);
          onTotal(p.total);
          setRows((cur) => {
            const next = new Map(cur);
            p.items.forEach((s, i) => next.set(page * PAGE_SIZE + i, s));
            return next;
          });
        })
        .catch((e: unknown) => {
          if (g === gen.current) onError(e instanceof Error ? e.message : String(e));
        });
    },
    [version, qkey],
  );

  // A new version, query or edit starts from an empty cache.
  useEffect(() => {
    gen.current++;
    loading.current = new Set();
    setRows(new Map());
    setTotal(null);
    load(0, gen.current);
  }, [load, reloadKey]);

  const virt = useVirtualizer({
    count: total ?? 0,
    getScrollElement: () => parent.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
  });
  const items = virt.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? -1;
  useEffect(() => {
    for (const p of pagesFor(first, last)) {
      if (!loading.current.has(p)) load(p, gen.current);
    }
  }, [first, last, load]);

  if (total === 0) return <p className="muted" role="status">No samples match these filters.</p>;
  return (
    <div className="samples" role="table" aria-label="Samples" aria-rowcount={total ?? 0}>
      <div className="sample-row sample-head" role="row">
        <span role="columnheader" aria-label="Select" />
        <span role="columnheader">Split</span>
        <span role="columnheader">Status</span>
        <span role="columnheader">Kind</span>
        <span role="columnheader">Instruction</span>
        <span role="columnheader">Answer</span>
        <span role="columnheader" className="num">Chars</span>
        <span role="columnheader" aria-label="Actions" />
      </div>
      <div ref={parent} className="samples-scroll" data-testid="samples-scroll">
        <div style={{ height: virt.getTotalSize(), position: "relative" }}>
          {items.map((vi) => {
            const s = rows.get(vi.index);
            return (
              <div
                key={vi.key}
                role="row"
                aria-rowindex={vi.index + 1}
                className={`sample-row status-${s?.status ?? "loading"}`}
                data-sample={s?.id}
                style={{ position: "absolute", top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${vi.start}px)` }}
              >
                {s ? (
                  <>
                    <span role="cell">
                      <input type="checkbox" checked={selected.has(s.id)} onChange={() => onToggle(s.id)} aria-label={`Select sample ${s.id}`} />
                    </span>
                    <span role="cell">{s.split}</span>
                    <span role="cell">
                      <span className={`badge badge-${s.status}`}>{s.status}</span>
                    </span>
                    <span role="cell" title={s.platform}>
                      {s.doc_kind}
                    </span>
                    <span role="cell" className="clip" title={s.instruction}>
                      {truncate(s.instruction, 140)}
                    </span>
                    <span role="cell" className="clip muted" title={truncate(s.output, 600)}>
                      {truncate(s.output, 160)}
                    </span>
                    <span role="cell" className="num">
                      {s.output.length}
                    </span>
                    <span role="cell" className="actions">
                      <button onClick={() => onEdit(s)} aria-label={`Edit sample ${s.id}`}>
                        Edit
                      </button>
                      <button onClick={() => onStatus(s, "approved")} disabled={s.status === "approved"} aria-label={`Approve sample ${s.id}`} title="Approve">
                        ✓
                      </button>
                      <button onClick={() => onStatus(s, "rejected")} disabled={s.status === "rejected"} aria-label={`Reject sample ${s.id}`} title="Reject">
                        ✗
                      </button>
                    </span>
                  </>
                ) : (
                  <span role="cell" className="muted">
                    Loading…
                  </span>
                )}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
