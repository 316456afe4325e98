// The CLI's `link`, `unlink` and usage, through main() with the output collected, and once through
// the real `bin/pagelab.mjs` process so that stdout's bytes and the exit status are the ones a
// shell sees.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeFragment } from '../lang';
import { main } from './main';

const dir = mkdtempSync(join(tmpdir(), 'pagelab-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a scenario file and answers its path. */
function file(name: string, text: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  let written = '';
  const code = await main(
    argv,
    (s) => out.push(s),
    (s) => err.push(s),
    (s) => (written += s),
  );
  return { code, out: out.join('\n'), err: err.join('\n'), written };
}

/** The step a link carries. */
const stepOf = (url: string) => decodeFragment(url).step;

const SCRIPTS: Record<string, string> = {
  'lf.lab': 'alloc as a\nexpect ok\nclone a as b\n',
  'no-final-newline.lab': 'alloc as a\nexpect ok\nclone a as b',
  'crlf.lab': 'alloc as a\r\nexpect ok\r\nclone a as b\r\n',
  'blank-lines-at-end.lab': 'alloc as a\n\n\n',
  'bom-utf8.lab': '\uFEFFalloc as a # é 😀\n',
  'empty.lab': '',
};

describe('pagelab link / unlink', () => {
  it('give every file back byte for byte', async () => {
    for (const [name, text] of Object.entries(SCRIPTS)) {
      const path = file(name, text);
      const link = await cli('link', path);
      expect(link.code, name).toBe(0);
      const back = await cli('unlink', link.out);
      expect(back.code, name).toBe(0);
      expect(Buffer.from(back.written), name).toEqual(readFileSync(path));
    }
  });

  it("default to the scenario's end: its number of lines, a final newline not counted", async () => {
    // src/bridge/host.test.ts checks that the app loads these to the same step and shares it
    const ends: Record<string, number> = {
      'lf.lab': 3,
      'no-final-newline.lab': 3,
      'crlf.lab': 3,
      'blank-lines-at-end.lab': 3,
      'bom-utf8.lab': 1,
      'empty.lab': 0,
    };
    for (const [name, text] of Object.entries(SCRIPTS)) {
      const link = await cli('link', file(name, text));
      expect(stepOf(link.out), name).toBe(ends[name]);
    }
    const unlinked = await cli(
      'unlink',
      (await cli('link', file('lf.lab', SCRIPTS['lf.lab']!))).out,
    );
    expect(unlinked.err).toBe('(step 3)');
  });

  it('take --step and --base before or after FILE', async () => {
    const path = file('lf.lab', SCRIPTS['lf.lab']!);
    for (const argv of [
      ['link', path, '--step', '2', '--base', 'https://x.example/lab/'],
      ['link', '--step', '2', '--base', 'https://x.example/lab/', path],
      ['link', '--base=https://x.example/lab/', path, '--step=2'],
    ]) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.out).toMatch(/^https:\/\/x\.example\/lab\/#s=[\w-]+&step=2$/);
    }
  });

  it('refuse, exit 2 and print nothing, when unlink would refuse the link', async () => {
    const path = file('lf.lab', SCRIPTS['lf.lab']!);
    const plain = (await cli('link', path, '--step', '0')).out.replace(/&step=0$/, '');
    // exactly the decoder's bounds: a step is accepted by one iff by the other
    for (const step of ['0', '3', '4', '5', '99', '-1', '1.5', 'x', '', '1234567890']) {
      const r = await cli('link', path, '--step', step);
      const opens = (await cli('unlink', `${plain}&step=${step}`)).code === 0;
      expect(r.code === 0, `step ${step}`).toBe(opens);
      if (r.code !== 0) {
        expect(r.code).toBe(2);
        expect(r.out).toBe('');
        expect(r.err).toMatch(/^pagelab: the step .* (past the scenario's end|not a whole number)/);
      }
    }
    // well within the size bound, but too random to compress into a link
    const big = await cli('link', file('noise.lab', randomBytes(75_000).toString('base64')));
    expect(big).toMatchObject({ code: 2, out: '' });
    expect(big.err).toMatch(
      /^pagelab: the link would be too long \(\d+ characters; at most 65536\)/,
    );
    const huge = await cli('link', file('huge.lab', '#'.repeat(2 * 1024 * 1024)));
    expect(huge).toMatchObject({ code: 2, out: '' });
    expect(huge.err).toMatch(/too large/);
    const notText = await cli('link', file('latin1.lab', new Uint8Array([0x61, 0xe9, 0x0a])));
    expect(notText).toMatchObject({ code: 2, out: '' });
    expect(notText.err).toMatch(/is not UTF-8 text/);
  });

  it('answer a bad invocation with the reason and the usage on stderr, exit 2', async () => {
    const path = file('lf.lab', SCRIPTS['lf.lab']!);
    for (const [argv, why] of [
      [['link'], 'link needs a FILE'],
      [['link', path, '--step'], '--step needs a value'],
      [['link', '--stepp', '3', path], 'unknown option --stepp'],
      [['link', path, path], 'one FILE only'],
      [['link', path, '--base', 'http://x/#a'], '--base must not hold'],
    ] as const) {
      const r = await cli(...argv);
      expect(r.code, why).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toContain(why);
      expect(r.err).toContain('usage:');
    }
  });
});

describe('pagelab usage', () => {
  it('help, --help and -h print the usage on stdout and exit 0', async () => {
    for (const argv of [['--help'], ['-h'], ['link', '--help'], ['help'], ['help', 'run']]) {
      const r = await cli(...argv);
      expect(r).toMatchObject({ code: 0, err: '' });
      expect(r.out).toMatch(/^usage:\n {2}pagelab run FILE/);
    }
  });

  it('no command, or an unknown one, prints the usage on stderr and exits 2', async () => {
    for (const argv of [[], ['frobnicate'], ['run'], ['unlink']]) {
      const r = await cli(...argv);
      expect(r).toMatchObject({ code: 2, out: '' });
      expect(r.err).toMatch(/^usage:/);
    }
  });

  it('run and check take FILEs and --json only, repl nothing: an option is not a file', async () => {
    const path = file('lf.lab', SCRIPTS['lf.lab']!);
    for (const [argv, why] of [
      [['run', '--bogus', path], 'unknown option --bogus'],
      [['run', path, '--step', '2'], 'unknown option --step'],
      [['check', path, '-x'], 'unknown option -x'],
      [['repl', path], 'repl takes no arguments'],
    ] as const) {
      const r = await cli(...argv);
      expect(r.code, why).toBe(2);
      expect(r.out, why).toBe('');
      expect(r.err).toContain(why);
      expect(r.err).toContain('usage:');
    }
    expect((await cli('check', path, '--json')).code).toBe(0);
  });

  it('the real command: unlink writes the exact bytes to stdout; --help exits 0', () => {
    const bin = fileURLToPath(new URL('../../bin/pagelab.mjs', import.meta.url));
    const run = (...argv: string[]) => spawnSync(process.execPath, [bin, ...argv]);
    const path = file('crlf.lab', SCRIPTS['crlf.lab']!);
    const link = run('link', path);
    expect(link.status).toBe(0);
    const back = run('unlink', link.stdout.toString().trim());
    expect(back.status).toBe(0);
    expect(back.stdout).toEqual(readFileSync(path));
    expect(back.stderr.toString()).toBe('(step 3)\n');
    const help = run('--help');
    expect(help.status).toBe(0);
    expect(help.stdout.toString()).toMatch(/^usage:/);
    expect(run('link').status).toBe(2);
  });

  it('the real repl answers help and help CMD, and runs commands', () => {
    const bin = fileURLToPath(new URL('../../bin/pagelab.mjs', import.meta.url));
    const r = spawnSync(process.execPath, [bin, 'repl'], { input: 'help map\nalloc as f\nhelp\n' });
    expect(r.status).toBe(0);
    const out = r.stdout.toString();
    expect(out).toContain('map C H [prop=FLAGS]');
    expect(out).toContain('ok f = UFrame');
    expect(out).toContain('Frames:');
    expect(out).toContain('Ctrl-D quits');
    expect(out).not.toContain('Syntax');
  });
});

describe('run', () => {
  it('prints every result and exits 1 only when check would fail the file', async () => {
    const expected = file(
      'expected.lab',
      'alloc as a\nfrobnicate\nexpect error Syntax\nexpect ok\n',
    );
    let r = await cli('run', expected);
    expect(r.out).toMatch(/error Syntax/);
    expect(r.code).toBe(1); // `expect ok` is about the failed line before it
    const fine = file(
      'fine.lab',
      'alloc as a\nfrobnicate\nexpect error Syntax\nexpect refcount a 1\n',
    );
    r = await cli('run', fine);
    expect(r.code).toBe(0); // the error was expected
    const wrong = file('wrong.lab', 'alloc as a\nexpect refcount a 2\n');
    r = await cli('run', wrong);
    expect(r.out).toMatch(/FAIL refcount/);
    expect(r.code).toBe(1);
    const unexpected = file('unexpected.lab', 'drop nothing\n');
    expect((await cli('run', unexpected)).code).toBe(1);
  });

  it('refuses a file that is not UTF-8, as check and link do', async () => {
    const bad = file('latin1.lab', new Uint8Array([0x6e, 0x6f, 0x74, 0x65, 0x20, 0xe9, 0x0a]));
    for (const cmd of ['run', 'check']) {
      const r = await cli(cmd, bad);
      expect(r.out + r.err).toMatch(/not UTF-8 text/);
      expect(r.code).not.toBe(0);
    }
  });
});

describe('--json', () => {
  it('gives one object per command, with the payload structured beside the printed line', async () => {
    const path = file(
      'json.lab',
      'machine mem=16M\nalloc as a\nvmspace as vs\nmap vs 0x1000 a\nactivate vs\nread 0x5000 2\n',
    );
    const { out } = await cli('run', path, '--json');
    const rows = out.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3, 4, 5, 6]);
    const alloc = rows[1] as {
      ok: boolean;
      effects: { kind: string; name?: string; paddr?: string }[];
    };
    expect(alloc.ok).toBe(true);
    expect(alloc.effects).toContainEqual(
      expect.objectContaining({ kind: 'bind', name: 'a', paddr: '0x242000' }),
    );
    const map = rows[3] as {
      effects: { kind: string; space?: string; va?: string; pages?: number }[];
    };
    expect(map.effects).toContainEqual(
      expect.objectContaining({ kind: 'pte', space: 'vs', va: '0x1000', pages: 1 }),
    );
    // An error: its code and clause as fields.
    const read = rows[5] as { ok: boolean; code: string };
    expect(read).toMatchObject({ ok: false, code: 'PageFault' });
  });
});
