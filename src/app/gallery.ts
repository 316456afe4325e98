// The scenario gallery: every src/scenarios/**/*.lab bundled as text, grouped by folder, titled
// from the file name and described by the file's opening comment. The must-fail scenarios (tests of
// `pagelab check` itself) are left out.
const files = import.meta.glob('../scenarios/**/*.lab', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

export interface Scenario {
  /** Path under src/scenarios without `.lab`, e.g. `frames/alloc`. */
  id: string;
  group: string;
  title: string;
  /** The opening comment, joined into one paragraph. */
  description: string;
  text: string;
  /** A lesson opens at its start, to be stepped through; a scenario opens at its end. */
  lesson: boolean;
  /** How many `ask` prediction points it has. */
  asks: number;
}

const GROUP_NAMES: Record<string, string> = {
  '': 'Start here',
  lessons: 'Lessons',
  frames: 'Frames',
  page_table: 'Page tables, cursors and TLBs',
  io: 'VM I/O',
  dma: 'DMA',
};

/** The groups in the order the menu shows them (unknown folders after these, by name). */
const ORDER = ['', 'lessons', 'frames', 'page_table', 'io', 'dma'];

function openingComment(text: string): string {
  const lines: string[] = [];
  for (const l of text.split('\n')) {
    const m = /^#\s?(.*)$/.exec(l);
    if (!m) break;
    lines.push(m[1]!);
  }
  return lines.join(' ').trim();
}

/** A lesson's title from its first comment line: `# Lesson 3 — TLB shootdown: …`. */
const LESSON = /^Lesson (\d+)\s*[—-]\s*(.+)$/;
/** A bug lesson's: `# Bug lesson (ostd-model §7.1) — A double free …`, numbered by its file name. */
const BUG_LESSON = /^Bug lesson (\([^)]*\))\s*[—-]\s*(.+)$/;

function titleOf(name: string): string {
  const words = name.replace(/^bug-/, '').replace(/[-_]/g, ' ');
  const t = words.charAt(0).toUpperCase() + words.slice(1);
  return name.startsWith('bug-') ? `Bug: ${t}` : t;
}

export const SCENARIOS: Scenario[] = Object.entries(files)
  .map(([path, text]) => {
    const id = path.replace(/^\.\.\/scenarios\//, '').replace(/\.lab$/, '');
    const slash = id.lastIndexOf('/');
    const group = slash < 0 ? '' : id.slice(0, slash);
    const name = id.slice(slash + 1);
    const first = (text.split('\n', 1)[0] ?? '').replace(/^#\s*/, '');
    const lesson = LESSON.exec(first);
    const bug = BUG_LESSON.exec(first);
    // A lesson's first line is its title; the rest of its opening comment describes it.
    const rest = openingComment(text.slice(text.indexOf('\n') + 1));
    return {
      id,
      group: GROUP_NAMES[group] ?? group,
      folder: group,
      title: lesson
        ? `${lesson[1]}. ${lesson[2]}`
        : bug
          ? `${parseInt(name, 10)}. Bug: ${bug[2]}`
          : name === 'default'
            ? 'The default scenario'
            : titleOf(name),
      description: lesson
        ? rest
        : bug
          ? `Bug lesson ${bug[1]}${rest ? `: ${rest}` : ''}`
          : openingComment(text),
      text,
      lesson: group === 'lessons',
      asks: text.split('\n').filter((l) => /^\s*ask\s/.test(l)).length,
    };
  })
  .filter((s) => !s.folder.startsWith('must-fail'))
  .sort((a, b) => {
    const ga = ORDER.indexOf(a.folder);
    const gb = ORDER.indexOf(b.folder);
    const ka = ga < 0 ? ORDER.length : ga;
    const kb = gb < 0 ? ORDER.length : gb;
    if (ka !== kb) return ka - kb;
    if (a.folder !== b.folder) return a.folder < b.folder ? -1 : 1;
    // Lessons in file order; elsewhere, walkthroughs before bugs.
    const ba = a.id.includes('/bug-') ? 1 : 0;
    const bb = b.id.includes('/bug-') ? 1 : 0;
    return ba - bb || (a.id < b.id ? -1 : 1);
  })
  .map(({ folder: _folder, ...s }) => s);

/** The lesson a session title names (a lesson opens under its title), if any. */
export function lessonTitled(title: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.lesson && s.title === title);
}

/** The scenarios by group, in menu order. */
export function groups(): { group: string; items: Scenario[] }[] {
  const out: { group: string; items: Scenario[] }[] = [];
  for (const s of SCENARIOS) {
    const g = out[out.length - 1];
    if (g?.group === s.group) g.items.push(s);
    else out.push({ group: s.group, items: [s] });
  }
  return out;
}
