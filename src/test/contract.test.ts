import type { CaptureStatus, HealthCheckStatus, LockKind, ThreadState } from '../api/types';
import {
  captureList,
  detailDone,
  detailFailed,
  detailSkipped,
  detailTruncated,
  health,
  submitResult,
} from './fixtures';

// Values the UI gives meaning to; a new one in the contract must be handled here first.
const STATUSES: CaptureStatus[] = ['queued', 'running', 'done', 'failed', 'skipped'];
const STATES: ThreadState[] = ['NEW', 'RUNNABLE', 'BLOCKED', 'WAITING', 'TIMED_WAITING', 'TERMINATED'];
const LOCK_KINDS: LockKind[] = [
  'waiting on',
  'locked',
  'waiting to lock',
  'parking to wait for',
  'waiting to re-lock',
  'owned',
];
const CHECK_STATUSES: HealthCheckStatus[] = ['ok', 'warning', 'error'];

describe('contract fixtures', () => {
  const details = [detailDone(), detailFailed(), detailSkipped(), detailTruncated()];

  it('use only capture statuses and triggers the UI knows', () => {
    for (const c of [...captureList().captures, ...details]) {
      expect(STATUSES).toContain(c.status);
      expect(['alert', 'manual']).toContain(c.trigger);
    }
  });

  it('use only thread states and lock kinds the UI knows', () => {
    for (const d of details) {
      for (const p of d.processes) {
        for (const t of p.threads) {
          if (t.state !== undefined) {
            expect(STATES).toContain(t.state);
          }
          for (const lock of [...(t.locks ?? []), ...(t.ownedSyncs ?? [])]) {
            expect(LOCK_KINDS).toContain(lock.kind);
            expect(lock.frame).toBeLessThan(t.frames?.length ?? 0);
          }
        }
      }
    }
  });

  it('use only health check statuses the UI knows', () => {
    const h = health();
    expect(['OK', 'ERROR', 'UNKNOWN']).toContain(h.status);
    for (const check of h.details?.checks ?? []) {
      expect(CHECK_STATUSES).toContain(check.status);
    }
  });

  it('give every skipped submission a reason', () => {
    for (const s of submitResult().skipped) {
      expect(s.reason).not.toBe('');
    }
  });
});
