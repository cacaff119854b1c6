import type { FlameNestedSet, Process } from '../../api/types';
import { detailGoCpu } from '../../test/acrossFixtures';
import { detailDone } from '../../test/fixtures';
import { flameDataFrame, goFlame, jvmFlame, nestedSetProblem } from './flameTree';

const NS_PER_MS = 1_000_000;

function jvm(): Process {
  return detailDone().processes[0];
}

/** Index of each node's parent in a nested set (-1 for the root). */
function parents(set: FlameNestedSet): number[] {
  const path: number[] = [];
  return set.levels.map((level, i) => {
    path.length = level;
    const parent = level === 0 ? -1 : path[level - 1];
    path.push(i);
    return parent;
  });
}

/** The nodes at a level whose labels are given, with their values. */
function at(set: FlameNestedSet, level: number) {
  return set.levels.flatMap((l, i) => (l === level ? [{ label: set.labels[i], value: set.values[i], index: i }] : []));
}

describe('jvmFlame', () => {
  it('weighs the root with the CPU of every thread over the window', () => {
    const p = jvm();
    const set = jvmFlame(p);
    const cpuMs = p.threads.reduce((sum, t) => sum + t.cpuMs, 0);
    expect(cpuMs).toBeGreaterThan(0);
    expect(set.values[0]).toBe(cpuMs * NS_PER_MS);
    expect(set.levels[0]).toBe(0);
    expect(set.unit).toBe('nanoseconds');
    expect(nestedSetProblem(set)).toBeUndefined();
  });

  it('puts the threads that used CPU under the root, busiest first, and leaves idle ones out', () => {
    const p = jvm();
    const set = jvmFlame(p);
    const threads = at(set, 1);
    const busy = p.threads.filter((t) => t.cpuMs > 0).sort((a, b) => b.cpuMs - a.cpuMs);
    expect(threads.map((t) => t.label)).toEqual(busy.map((t) => t.name));
    expect(threads.map((t) => t.value)).toEqual(busy.map((t) => t.cpuMs * NS_PER_MS));
    expect(set.labels).not.toContain('idle-pool-0');
  });

  it('makes the spinning thread and its frames the widest at every depth it reaches', () => {
    const p = jvm();
    const spinner = p.threads.find((t) => t.name === 'hot-spinner')!;
    const set = jvmFlame(p);
    const parent = parents(set);
    // From the thread node, its stack outermost first: the last frame of the dump is at level 2.
    const frames = [...(spinner.frames ?? [])].reverse();
    let node = set.labels.findIndex((l, i) => l === spinner.name && set.levels[i] === 1);
    for (const [depth, frame] of frames.entries()) {
      const child = set.labels.findIndex((l, i) => l === frame.method && parent[i] === node);
      expect(child).toBeGreaterThan(node);
      expect(set.levels[child]).toBe(depth + 2);
      node = child;
      const widest = Math.max(...at(set, depth + 2).map((n) => n.value));
      expect(set.values[node]).toBe(widest);
      expect(set.values[node]).toBe(spinner.cpuMs * NS_PER_MS);
    }
    // The innermost frame is where the thread spent its time.
    expect(set.selfs[node]).toBe(spinner.cpuMs * NS_PER_MS);
  });

  it('keeps a thread without a stack as a node of its own that spends all in itself', () => {
    const set = jvmFlame(jvm());
    const gc = set.labels.indexOf('GC Thread#0');
    expect(set.levels[gc]).toBe(1);
    expect(set.selfs[gc]).toBe(set.values[gc]);
    expect(set.levels[gc + 1] ?? 1).toBeLessThanOrEqual(1);
  });

  it('merges two threads of one name and the same frames, summing their CPU', () => {
    const p = jvm();
    const frames = [{ method: 'com.acme.Pool.work' }, { method: 'java.lang.Thread.run' }];
    p.threads = [
      { name: 'worker', nid: 1, cpuPercent: 10, cpuMs: 200, inDump: true, frames },
      { name: 'worker', nid: 2, cpuPercent: 5, cpuMs: 100, inDump: true, frames },
      { name: 'other', nid: 3, cpuPercent: 1, cpuMs: 20, inDump: true, frames: [{ method: 'com.acme.Other.run' }] },
    ];
    const set = jvmFlame(p);
    expect(set.labels.slice(1)).toEqual([
      'worker',
      'java.lang.Thread.run',
      'com.acme.Pool.work',
      'other',
      'com.acme.Other.run',
    ]);
    expect(set.values.slice(1).map((v) => v / NS_PER_MS)).toEqual([300, 300, 300, 20, 20]);
    expect(nestedSetProblem(set)).toBeUndefined();
  });

  it('gives a JVM whose threads used no CPU a root of zero', () => {
    const p = jvm();
    p.threads = p.threads.map((t) => ({ ...t, cpuMs: 0, cpuPercent: 0 }));
    expect(jvmFlame(p).values).toEqual([0]);
  });
});

describe('goFlame', () => {
  const summary = () => detailGoCpu().evidence![0].summary as { flame: FlameNestedSet };

  it('reads the go-cpu summary tree as it is served', () => {
    const read = goFlame(summary());
    expect('set' in read && read.set).toEqual(summary().flame);
  });

  it.each<[string, (f: FlameNestedSet) => void, RegExp]>([
    ['arrays of different lengths', (f) => f.selfs.pop(), /differ in length/],
    ['no root first', (f) => (f.levels[0] = 1), /not the root/],
    ['a second root', (f) => (f.levels[3] = 0), /only the first node is a root/],
    ['a level skipped', (f) => (f.levels[2] = 3), /jumps to level 3/],
    ['a self above its value', (f) => (f.selfs[3] = f.values[3] + 1), /has value/],
    ['a negative value', (f) => (f.values[4] = -1), /has value/],
    ['children heavier than their parent', (f) => (f.values[4] = f.values[3] * 2), /sum to more than/],
  ])('refuses %s with a reason', (_, spoil, reason) => {
    const s = summary();
    spoil(s.flame);
    const read = goFlame(s);
    expect('problem' in read && read.problem).toMatch(reason);
  });

  it.each<[string, unknown]>([
    ['no summary', null],
    ['no flame', { totalNanos: 5 }],
    ['a flame of strings', { flame: { levels: ['0'], values: [1], selfs: [1], labels: ['total'] } }],
  ])('says there is no tree for %s', (_, s) => {
    expect(goFlame(s)).toEqual({ problem: expect.stringMatching(/call tree/) });
  });
});

describe('flameDataFrame', () => {
  it('has the fields Grafana’s flame graph reads, values in nanoseconds', () => {
    const set = jvmFlame(jvm());
    const frame = flameDataFrame(set);
    expect(frame.fields.map((f) => [f.name, f.type])).toEqual([
      ['level', 'number'],
      ['value', 'number'],
      ['self', 'number'],
      ['label', 'string'],
    ]);
    expect(frame.fields[1].config.unit).toBe('ns');
    expect(frame.length).toBe(set.levels.length);
    expect(frame.fields[3].values).toEqual(set.labels);
  });
});
