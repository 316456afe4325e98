import { describe, expect, it } from 'vitest';
import { createSimApi } from './host';

const LESSONS = import.meta.glob('../scenarios/lessons/*.lab', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

describe('predictions', () => {
  it('reads the form and the answer from the expect lines after the command', async () => {
    const api = createSimApi();
    await api.load(
      [
        'machine mem=16M cpus=1',
        'vmspace as vs',
        'alloc as page',
        'ask "What is the refcount?"',
        'clone page as extra',
        'expect refcount page 2',
        'ask "Does it map?"',
        '',
        'map vs 0x1001 page',
        'expect error NotAligned',
        'note misaligned',
      ].join('\n'),
      0,
    );
    expect(await api.prediction(3)).toBeNull();
    const p = await api.prediction(4);
    expect(p).toMatchObject({
      step: 4,
      question: 'What is the refcount?',
      command: { step: 5, source: 'clone page as extra' },
      form: 'value',
      choices: [],
      revealStep: 6,
    });
    expect(await api.judge({ ask: 4 }, ' 2 ')).toEqual({ right: true, answer: '2' });
    expect(await api.judge({ ask: 4 }, '1')).toEqual({ right: false, answer: '2' });
    const q = await api.prediction(7);
    expect(q).toMatchObject({ form: 'outcome', command: { step: 9 }, revealStep: 10 });
    expect(q!.choices).toContain('error NotAligned');
    expect(await api.judge({ ask: 7 }, 'error NotAligned')).toMatchObject({ right: true });
    expect(await api.judge({ ask: 7 }, 'ok')).toMatchObject({ right: false });
  });

  it('every ask in every lesson has a prediction its own answer judges right', async () => {
    expect(Object.keys(LESSONS).length).toBeGreaterThan(30);
    for (const [f, text] of Object.entries(LESSONS)) {
      const api = createSimApi();
      const lines = text.split('\n');
      await api.load(text, 0);
      for (let i = 0; i < lines.length; i++) {
        if (!/^\s*ask\s/.test(lines[i]!)) continue;
        const p = await api.prediction(i + 1);
        expect(p, `${f}:${i + 1}`).not.toBeNull();
        await api.seek(i + 1);
        const v = await api.judge({ ask: i + 1 }, 'certainly not this');
        expect(v?.right, `${f}:${i + 1}`).toBe(false);
        const shown = v!.answer.replace(/\s*\(.*$/, '').replace(/^an error$/, 'error Panic');
        const right = await api.judge({ ask: i + 1 }, shown.split(', ')[0]!);
        expect(right?.right, `${f}:${i + 1}: ${v!.answer}`).toBe(true);
      }
    }
  });
});

describe('exercises', () => {
  it('validates KIND-SEED and judges with the simulator’s answer', async () => {
    const api = createSimApi();
    expect(await api.exerciseKinds()).toEqual(['translate', 'refcount', 'rw']);
    expect(await api.exercise('nope-1')).toEqual({
      ok: false,
      error: '“nope” is not an exercise kind (one of: translate, refcount, rw)',
    });
    expect(await api.exercise('translate-4294967296')).toMatchObject({ ok: false });
    expect(await api.exercise('translate')).toMatchObject({ ok: false });
    const ex = await api.exercise('refcount-42');
    expect(ex).toMatchObject({ ok: true, id: 'refcount-42', kind: 'refcount', seed: 42 });
    const wrong = await api.judge({ exercise: 'refcount-42' }, 'banana');
    expect(wrong?.right).toBe(false);
    const right = await api.judge({ exercise: 'refcount-42' }, wrong!.answer.split(' ')[0]!);
    expect(right?.right).toBe(true);
    expect(await api.judge({ exercise: 'x-1' }, '1')).toBeNull();
  });
});
