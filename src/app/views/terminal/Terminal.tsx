// The terminal: xterm.js with a prompt and a line editor (lineEditor.ts), history on ↑/↓ kept in
// localStorage, Tab completion from the worker, and the log (store/log.ts) written in colour as it
// grows: results green or red, verdicts pass/FAIL, a caret under the column of a syntax error.
// Beside it, a visually hidden list of the same lines is its text twin.
import { FitAddon } from '@xterm/addon-fit';
import { Terminal as XTerm, type ITheme } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { memo, useEffect, useRef } from 'react';
import type { Completion } from '../../../bridge/api';
import { useLagged } from '../../lag';
import { useLog, type LogKind, type LogLine } from '../../store/log';
import { useUi, type Theme } from '../../store/ui';
import { LineEditor, parseKeys, redraw } from './lineEditor';

const HISTORY_KEY = 'pagelab.terminal.history.v1';
const PROMPT = '\x1b[1;34mpagelab>\x1b[0m ';
const PROMPT_CELLS = 'pagelab> '.length;

const COLOUR: Record<LogKind, string> = {
  input: '\x1b[2m',
  ok: '\x1b[32m',
  error: '\x1b[31m',
  pass: '\x1b[32m',
  fail: '\x1b[1;31m',
  note: '\x1b[36m',
  ask: '\x1b[1;33m',
  info: '\x1b[90m',
  warn: '\x1b[33m',
};

const THEMES: Record<Theme, ITheme> = {
  dark: {
    background: '#0d1117',
    foreground: '#d8dee6',
    cursor: '#79c0ff',
    selectionBackground: '#264f78',
  },
  light: {
    background: '#ffffff',
    foreground: '#1f2328',
    cursor: '#0969da',
    selectionBackground: '#b6d7ff',
    green: '#116329',
    red: '#cf222e',
    cyan: '#1b7c83',
    yellow: '#7d4e00',
    blue: '#0550ae',
    brightBlack: '#57606a',
  },
};

function loadHistory(): string[] {
  try {
    const h: unknown = JSON.parse(localStorage.getItem(HISTORY_KEY) ?? '[]');
    return Array.isArray(h) ? h.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function saveHistory(lines: readonly string[]): void {
  try {
    localStorage.setItem(HISTORY_KEY, JSON.stringify(lines));
  } catch {
    // Best effort.
  }
}

/** How one log line looks in the terminal (CRLF line ends, colours). */
export function render(line: Omit<LogLine, 'id'>): string {
  const body = line.text.replace(/\r?\n/g, '\r\n');
  if (line.kind === 'input') return `\x1b[2mpagelab>\x1b[0m ${body}`;
  let out = '';
  if (line.col !== undefined)
    out += `${' '.repeat(PROMPT_CELLS + line.col - 1)}\x1b[1;31m^\x1b[0m\r\n`;
  const verdict = /^(pass|FAIL) /.exec(body);
  if (verdict)
    return `${out}${COLOUR[line.kind]}\x1b[1m${verdict[1]}\x1b[22m${body.slice(verdict[1]!.length)}\x1b[0m`;
  return `${out}${COLOUR[line.kind]}${body}\x1b[0m`;
}

export interface TerminalProps {
  /** Runs a submitted line (the terminal does not wait for it). */
  onRun: (line: string) => void;
  onComplete: (prefix: string) => Promise<Completion>;
  /** False until the session can take commands. */
  ready: boolean;
}

export function Terminal({ onRun, onComplete, ready }: TerminalProps) {
  const box = useRef<HTMLDivElement>(null);
  const props = useRef({ onRun, onComplete });
  useEffect(() => {
    props.current = { onRun, onComplete };
  });
  const theme = useUi((s) => s.theme);
  const termRef = useRef<XTerm | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const term = new XTerm({
      fontFamily: "ui-monospace, 'DejaVu Sans Mono', Menlo, monospace",
      fontSize: 13,
      // A steady cursor: a blinking one is a CSS animation that restyles and recommits the page
      // (every canvas produced anew) on every frame, ~40 ms of main thread a second while idle.
      cursorBlink: false,
      scrollback: 5000,
      theme: THEMES[useUi.getState().theme],
      allowProposedApi: false,
      drawBoldTextInBrightColors: false,
    });
    termRef.current = term;
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(el);
    const editor = new LineEditor(loadHistory());
    // History is written a little later (storage writes are slow), and at the latest on pagehide.
    let saveTimer: ReturnType<typeof setTimeout> | null = null;
    const flushHistory = () => {
      if (saveTimer === null) return;
      clearTimeout(saveTimer);
      saveTimer = null;
      saveHistory(editor.entries);
    };
    const saveSoon = () => {
      if (saveTimer === null) saveTimer = setTimeout(flushHistory, 400);
    };
    addEventListener('pagehide', flushHistory);
    let cursorRow = 0;
    let written = 0;

    const cols = () => Math.max(term.cols, PROMPT_CELLS + 1);
    const drawInput = () => {
      const r = redraw(PROMPT, PROMPT_CELLS, editor.buffer, editor.cursor, cols(), cursorRow);
      term.write(r.seq);
      cursorRow = r.cursorRow;
    };
    /** Writes lines above the input line, then redraws the input. */
    const printAbove = (text: string[]) => {
      if (text.length === 0) return;
      let seq = cursorRow > 0 ? `\x1b[${cursorRow}A` : '';
      seq += '\r\x1b[J' + text.map((t) => `${t}\r\n`).join('');
      term.write(seq);
      cursorRow = 0;
      drawInput();
    };
    const flushLog = (lines: readonly LogLine[]) => {
      // The lines after the last one written, found from the end (not a pass over the whole log).
      let from = lines.length;
      while (from > 0 && lines[from - 1]!.id > written) from--;
      if (from === lines.length) return;
      const fresh = lines.slice(from);
      written = fresh[fresh.length - 1]!.id;
      printAbove(fresh.filter((l) => !(l.kind === 'input' && l.typed)).map(render));
    };
    const doFit = () => {
      if (el.clientWidth === 0 || el.clientHeight === 0) return;
      try {
        fit.fit();
      } catch {
        // Not laid out yet.
      }
    };
    doFit();
    // Tab completes, so it cannot also move the focus: after Escape the next Tab or Shift+Tab is
    // left to the browser, and leaves the terminal (a keyboard alone could not, otherwise).
    let release = false;
    term.attachCustomKeyEventHandler((e) => {
      if (e.type !== 'keydown') return true;
      if (e.key === 'Escape') release = true;
      else if (e.key === 'Tab' && release) {
        release = false;
        return false;
      } else if (!['Shift', 'Control', 'Alt', 'Meta'].includes(e.key)) release = false;
      return true;
    });
    term.focus();
    drawInput();
    flushLog(useLog.getState().lines);
    const unsubscribe = useLog.subscribe((s) => flushLog(s.lines));

    let completing = 0;
    const complete = async () => {
      const prefix = editor.buffer.slice(0, editor.cursor);
      const ticket = ++completing;
      let c: Completion;
      try {
        c = await props.current.onComplete(prefix);
      } catch {
        return;
      }
      if (ticket !== completing || editor.buffer.slice(0, editor.cursor) !== prefix) return;
      const word = prefix.slice(c.start);
      if (c.items.length === 1) {
        const item = c.items[0]!;
        editor.replaceWord(c.start, item.endsWith('=') ? item : `${item} `);
        drawInput();
      } else if (c.items.length > 1) {
        let common = c.items[0]!;
        for (const w of c.items) while (!w.startsWith(common)) common = common.slice(0, -1);
        if (common.length > word.length) {
          editor.replaceWord(c.start, common);
          drawInput();
        } else {
          const width = Math.max(...c.items.map((i) => i.length)) + 2;
          const per = Math.max(1, Math.floor(cols() / width));
          const rows: string[] = [];
          for (let i = 0; i < c.items.length; i += per)
            rows.push(
              c.items
                .slice(i, i + per)
                .map((x) => x.padEnd(width))
                .join('')
                .trimEnd(),
            );
          printAbove([
            `\x1b[2mpagelab>\x1b[0m ${editor.buffer}`,
            ...rows.map((r) => `\x1b[36m${r}\x1b[0m`),
          ]);
        }
      }
    };

    const onData = term.onData((data) => {
      for (const key of parseKeys(data)) {
        if (key.k === 'tab') {
          void complete();
          continue;
        }
        if (key.k === 'clear') {
          term.clear();
          drawInput();
          continue;
        }
        if (key.k === 'cancel' && editor.buffer) {
          // Leave the abandoned line on screen, as a shell does.
          editor.cursor = editor.buffer.length;
          drawInput();
          term.write('^C\r\n');
          cursorRow = 0;
          editor.apply(key);
          drawInput();
          continue;
        }
        if (key.k === 'enter') {
          editor.cursor = editor.buffer.length;
          drawInput();
          const line = editor.apply(key)!;
          term.write('\r\n');
          cursorRow = 0;
          drawInput();
          saveSoon();
          props.current.onRun(line);
          continue;
        }
        editor.apply(key);
        drawInput();
      }
    });

    let frame = 0;
    const resize = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        const before = term.cols;
        doFit();
        if (term.cols !== before) {
          cursorRow = 0;
          drawInput();
        }
      });
    });
    resize.observe(el);

    return () => {
      flushHistory();
      removeEventListener('pagehide', flushHistory);
      cancelAnimationFrame(frame);
      resize.disconnect();
      unsubscribe();
      onData.dispose();
      termRef.current = null;
      term.dispose();
    };
  }, []);

  useEffect(() => {
    if (termRef.current) termRef.current.options.theme = THEMES[theme];
  }, [theme]);

  return (
    <section className="terminal-panel" aria-label="Terminal">
      <div
        className="terminal-box"
        ref={box}
        data-testid="terminal"
        data-ready={ready ? 'true' : 'false'}
        onClick={() => termRef.current?.focus()}
      />
      <LogTwin />
    </section>
  );
}

const selectLines = (s: { lines: LogLine[] }) => s.lines;

/**
 * The text twin, a frame late (useLagged): it must not hold up a command's round trip, nor take a
 * share of the frame that shows the command's effect in the views. It alone follows the log as a
 * list (the terminal writes to xterm from a subscription).
 */
function LogTwin() {
  return <LogList lines={useLagged(useLog, selectLines)} />;
}

/** The last 200 lines as a list, in blocks of consecutive lines. */
const LogList = memo(function LogList({ lines }: { lines: readonly LogLine[] }) {
  const blocks: LogLine[][] = [];
  for (const l of lines.slice(-200)) {
    const b = blocks.at(-1);
    if (b && blockOf(b[0]!) === blockOf(l)) b.push(l);
    else blocks.push([l]);
  }
  return (
    // role=log: what a terminal prints is a log (a polite live region), found as one by role.
    <div className="sr-only" role="log" aria-label="Terminal output">
      <ol data-testid="log">
        {blocks.map((b) => (
          <LogBlock key={blockOf(b[0]!)} lines={b} />
        ))}
      </ol>
    </div>
  );
});

/**
 * Lines are grouped by id, BLOCK to a group: a new line renders its own group (and the first, when
 * the oldest line leaves), not all 200.
 */
const BLOCK = 25;
const blockOf = (l: LogLine): number => Math.floor(l.id / BLOCK);

/** Lines never change once printed: a block with the same first and last line is the same. */
const LogBlock = memo(
  function LogBlock({ lines }: { lines: readonly LogLine[] }) {
    return lines.map((l) => (
      <li key={l.id} data-kind={l.kind}>
        {l.kind === 'input' ? `pagelab> ${l.text}` : l.text}
      </li>
    ));
  },
  (a, b) => a.lines[0] === b.lines[0] && a.lines.at(-1) === b.lines.at(-1),
);
