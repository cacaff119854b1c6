// The one place that knows the kinds of evidence: kind → title, summary check, view and raw
// file name. Adding a kind is adding its folder and one entry here; nothing else branches on
// the kind.
import React from 'react';
import type { EvidencePiece, EvidenceSummaries, KnownEvidenceKind } from '../../api/types';
import { GoCpuView } from './go-cpu/GoCpuView';
import { GoroutinesView } from './go-goroutines/GoroutinesView';
import { GoHeapView } from './go-heap/GoHeapView';
import { JvmHeapView } from './jvm-heap/JvmHeapView';
import { PodStoryView } from './pod-story/PodStoryView';
import type { EvidenceViewProps } from './types';

interface KindView<S> {
  /** The heading of its card. */
  title: string;
  /** Whether a summary has the shape the view reads (a guard against a newer or broken backend). */
  accepts: (summary: unknown) => summary is S;
  view: React.ComponentType<EvidenceViewProps<S>>;
  /** The raw download's file name suffix, as the server names it. */
  rawName?: string;
  /** How to open the raw download. */
  rawNote?: string;
}

type Registry = { [K in KnownEvidenceKind]: KindView<EvidenceSummaries[K]> };

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNum(o: Obj, key: string): boolean {
  return typeof o[key] === 'number';
}

/** A Go list: an array, or null for an empty one. */
function isList(o: Obj, key: string): boolean {
  return o[key] === null || o[key] === undefined || Array.isArray(o[key]);
}

const PPROF_NOTE = 'open with go tool pprof';

export const EVIDENCE_VIEWS: Registry = {
  'go-cpu': {
    title: 'Go CPU profile',
    accepts: (s): s is EvidenceSummaries['go-cpu'] =>
      isObj(s) && isNum(s, 'windowNanos') && isNum(s, 'totalShare') && isList(s, 'topFlat') && isList(s, 'topCum'),
    view: GoCpuView,
    rawName: 'cpu.pb.gz',
    rawNote: PPROF_NOTE,
  },
  'go-goroutines': {
    title: 'Goroutines',
    accepts: (s): s is EvidenceSummaries['go-goroutines'] =>
      isObj(s) && isNum(s, 'total') && isNum(s, 'groupCount') && isList(s, 'groups') && isList(s, 'byState'),
    view: GoroutinesView,
    rawName: 'goroutines.pb.gz',
    rawNote: PPROF_NOTE,
  },
  'go-heap': {
    title: 'Go heap',
    accepts: (s): s is EvidenceSummaries['go-heap'] =>
      isObj(s) &&
      isNum(s, 'inUseBytes') &&
      isNum(s, 'allocBytes') &&
      isList(s, 'topInUseBytes') &&
      isList(s, 'topAllocBytes'),
    view: GoHeapView,
    rawName: 'heap.pb.gz',
    rawNote: PPROF_NOTE,
  },
  'jvm-heap': {
    title: 'JVM heap',
    accepts: (s): s is EvidenceSummaries['jvm-heap'] =>
      isObj(s) &&
      isNum(s, 'pid') &&
      (s.heap === undefined || isObj(s.heap)) &&
      (s.histogram === undefined || (isObj(s.histogram) && isObj(s.histogram.total) && isList(s.histogram, 'top'))),
    view: JvmHeapView,
    rawName: 'heap-histogram.txt',
  },
  'pod-story': {
    title: "The pod's story",
    accepts: (s): s is EvidenceSummaries['pod-story'] =>
      isObj(s) && isObj(s.story) && typeof s.story.alertStart === 'string' && isList(s, 'timeline'),
    view: PodStoryView,
  },
};

function isKnown(kind: string): kind is KnownEvidenceKind {
  return Object.prototype.hasOwnProperty.call(EVIDENCE_VIEWS, kind);
}

/** How a piece is shown: its card's title and raw file name, and its view (undefined: nothing to view). */
export interface ResolvedView {
  title: string;
  rawName?: string;
  rawNote?: string;
  /** The kind's view of the summary; undefined when there is no summary. */
  content?: React.ReactElement;
  /** Why there is no view although there is a summary: the kind is unknown, or its summary unreadable. */
  missing?: 'unknown-kind' | 'unreadable';
}

function resolveKnown<K extends KnownEvidenceKind>(kind: K, piece: EvidencePiece): ResolvedView {
  const entry: KindView<EvidenceSummaries[K]> = EVIDENCE_VIEWS[kind];
  const base = { title: entry.title, rawName: entry.rawName, rawNote: entry.rawNote };
  const summary = piece.summary;
  if (summary === null || summary === undefined) {
    return base;
  }
  if (!entry.accepts(summary)) {
    return { ...base, missing: 'unreadable' };
  }
  return { ...base, content: React.createElement(entry.view, { piece, summary }) };
}

/** Picks a piece's view by its kind. */
export function resolveView(piece: EvidencePiece): ResolvedView {
  if (isKnown(piece.kind)) {
    return resolveKnown(piece.kind, piece);
  }
  return { title: `Evidence "${piece.kind}"`, missing: 'unknown-kind' };
}
