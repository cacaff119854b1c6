import type { Thread } from '../api/types';

export interface RankedThread {
  thread: Thread;
  /** 1 for the busiest. */
  rank: number;
}

/** Threads busiest first; equal CPU keeps the backend's order, so ranks are stable across renders. */
export function rankThreads(threads: Thread[]): RankedThread[] {
  return threads
    .map((thread, i) => ({ thread, i }))
    .sort((a, b) => b.thread.cpuPercent - a.thread.cpuPercent || a.i - b.i)
    .map(({ thread }, i) => ({ thread, rank: i + 1 }));
}

/** The element id of a thread's card: the process's index on the page and the thread's rank in it. */
export function threadAnchor(processIndex: number, rank: number): string {
  return `thread-${processIndex}-${rank}`;
}

/** The process index and rank in an anchor made by threadAnchor; undefined for other ids. */
export function parseThreadAnchor(anchor: string): { processIndex: number; rank: number } | undefined {
  const m = /^thread-(\d+)-(\d+)$/.exec(anchor);
  return m ? { processIndex: Number(m[1]), rank: Number(m[2]) } : undefined;
}
