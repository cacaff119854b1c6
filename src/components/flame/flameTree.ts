// Call trees for Grafana's flame graph: built from a JVM's threads, or read from a go-cpu piece's
// summary, always in the nested-set form Grafana's flame graph data frame uses (one row per node,
// depth first, root first, with its level, total value, self value and label).
import { createDataFrame, FieldType, type DataFrame } from '@grafana/data';
import type { FlameNestedSet, Process } from '../../api/types';

export const NANOSECONDS = 'nanoseconds';
const NS_PER_MS = 1_000_000;

interface TreeNode {
  label: string;
  total: number;
  self: number;
  children: Map<string, TreeNode>;
}

function newNode(label: string): TreeNode {
  return { label, total: 0, self: 0, children: new Map() };
}

function childOf(parent: TreeNode, label: string): TreeNode {
  let child = parent.children.get(label);
  if (!child) {
    child = newNode(label);
    parent.children.set(label, child);
  }
  return child;
}

/** The root's label for a JVM's flame graph. */
export function jvmRootLabel(process: Process): string {
  return `PID ${process.pid}${process.container ? ` in ${process.container}` : ''}: all sampled threads`;
}

/**
 * A JVM's flame graph: under the root, one node per thread (by name), then its stack from the
 * outermost frame (the thread's run method) to the innermost, each weighted by the thread's CPU
 * time over the window. Frames are functions without line numbers, so two lines of one method
 * merge; threads without a stack (VM threads, or gone before the dump) spend all in themselves.
 * Threads that used no CPU are left out: they would have no width.
 */
export function jvmFlame(process: Process): FlameNestedSet {
  const root = newNode(jvmRootLabel(process));
  for (const thread of process.threads ?? []) {
    const weight = Math.max(0, thread.cpuMs) * NS_PER_MS;
    if (!(weight > 0)) {
      continue;
    }
    let node = childOf(root, thread.name);
    node.total += weight;
    const frames = thread.frames ?? [];
    // A dump lists the innermost frame first; the flame graph grows from the outermost.
    for (let i = frames.length - 1; i >= 0; i--) {
      node = childOf(node, frames[i].method);
      node.total += weight;
    }
    node.self += weight;
    root.total += weight;
  }
  return flatten(root);
}

// Depth first, root first, the widest child first at every level: the order Grafana's flame
// graph reads, and the order its table lists.
function flatten(root: TreeNode): FlameNestedSet {
  const set: FlameNestedSet = { levels: [], values: [], selfs: [], labels: [], unit: NANOSECONDS };
  const stack: Array<{ node: TreeNode; level: number }> = [{ node: root, level: 0 }];
  while (stack.length > 0) {
    const { node, level } = stack.pop()!;
    set.levels.push(level);
    set.values.push(node.total);
    set.selfs.push(node.self);
    set.labels.push(node.label);
    const children = [...node.children.values()].sort((a, b) => b.total - a.total);
    for (let i = children.length - 1; i >= 0; i--) {
      stack.push({ node: children[i], level: level + 1 });
    }
  }
  return set;
}

/**
 * Why a nested set cannot be drawn, or undefined when it can: the arrays must be of one length,
 * hold one root at level 0 and never skip a level going down, and every node's value must be
 * a finite number no smaller than its self nor than its children's sum (Grafana's flame graph
 * would draw overlapping or negative boxes otherwise).
 */
export function nestedSetProblem(set: FlameNestedSet): string | undefined {
  const n = set.levels.length;
  if (set.values.length !== n || set.selfs.length !== n || set.labels.length !== n) {
    return `levels, values, selfs and labels differ in length (${n}, ${set.values.length}, ${set.selfs.length}, ${set.labels.length})`;
  }
  if (n === 0) {
    return 'the tree is empty';
  }
  if (set.levels[0] !== 0) {
    return `the first node is at level ${set.levels[0]}, not the root's 0`;
  }
  // The sum of the children seen so far of each node on the path from the root.
  const path: Array<{ index: number; childSum: number }> = [];
  for (let i = 0; i < n; i++) {
    const level = set.levels[i];
    const value = set.values[i];
    const self = set.selfs[i];
    if (!Number.isInteger(level) || (i > 0 && level < 1)) {
      return `node ${i} ("${set.labels[i]}") has level ${level}: only the first node is a root`;
    }
    if (level > path.length) {
      return `node ${i} ("${set.labels[i]}") jumps to level ${level} below a node of level ${path.length - 1}`;
    }
    if (!Number.isFinite(value) || !Number.isFinite(self) || value < 0 || self < 0 || self > value) {
      return `node ${i} ("${set.labels[i]}") has value ${value} and self ${self}`;
    }
    path.length = level;
    if (level > 0) {
      const parent = path[level - 1];
      parent.childSum += value;
      if (parent.childSum > set.values[parent.index] * (1 + 1e-9)) {
        return `the children of node ${parent.index} ("${set.labels[parent.index]}") sum to more than its value ${set.values[parent.index]}`;
      }
    }
    path.push({ index: i, childSum: 0 });
  }
  return undefined;
}

function isNumberArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'number');
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/** The flame tree of a go-cpu piece's summary, or why there is none. */
export function goFlame(summary: unknown): { set: FlameNestedSet } | { problem: string } {
  const flame =
    summary !== null && typeof summary === 'object' && 'flame' in summary
      ? (summary as { flame: unknown }).flame
      : undefined;
  if (flame === undefined || flame === null) {
    return { problem: 'The profile holds no call tree.' };
  }
  if (typeof flame !== 'object') {
    return { problem: 'The call tree is not an object.' };
  }
  const f = flame as Partial<Record<keyof FlameNestedSet, unknown>>;
  if (!isNumberArray(f.levels) || !isNumberArray(f.values) || !isNumberArray(f.selfs) || !isStringArray(f.labels)) {
    return { problem: 'The call tree lacks levels, values, selfs or labels.' };
  }
  const set: FlameNestedSet = {
    levels: f.levels,
    values: f.values,
    selfs: f.selfs,
    labels: f.labels,
    unit: typeof f.unit === 'string' ? f.unit : NANOSECONDS,
  };
  const problem = nestedSetProblem(set);
  return problem ? { problem: `The call tree cannot be drawn: ${problem}.` } : { set };
}

// Grafana's unit ids for the units a summary names.
function grafanaUnit(unit: string): string {
  switch (unit) {
    case NANOSECONDS:
      return 'ns';
    case 'bytes':
      return 'bytes';
    default:
      return 'short';
  }
}

/** The data frame Grafana's flame graph panel draws: fields level, value, self and label. */
export function flameDataFrame(set: FlameNestedSet, name = 'flame'): DataFrame {
  const unit = grafanaUnit(set.unit);
  return createDataFrame({
    name,
    fields: [
      { name: 'level', type: FieldType.number, values: set.levels },
      { name: 'value', type: FieldType.number, values: set.values, config: { unit } },
      { name: 'self', type: FieldType.number, values: set.selfs, config: { unit } },
      { name: 'label', type: FieldType.string, values: set.labels },
    ],
  });
}
