// Tab completion for the terminal, worker side: the word that ends a partial line, completed from
// the language's commands and keywords, a command's options (`key=`) and their values, invariant
// IDs and error codes after `expect`, and the names of live handles.
import { ERROR_CODES } from '../engine';
import { CATALOGUE_IDS, COMMAND_WORDS } from '../lang';
import type { Completion } from './api';

// The terminal's `help` (the language's table, which `pagelab repl` answers from too).
export { HELP, helpRequest, helpText } from '../lang';

/** Every command word of the language, and the terminal's own `help`. */
export const COMMANDS = [...COMMAND_WORDS, 'help'] as const;

/** Keywords that may follow a command (anywhere after it). */
const KEYWORDS: Record<string, string[]> = {
  alloc: ['unique', 'zeroed'],
  tlb: ['flush', 'all'],
  dma: ['coherent', 'stream'],
  sync: ['to_device', 'from_device'],
  device: ['read', 'write'],
  show: ['pt', 'frame', 'frames', 'tlb', 'ledger', 'dma', 'handles'],
  expect: ['ok', 'error', 'data', 'violation', 'no', 'clean', 'translate', 'refcount'],
  help: [...COMMANDS.filter((c) => c !== 'help')],
};

/** Option keys a command takes. */
const OPTIONS: Record<string, string[]> = {
  machine: ['arch', 'mem', 'cpus', 'tlb', 'iommu', 'seed'],
  map: ['prop', 'cache'],
  protect_next: ['prop'],
  protect: ['prop'],
  mmap: ['prop'],
  tlb: ['cpu'],
  dma: ['dir', 'coherent'],
};

const VALUES: Record<string, string[]> = {
  arch: ['x86_64'],
  iommu: ['on', 'off'],
  prop: ['r', 'rw', 'rx', 'rwx'],
  cache: ['wb', 'wt', 'uc'],
  dir: ['to_device', 'from_device', 'both'],
  coherent: ['yes', 'no'],
};

/** Commands that bind a result (`as NAME`). */
const BINDS = new Set([
  'alloc',
  'frame',
  'clone',
  'from_raw',
  'split',
  'slice',
  'next',
  'share',
  'unique',
  'vmspace',
  'cursor',
  'cursor_mut',
  'query',
  'take_next',
  'reader',
  'writer',
  'dma',
]);

/** Commands whose arguments never name a handle. */
const NO_HANDLES = new Set([
  'alloc',
  'vmspace',
  'machine',
  'reset',
  'cpu',
  'deactivate',
  'check',
  'note',
  'ask',
  'help',
]);

export function complete(prefix: string, handles: Iterable<string>): Completion {
  const start = prefix.search(/\S*$/);
  const word = prefix.slice(start);
  const words = prefix.slice(0, start).trim().split(/\s+/).filter(Boolean);
  const unsafe = words[0] === 'unsafe';
  const before = unsafe ? words.slice(1) : words;
  const cmd = before[0];
  const eq = word.indexOf('=');
  let pool: string[];
  let at = start;
  if (eq >= 0) {
    pool = VALUES[word.slice(0, eq)] ?? [];
    at = start + eq + 1;
  } else if (cmd === undefined) {
    pool = COMMANDS.filter((c) => !unsafe || (c !== 'unsafe' && c !== 'help'));
  } else if (
    cmd === 'expect' &&
    (before.at(-1) === 'violation' || (before[1] === 'no' && before.length === 2))
  ) {
    pool = before.at(-1) === 'violation' ? [...CATALOGUE_IDS] : ['violation'];
  } else if (cmd === 'expect' && before[1] === 'error' && before.length === 2) {
    pool = [...ERROR_CODES];
  } else if (cmd === 'expect' && before.length === 1) {
    pool = KEYWORDS.expect!;
  } else if (cmd === 'expect' && before[1] === 'refcount' && before.length === 3) {
    pool = ['unused', 'unique'];
  } else if (cmd === 'expect' && before[1] === 'translate' && before.length === 3) {
    pool = ['fault', ...handles];
  } else if (cmd === 'help') {
    pool = before.length === 1 ? KEYWORDS.help! : [];
  } else {
    pool = [...(KEYWORDS[cmd] ?? []), ...(OPTIONS[cmd] ?? []).map((o) => `${o}=`)];
    if (BINDS.has(cmd)) pool.push('as');
    if (!NO_HANDLES.has(cmd) && before.at(-1) !== 'as') pool.push(...handles);
  }
  const items = [
    ...new Set(pool.filter((x) => x.startsWith(eq >= 0 ? word.slice(eq + 1) : word))),
  ].sort();
  return { start: at, items };
}
