// The header: title, the lessons/scenarios menu (one click away), open and save `.lab` files,
// the share button, a fresh session and the theme switch.
import { useCallback, useEffect, useRef, useState } from 'react';
import { groups, type Scenario } from './gallery';
import type { Sim } from './sim';
import { progressText, useProgress } from './store/progress';
import { useSession, notify } from './store/session';
import { useUi } from './store/ui';
import { useDismiss } from './views/common';
import { num } from './views/model';

/** The largest `.lab` file opened (as the share-link codec's bound). */
const MAX_FILE_BYTES = 1024 * 1024;

function ScenarioMenu({ onOpen }: { onOpen: (s: Scenario) => void }) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const progress = useProgress((s) => s.lessons);
  useDismiss(
    open,
    root,
    useCallback(() => setOpen(false), []),
  );
  return (
    <div className="menu" ref={root}>
      <button
        type="button"
        aria-expanded={open}
        aria-haspopup="true"
        data-testid="scenarios-button"
        onClick={() => setOpen(!open)}
      >
        Lessons &amp; scenarios ▾
      </button>
      {open && (
        <div
          className="menu-panel"
          role="menu"
          aria-label="Lessons and scenarios"
          data-testid="scenarios-menu"
        >
          {groups().map((g) => (
            <section key={g.group}>
              <h3>{g.group}</h3>
              <ul>
                {g.items.map((s) => (
                  <li key={s.id}>
                    <button
                      type="button"
                      role="menuitem"
                      data-scenario={s.id}
                      title={s.description}
                      onClick={() => {
                        setOpen(false);
                        onOpen(s);
                      }}
                    >
                      <strong>
                        {s.title}
                        {s.lesson && progressText(progress[s.id], s.asks) && (
                          <span className="lesson-progress" data-testid="lesson-progress">
                            {progressText(progress[s.id], s.asks)}
                          </span>
                        )}
                      </strong>
                      <span className="muted">
                        {s.description.length > 110
                          ? `${s.description.slice(0, 109)}…`
                          : s.description}
                      </span>
                    </button>
                  </li>
                ))}
              </ul>
            </section>
          ))}
        </div>
      )}
    </div>
  );
}

function ShareButton({ sim }: { sim: Sim }) {
  const [url, setUrl] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const field = useRef<HTMLInputElement>(null);
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => field.current?.select(), [url]);
  // Left open, the link would go stale as the session moves on.
  useDismiss(
    url !== null,
    root,
    useCallback(() => setUrl(null), []),
  );
  return (
    <div className="menu" ref={root}>
      <button
        type="button"
        data-testid="share-button"
        onClick={async () => {
          try {
            setCopied(false);
            setUrl(await sim.shareUrl());
          } catch (err) {
            notify('error', `No link: ${String(err)}`);
          }
        }}
      >
        Share
      </button>
      {url && (
        <div className="menu-panel share-panel" role="dialog" aria-label="Share link">
          <p>
            A link to this script at this step ({num(url.length)} characters). Opening it replays to
            the same state.
          </p>
          <input
            ref={field}
            readOnly
            value={url}
            data-testid="share-link"
            aria-label="Share link"
            onFocus={(e) => e.currentTarget.select()}
          />
          <div className="row">
            <button
              type="button"
              onClick={async () => {
                try {
                  await navigator.clipboard.writeText(url);
                  setCopied(true);
                } catch {
                  field.current?.select();
                }
              }}
            >
              {copied ? 'Copied' : 'Copy'}
            </button>
            <button type="button" onClick={() => setUrl(null)}>
              Close
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

export function Header({ sim }: { sim: Sim | null }) {
  const title = useSession((s) => s.title);
  const exerciseOpen = useSession((s) => s.exercise !== undefined);
  const theme = useUi((s) => s.theme);
  const setTheme = useUi((s) => s.setTheme);
  const file = useRef<HTMLInputElement>(null);
  const [saveUrl, setSaveUrl] = useState<string | null>(null);
  useEffect(() => () => void (saveUrl && URL.revokeObjectURL(saveUrl)), [saveUrl]);

  return (
    <header className="header">
      <div className="brand">
        <h1>PageLab</h1>
        <p className="tagline">
          The memory subsystem of the Asterinas OSTD kernel, simulated and checked.
        </p>
      </div>
      <nav className="actions" aria-label="Session">
        {sim && (
          <>
            <ScenarioMenu
              onOpen={(s) => void sim.open(s.text, s.title, s.lesson ? 0 : undefined)}
            />
            <button
              type="button"
              data-testid="exercises-button"
              aria-pressed={exerciseOpen}
              onClick={() =>
                useSession.setState((st) => ({
                  exercise: st.exercise === undefined ? null : undefined,
                }))
              }
            >
              Exercises
            </button>
            <button type="button" onClick={() => file.current?.click()} data-testid="open-button">
              Open .lab
            </button>
            <input
              ref={file}
              type="file"
              accept=".lab,text/plain"
              hidden
              data-testid="open-file"
              onChange={async (e) => {
                const f = e.currentTarget.files?.[0];
                e.currentTarget.value = '';
                if (!f) return;
                if (f.size > MAX_FILE_BYTES) {
                  notify(
                    'error',
                    `${f.name} is too large (${f.size} bytes; at most ${MAX_FILE_BYTES}).`,
                  );
                  return;
                }
                await sim.open(await f.text(), f.name);
              }}
            />
            <a
              className="button"
              href={saveUrl ?? '#'}
              download="pagelab.lab"
              data-testid="save-link"
              onClick={(e) => {
                // Build the file at the moment of the click, from the script as it is now.
                const url = URL.createObjectURL(
                  new Blob([sim.script() + '\n'], { type: 'text/plain' }),
                );
                e.currentTarget.href = url;
                setSaveUrl(url);
              }}
            >
              Save .lab
            </a>
            <ShareButton sim={sim} />
            <button
              type="button"
              onClick={() => void sim.reset()}
              title="An empty script on a fresh machine"
            >
              New
            </button>
          </>
        )}
        <button
          type="button"
          aria-label={`Switch to the ${theme === 'dark' ? 'light' : 'dark'} theme`}
          onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
        >
          {theme === 'dark' ? '☀' : '☾'}
        </button>
      </nav>
      {title && (
        <p className="session-title" data-testid="session-title">
          {title}
        </p>
      )}
    </header>
  );
}
