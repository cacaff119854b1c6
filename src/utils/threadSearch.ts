import type { Frame, Thread } from '../api/types';

export function frameMatches(frame: Frame, query: string): boolean {
  const q = query.trim().toLowerCase();
  return q !== '' && (frame.method.toLowerCase().includes(q) || (frame.source ?? '').toLowerCase().includes(q));
}

/** Whether a thread's name or any of its frames contains query (case-insensitive); empty matches all. */
export function threadMatches(thread: Thread, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (q === '') {
    return true;
  }
  return thread.name.toLowerCase().includes(q) || (thread.frames ?? []).some((f) => frameMatches(f, q));
}
