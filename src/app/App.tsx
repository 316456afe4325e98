// The page: a header (scenarios, files, share), the terminal beside the machine's views, the
// timeline below, and a status bar with the state hash. The simulation runs in a worker that the
// Sim controller (sim.ts) owns; it needs cross-origin isolation (SharedArrayBuffer), and the page
// says so plainly when it does not have it.
import {
  memo,
  useCallback,
  useEffect,
  useRef,
  useState,
  type PointerEvent as ReactPointerEvent,
} from 'react';
import { shallow } from 'zustand/shallow';
import { PANELS, embedOf } from './embed';
import { Header } from './Header';
import { Sim, type Latency } from './sim';
import { useLagged } from './lag';
import { dismiss, useSession, type SessionState } from './store/session';
import { useUi } from './store/ui';
import { ExercisePanel } from './teach/ExercisePanel';
import { LessonBar } from './teach/LessonBar';
import { Views } from './views';
import { Terminal } from './views/terminal/Terminal';
import { Timeline } from './views/timeline/Timeline';

const isolated = globalThis.crossOriginIsolated === true;

/** `?embed=1&panels=…`: only those panels, no header chrome, nothing saved (null: the full app). */
const embed = embedOf(location.search);
const showTerminal = !embed || embed.panels.has('terminal');
const showTimeline = !embed || embed.panels.has('timeline');
const viewPanels = embed
  ? new Set([...embed.panels].filter((p) => p !== 'terminal' && p !== 'timeline'))
  : undefined;
const showViews = !viewPanels || viewPanels.size > 0;

declare global {
  interface Window {
    /** Test and debug hooks (the e2e tests use them). */
    __pagelab?: {
      killWorker(): Promise<void>;
      hangWorker(how: 'loop' | 'close'): Promise<void>;
      state(): Promise<{ step: number; length: number; hash: string; phase: string }>;
      latencies(): Latency[];
    };
  }
}

/** True when a key press belongs to a text field, the terminal or a slider, not to the page. */
function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.closest('.xterm, .terminal-panel')) return true;
  const tag = target.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target.isContentEditable;
}

function Notices() {
  const notices = useSession((s) => s.notices);
  if (notices.length === 0) return null;
  return (
    <div className="notices">
      {notices.map((n) => (
        <div
          key={n.id}
          className={`notice notice-${n.kind}`}
          role={n.kind === 'error' ? 'alert' : 'status'}
          data-testid={`notice-${n.kind}`}
        >
          <span>{n.text}</span>
          <button type="button" aria-label="Dismiss" onClick={() => dismiss(n.id)}>
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}

/** The status, shown a frame after the views (useLagged): the two do not share one frame's budget. */
const selectStatus = (s: SessionState) => s.status;

function StatusBar() {
  const status = useLagged(useSession, selectStatus);
  const phase = useSession((s) => s.phase);
  const violations = status?.violations.length ?? 0;
  return (
    <footer className="statusbar" aria-label="Status">
      <span data-testid="phase" data-phase={phase}>
        {phase === 'ready'
          ? 'ready'
          : phase === 'starting'
            ? 'starting…'
            : phase === 'recovering'
              ? 'restarting the worker…'
              : phase === 'failed'
                ? 'the worker failed'
                : 'not available'}
      </span>
      {status && (
        <>
          <span data-testid="status-step">
            step {status.step} / {status.length}
          </span>
          <span
            data-testid="state-hash"
            data-hash={status.hash ?? ''}
            title={
              status.hash
                ? `Machine.stateHash() = ${status.hash}: equal hashes, identical machines`
                : 'computing the state hash…'
            }
          >
            state {status.hash ? `${status.hash.slice(0, 8)}…` : '…'}
          </span>
          <span className={violations ? 'bad' : 'ok'} data-testid="status-violations">
            {violations
              ? `${violations} violation${violations === 1 ? '' : 's'}`
              : 'all invariants hold'}
          </span>
        </>
      )}
      <span className="isolation" data-testid="isolation">
        crossOriginIsolated: <strong>{String(isolated)}</strong>
      </span>
    </footer>
  );
}

/** The machine's views: the only part of the page that reads the snapshot. */
const ViewsArea = memo(function ViewsArea({ sim }: { sim: Sim }) {
  const snapshot = useSession((s) => s.snapshot);
  const selection = useUi((s) => s.selection);
  const select = useUi((s) => s.select);
  return (
    <section className="views-area" aria-label="The machine">
      <Views
        snapshot={snapshot}
        selection={selection}
        onSelect={select}
        inspect={sim.inspect}
        panels={viewPanels}
      />
    </section>
  );
});

/**
 * Ends each publication: placed last in the page, so its effect runs after every other
 * component's (the views' canvases are redrawn in theirs) in the commit that shows a new snapshot.
 */
function PublishProbe({ sim }: { sim: Sim }) {
  const snapshot = useSession((s) => s.snapshot);
  useEffect(() => {
    if (snapshot) sim.published(snapshot);
  }, [snapshot, sim]);
  return null;
}

/** What the timeline shows, a frame after the views (useLagged), as StatusBar. */
const selectTimeline = (s: SessionState) => ({
  step: s.status?.step ?? 0,
  current: s.status?.current ?? null,
  timeline: s.timeline,
  length: s.lines.length,
});

const TimelineArea = memo(function TimelineArea({ sim }: { sim: Sim }) {
  const { step, current, timeline, length } = useLagged(useSession, selectTimeline, shallow);
  const onSeek = useCallback((n: number) => void sim.seek(n), [sim]);
  const onBack = useCallback(() => void sim.back(), [sim]);
  const onForward = useCallback(() => void sim.forward(), [sim]);
  return (
    <Timeline
      timeline={timeline}
      step={step}
      current={current}
      length={length}
      onSeek={onSeek}
      onBack={onBack}
      onForward={onForward}
    />
  );
});

/** Starts the controller once the page is isolated (one per mount; StrictMode mounts twice). */
function useSim(): Sim | null {
  const [sim, setSim] = useState<Sim | null>(null);
  useEffect(() => {
    if (!isolated) {
      useSession.setState({ phase: 'unavailable' });
      return;
    }
    const s = new Sim({
      fragment: location.hash,
      persist: !embed,
      clearFragment: () => history.replaceState(null, '', location.pathname + location.search),
    });
    window.__pagelab = {
      killWorker: () => s.killWorker(),
      hangWorker: (how) => s.hangWorker(how),
      state: async () => {
        const st = await s.state();
        if (!st) throw new Error('the simulation is not running');
        return {
          step: st.step,
          length: st.length,
          hash: st.hash ?? '',
          phase: useSession.getState().phase,
        };
      },
      latencies: () => s.latencies.map((l) => ({ ...l })),
    };
    // The controller lives outside React; the component only needs its handle.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setSim(s);
    return () => {
      delete window.__pagelab;
      s.dispose();
      setSim(null);
    };
  }, []);
  return sim;
}

export function App() {
  const sim = useSim();
  const phase = useSession((s) => s.phase);
  const theme = useUi((s) => s.theme);
  const layout = useUi((s) => s.layout);
  const setLayout = useUi((s) => s.setLayout);
  const workspace = useRef<HTMLElement>(null);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);

  // A link followed within the page (an exercise's `#x=`, a share link's `#s=`) opens it.
  useEffect(() => {
    if (!sim) return;
    const onHash = () => {
      if (/^#[xs]=/.test(location.hash)) void sim.openLink(location.hash);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [sim]);

  // ←/→ step through the timeline when the keyboard is not busy typing.
  useEffect(() => {
    if (!sim) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey || e.ctrlKey || e.metaKey || typingIn(e.target)) return;
      if (e.key === 'ArrowLeft') void sim.back();
      else if (e.key === 'ArrowRight') void sim.forward();
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [sim]);

  const onSplitter = (e: ReactPointerEvent<HTMLDivElement>) => {
    const el = workspace.current;
    if (!el) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    const move = (ev: PointerEvent) => {
      const r = el.getBoundingClientRect();
      setLayout({ terminalPct: ((ev.clientX - r.left) / r.width) * 100 });
    };
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };

  const onRun = useCallback((line: string) => void sim?.run(line), [sim]);
  const onComplete = useCallback((prefix: string) => sim!.complete(prefix), [sim]);
  const terminal = showTerminal && (
    <Terminal onRun={onRun} onComplete={onComplete} ready={phase === 'ready'} />
  );
  const views = showViews && sim && <ViewsArea sim={sim} />;

  return (
    <div className={embed ? 'app embedded' : 'app'}>
      {!embed && <Header sim={sim} />}
      {!isolated && (
        <p className="warning" role="alert">
          This page is not cross-origin isolated, so SharedArrayBuffer is unavailable and the
          simulator cannot run. Serve the app with <code>npm start</code> (it sends the COOP/COEP
          headers), or reload the page once so its service worker can turn isolation on.
        </p>
      )}
      {embed && embed.unknown.length > 0 && (
        <p className="warning" role="alert" data-testid="embed-warning">
          Unknown panel{embed.unknown.length === 1 ? '' : 's'} in <code>panels=</code>:{' '}
          {embed.unknown.join(', ')} (the panels are {PANELS.join(', ')}).
        </p>
      )}
      <Notices />
      {sim && (
        <>
          {!embed && <ExercisePanel sim={sim} />}
          {!embed && <LessonBar sim={sim} />}
          {(terminal || views) && (
            <main
              className="workspace"
              ref={workspace}
              style={{
                gridTemplateColumns:
                  terminal && views
                    ? `${layout.terminalPct}% 6px minmax(0, 1fr)`
                    : 'minmax(0, 1fr)',
              }}
            >
              {terminal}
              {terminal && views && (
                <div
                  className="splitter"
                  role="separator"
                  aria-orientation="vertical"
                  aria-label="Resize the terminal"
                  aria-valuenow={layout.terminalPct}
                  aria-valuemin={20}
                  aria-valuemax={75}
                  tabIndex={0}
                  onPointerDown={onSplitter}
                  onKeyDown={(e) => {
                    if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
                      e.preventDefault();
                      e.stopPropagation();
                      setLayout({
                        terminalPct: layout.terminalPct + (e.key === 'ArrowLeft' ? -2 : 2),
                      });
                    }
                  }}
                />
              )}
              {views}
            </main>
          )}
          {!embed && (
            <div className="timeline-toggle">
              <button
                type="button"
                aria-expanded={layout.timelineOpen}
                onClick={() => setLayout({ timelineOpen: !layout.timelineOpen })}
              >
                {layout.timelineOpen ? '▾ Timeline' : '▸ Timeline'}
              </button>
            </div>
          )}
          {showTimeline && (embed || layout.timelineOpen) && <TimelineArea sim={sim} />}
        </>
      )}
      {!embed && <StatusBar />}
      {sim && <PublishProbe sim={sim} />}
    </div>
  );
}
