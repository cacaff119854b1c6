import type { CaptureDetail, FlameNestedSet, WithFlameEvidence } from '../../api/types';
import { goFlame, jvmFlame } from './flameTree';

/** The kind of evidence holding a Go CPU profile. */
export const GO_CPU_KIND = 'go-cpu';

/** What the flame graphs read of a capture. */
export type FlameCapture = Pick<CaptureDetail, 'processes'> & WithFlameEvidence;

/** One call tree a capture can show as a flame graph, or why it cannot. */
export interface FlameSource {
  key: string;
  label: string;
  /** Undefined when problem says why there is no tree. */
  tree?: FlameNestedSet;
  problem?: string;
}

/**
 * The flame graphs of a capture: one per JVM (its threads weighted by CPU), then one per go-cpu
 * piece (its profile's call tree). A JVM whose threads used no CPU and a failed or unreadable
 * profile are listed with the reason, so the user learns why there is no graph.
 */
export function flameSources(capture: FlameCapture): FlameSource[] {
  const sources: FlameSource[] = [];
  const processes = capture.processes ?? [];
  processes.forEach((p, i) => {
    const where = `JVM PID ${p.pid}${p.container ? ` in ${p.container}` : ''}`;
    const tree = jvmFlame(p);
    sources.push(
      tree.values[0] > 0
        ? { key: `jvm-${i}`, label: where, tree }
        : { key: `jvm-${i}`, label: where, problem: 'No thread of this JVM used CPU over the window.' }
    );
  });
  for (const piece of capture.evidence ?? []) {
    if (piece.kind !== GO_CPU_KIND) {
      continue;
    }
    const key = `go-cpu-${piece.id}`;
    const label = `Go CPU profile${piece.container ? ` of ${piece.container}` : ''}`;
    const read = goFlame(piece.summary);
    if ('set' in read) {
      sources.push({ key, label, tree: read.set });
    } else if (piece.failure) {
      sources.push({ key, label, problem: `The profile was not taken: ${piece.failure.message}` });
    } else {
      sources.push({ key, label, problem: read.problem });
    }
  }
  return sources;
}
