// The first page: whether the page is cross-origin isolated, and a terminal stand-in (an input
// line and an output log) that runs commands in the simulation worker. On load it runs the
// default scenario. The real views (terminal, page-table tree, frames, ledger…) come later.
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { ExecResult, ScriptLineResult } from '../bridge/api';
import { createSimClient, type SimClient } from '../bridge/client';
import defaultScenario from '../scenarios/default.lab?raw';
import { useLog, type LogLine } from './store/log';

type Entry = Omit<LogLine, 'id'>;

const isolated = globalThis.crossOriginIsolated === true;

/** How a result shows in the log: nothing for a blank line, narration as info. */
function resultEntries(r: ExecResult): Entry[] {
  if (r.kind === 'blank') return [];
  if (r.kind === 'note') return [{ kind: 'info', text: r.text }];
  return [{ kind: r.ok ? 'ok' : 'error', text: r.text }];
}

function scriptEntries(results: ScriptLineResult[]): Entry[] {
  return results.flatMap((r): Entry[] => [
    { kind: 'input', text: r.source.trim() },
    ...resultEntries(r),
  ]);
}

export function App() {
  const lines = useLog((s) => s.lines);
  const append = useLog((s) => s.append);
  const client = useRef<SimClient | null>(null);
  const [ready, setReady] = useState(false);
  const [input, setInput] = useState('');
  const history = useRef<string[]>([]);
  const historyAt = useRef(0);
  const logEnd = useRef<HTMLLIElement>(null);

  useEffect(() => {
    let live = true;
    const sim = createSimClient({
      onError: (message) => live && append([{ kind: 'error', text: `Worker error: ${message}` }]),
    });
    client.current = sim;
    void sim.api.load(defaultScenario).then((results) => {
      if (!live) return;
      append([{ kind: 'info', text: 'The default scenario:' }, ...scriptEntries(results)]);
      append([{ kind: 'info', text: 'Ready. Type a command and press Enter.' }]);
      setReady(true);
    });
    return () => {
      live = false;
      client.current = null;
      sim.dispose();
    };
  }, [append]);

  useEffect(() => {
    logEnd.current?.scrollIntoView({ block: 'end' });
  }, [lines]);

  async function run(line: string) {
    const sim = client.current;
    if (!sim) return;
    append([{ kind: 'input', text: line }]);
    append(resultEntries(await sim.api.exec(line)));
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const line = input.trim();
    if (!line) return;
    history.current.push(line);
    historyAt.current = history.current.length;
    setInput('');
    void run(line);
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    const past = history.current;
    if (event.key === 'ArrowUp' && historyAt.current > 0) {
      historyAt.current -= 1;
    } else if (event.key === 'ArrowDown' && historyAt.current < past.length) {
      historyAt.current += 1;
    } else {
      return;
    }
    event.preventDefault();
    setInput(past[historyAt.current] ?? '');
  }

  return (
    <main className="app">
      <header>
        <h1>PageLab</h1>
        <p className="tagline">The memory subsystem of the Asterinas OSTD kernel, simulated.</p>
      </header>

      <p className="isolation" data-testid="isolation">
        crossOriginIsolated: <strong>{String(isolated)}</strong>
      </p>
      {!isolated && (
        <p className="warning" role="alert">
          This page is not cross-origin isolated, so SharedArrayBuffer is unavailable and the views
          cannot share the simulation's memory. Serve the app with <code>npm start</code> (it sends
          the COOP/COEP headers), or reload the page once so its service worker can turn isolation
          on.
        </p>
      )}

      <section className="terminal" aria-label="Terminal">
        <ol className="log" data-testid="log" aria-live="polite">
          {lines.map((line) => (
            <li key={line.id} className={`line line-${line.kind}`} data-kind={line.kind}>
              {line.text}
            </li>
          ))}
          <li ref={logEnd} aria-hidden="true" className="log-end" />
        </ol>
        <form className="prompt" onSubmit={onSubmit}>
          <label htmlFor="command">pagelab&gt;</label>
          <input
            id="command"
            data-testid="command"
            autoComplete="off"
            spellCheck={false}
            autoFocus
            placeholder={ready ? 'type a command, e.g. alloc as f1' : 'starting…'}
            value={input}
            onChange={(e) => setInput(e.target.value)}
            onKeyDown={onKeyDown}
          />
        </form>
      </section>
    </main>
  );
}
