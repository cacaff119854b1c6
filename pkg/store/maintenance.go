package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// finishedStatuses are the statuses Prune may delete; queued and running
// captures belong to work in flight.
const finishedStatuses = "('done', 'failed', 'skipped')"

// pruneBatch caps the rows one delete transaction removes, so the write lock is
// never held long and other writers interleave with a large prune.
const pruneBatch = 500

// rowOverhead approximates what a capture costs besides its blobs (row, index
// entries, page slack); Prune uses it only to size batches.
const rowOverhead = 400

// RecoverInterrupted fails every capture left queued or running, which after a
// start can only mean the previous process died mid-way. Call it once on start,
// before accepting work. It returns how many captures it failed.
func (s *Store) RecoverInterrupted(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.write.ExecContext(ctx, `UPDATE captures SET status = 'failed', finished_at = ?, error = ?
		WHERE status IN ('queued', 'running')`, now.UnixMilli(), ReasonRestarted)
	if err != nil {
		return 0, fmt.Errorf("recover interrupted captures: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("recover interrupted captures: %w", err)
	}
	return n, nil
}

// ReasonStoppedPrefix starts the Error of captures cut short because the plugin stopped.
const ReasonStoppedPrefix = "the plugin stopped"

// ReasonOrphaned is the Error of captures RecoverOrphans fails: the same words as for any
// restart, which is what a user sees happen.
const ReasonOrphaned = ReasonRestarted

// RecoverOrphans fails the queued and running captures whose owner is not alive
// (alive reports it; an empty owner, from before owners were recorded, is never
// alive). Unlike RecoverInterrupted it never touches the captures of another
// live process on the same file, whatever path it opened it by.
func (s *Store) RecoverOrphans(ctx context.Context, now time.Time, alive func(owner string) bool) (int64, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT DISTINCT owner FROM captures WHERE status IN ('queued', 'running')`)
	if err != nil {
		return 0, fmt.Errorf("recover orphaned captures: %w", err)
	}
	var dead []any
	for rows.Next() {
		var owner string
		if err := rows.Scan(&owner); err != nil {
			_ = rows.Close()
			return 0, fmt.Errorf("recover orphaned captures: %w", err)
		}
		if owner == "" || !alive(owner) {
			dead = append(dead, owner)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, fmt.Errorf("recover orphaned captures: %w", err)
	}
	if len(dead) == 0 {
		return 0, nil
	}
	res, err := s.write.ExecContext(ctx, `UPDATE captures SET status = 'failed', finished_at = ?, error = ?
		WHERE status IN ('queued', 'running') AND owner IN (`+placeholders(len(dead))+`)`,
		append([]any{now.UnixMilli(), ReasonOrphaned}, dead...)...)
	if err != nil {
		return 0, fmt.Errorf("recover orphaned captures: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("recover orphaned captures: %w", err)
	}
	return n, nil
}

// ReasonOverdue is the Error of captures Sweep fails.
const ReasonOverdue = "overdue: the capture did not finish by its deadline (captureTimeout for the wait, again for the run, plus time to store); " +
	"its outcome could not be recorded, most likely because the database was not writable (see the health check)"

// Sweep fails every queued or running capture whose deadline has passed, so none
// stays queued or running for ever when its final write was lost. It returns how
// many it failed.
func (s *Store) Sweep(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.write.ExecContext(ctx, `UPDATE captures SET status = 'failed', finished_at = ?, error = ?
		WHERE status IN ('queued', 'running') AND deadline_at IS NOT NULL AND deadline_at < ?`,
		now.UnixMilli(), ReasonOverdue, now.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("sweep overdue captures: %w", s.describeWriteError(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sweep overdue captures: %w", err)
	}
	return n, nil
}

// PruneOrg deletes org's finished captures created before now − maxAge: each
// org's retention applies to its own captures only.
func (s *Store) PruneOrg(ctx context.Context, org int64, now time.Time, maxAge time.Duration) (int64, error) {
	if org < 1 || maxAge <= 0 {
		return 0, nil
	}
	cutoff := now.Add(-maxAge).UnixMilli()
	var deleted int64
	for {
		res, err := s.write.ExecContext(ctx, `DELETE FROM captures WHERE id IN (
			SELECT id FROM captures WHERE org_id = ? AND created_at < ? AND status IN `+finishedStatuses+`
			ORDER BY created_at, id LIMIT ?)`, org, cutoff, pruneBatch)
		if err != nil {
			return deleted, fmt.Errorf("prune org %d captures older than %s: %w", org, maxAge, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return deleted, fmt.Errorf("prune org %d captures older than %s: %w", org, maxAge, err)
		}
		deleted += n
		if n < pruneBatch {
			break
		}
	}
	if deleted > 0 {
		if err := s.reclaim(ctx); err != nil {
			return deleted, err
		}
	}
	return deleted, nil
}

// cooldownPod is the Pod of a capture's cooldown Key: "node/<node>" for a node capture.
const cooldownPod = `CASE WHEN pod = '' AND node != '' THEN 'node/' || node ELSE pod END`

// Key names one container of one cluster for the cooldown.
type Key struct {
	Cluster, Namespace, Pod, Container string
}

// LastCaptureTimes returns, per (namespace, pod, container), the creation time
// of the newest capture created at or after since that was not skipped, so the
// cooldown can be rebuilt after a restart. Container is what the capture
// stored: empty for captures that never resolved their container.
func (s *Store) LastCaptureTimes(ctx context.Context, since time.Time) (map[Key]time.Time, error) {
	// A capture the plugin cut short (stopped, restarted, never started) does not count: the
	// next alert must not wait out a cooldown for an attempt that never completed.
	// A node capture (no pod) cools down per node: its key's Pod is "node/<node>".
	rows, err := s.read.QueryContext(ctx, `SELECT cluster, namespace, `+cooldownPod+`, container, MAX(created_at) FROM captures
		WHERE created_at >= ? AND status != 'skipped'
		AND NOT (status = 'failed' AND (started_at IS NULL OR error = ? OR error LIKE ?))
		GROUP BY cluster, namespace, `+cooldownPod+`, container`, since.UnixMilli(), ReasonRestarted, ReasonStoppedPrefix+"%")
	if err != nil {
		return nil, fmt.Errorf("last capture times: %w", err)
	}
	defer rows.Close()
	out := map[Key]time.Time{}
	for rows.Next() {
		var k Key
		var ms int64
		if err := rows.Scan(&k.Cluster, &k.Namespace, &k.Pod, &k.Container, &ms); err != nil {
			return nil, fmt.Errorf("last capture times: %w", err)
		}
		out[k] = time.UnixMilli(ms).UTC()
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("last capture times: %w", err)
	}
	return out, nil
}

// UsedBytes is the size Prune holds under its cap: the bytes of the database
// pages in use, (page_count − freelist_count) × page_size. That is the size
// the file shrinks to once freed pages are returned (which Prune does), and it
// counts everything stored: rows, indexes, compressed blobs. It leaves out the
// WAL file, which checkpoints keep to a few MB and Prune truncates.
func (s *Store) UsedBytes(ctx context.Context) (int64, error) {
	var pageCount, freelist, pageSize int64
	err := s.read.QueryRowContext(ctx,
		"SELECT p.page_count, f.freelist_count, s.page_size FROM pragma_page_count() p, pragma_freelist_count() f, pragma_page_size() s",
	).Scan(&pageCount, &freelist, &pageSize)
	if err != nil {
		return 0, fmt.Errorf("database size: %w", err)
	}
	return (pageCount - freelist) * pageSize, nil
}

// Prune deletes finished (done, failed, skipped) captures created before
// now − maxAge, then, while UsedBytes is above maxBytes, the oldest finished
// captures, and returns the freed pages to the file system. Queued and running
// captures are never deleted, so the size can stay above maxBytes when they
// alone exceed it. maxAge ≤ 0 or maxBytes ≤ 0 disables that rule.
func (s *Store) Prune(ctx context.Context, now time.Time, maxAge time.Duration, maxBytes int64) (int64, error) {
	var deleted int64
	if maxAge > 0 {
		cutoff := now.Add(-maxAge).UnixMilli()
		for {
			res, err := s.write.ExecContext(ctx, `DELETE FROM captures WHERE id IN (
				SELECT id FROM captures WHERE created_at < ? AND status IN `+finishedStatuses+`
				ORDER BY created_at, id LIMIT ?)`, cutoff, pruneBatch)
			if err != nil {
				return deleted, fmt.Errorf("prune captures older than %s: %w", maxAge, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return deleted, fmt.Errorf("prune captures older than %s: %w", maxAge, err)
			}
			deleted += n
			if n < pruneBatch {
				break
			}
		}
	}
	if maxBytes > 0 {
		n, err := s.pruneToSize(ctx, maxBytes)
		deleted += n
		if err != nil {
			return deleted, err
		}
	}
	if deleted > 0 {
		if err := s.reclaim(ctx); err != nil {
			return deleted, err
		}
	}
	return deleted, nil
}

func (s *Store) pruneToSize(ctx context.Context, maxBytes int64) (int64, error) {
	var deleted int64
	for {
		used, err := s.UsedBytes(ctx)
		if err != nil {
			return deleted, fmt.Errorf("prune to %d bytes: %w", maxBytes, err)
		}
		if used <= maxBytes {
			return deleted, nil
		}
		ids, err := s.oldestToFree(ctx, used-maxBytes)
		if err != nil {
			return deleted, fmt.Errorf("prune to %d bytes: %w", maxBytes, err)
		}
		if len(ids) == 0 {
			return deleted, nil // only queued/running captures left
		}
		res, err := s.write.ExecContext(ctx, `DELETE FROM captures WHERE id IN (`+placeholders(len(ids))+`) AND status IN `+finishedStatuses, ids...)
		if err != nil {
			return deleted, fmt.Errorf("prune to %d bytes: %w", maxBytes, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return deleted, fmt.Errorf("prune to %d bytes: %w", maxBytes, err)
		}
		deleted += n
	}
}

// oldestToFree picks the oldest finished captures whose estimated size adds up
// to need bytes (at most pruneBatch of them). The estimate only sizes the
// batch; the loop in pruneToSize re-measures the real size after each one.
func (s *Store) oldestToFree(ctx context.Context, need int64) ([]any, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, blob_bytes FROM captures WHERE status IN `+finishedStatuses+`
		ORDER BY created_at, id LIMIT ?`, pruneBatch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []any
	var sum int64
	for sum < need && rows.Next() {
		var id, blobBytes int64
		if err := rows.Scan(&id, &blobBytes); err != nil {
			return nil, err
		}
		ids = append(ids, id)
		sum += blobBytes + rowOverhead
	}
	return ids, rows.Err()
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// reclaim returns free pages to the file system (the file was created with
// auto_vacuum=INCREMENTAL) and folds the WAL into the file, truncating it. A
// checkpoint that readers keep from completing is retried by the next prune.
func (s *Store) reclaim(ctx context.Context) error {
	if _, err := s.write.ExecContext(ctx, "PRAGMA incremental_vacuum"); err != nil {
		return fmt.Errorf("reclaim free pages of %s: %w", s.path, err)
	}
	var busy, logPages, checkpointed int
	if err := s.write.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logPages, &checkpointed); err != nil {
		return fmt.Errorf("checkpoint %s: %w", s.path, err)
	}
	return nil
}

// RunRetention prunes at once and then every interval until ctx is done.
// Errors go to onError (which may be nil) and do not stop the loop.
func (s *Store) RunRetention(ctx context.Context, interval, maxAge time.Duration, maxBytes int64, onError func(error)) {
	if interval <= 0 {
		interval = time.Hour
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if _, err := s.Prune(ctx, time.Now(), maxAge, maxBytes); err != nil && ctx.Err() == nil && onError != nil {
			onError(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Writable proves the database accepts a committed write, for the health
// check, and says what to do when it does not.
func (s *Store) Writable(ctx context.Context) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO health_probe (id, at) VALUES (1, ?)
		ON CONFLICT (id) DO UPDATE SET at = excluded.at`, time.Now().UnixMilli())
	if err != nil {
		return s.describeWriteError(err)
	}
	return nil
}

// describeWriteError turns a failed write into an actionable message.
func (s *Store) describeWriteError(err error) error {
	hint := "check the file system holding it"
	var se *sqlite.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		hint = "timed out waiting for the write lock: another process may hold the database open in a long transaction"
	case errors.As(err, &se):
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_READONLY:
			hint = fmt.Sprintf("the database is read-only: make the file, its -wal/-shm files and its directory writable by uid %d, and check the volume is not mounted read-only", os.Getuid())
		case sqlite3.SQLITE_FULL:
			hint = "the disk is full: free space on the volume, or lower the retention size or age"
		case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH:
			hint = fmt.Sprintf("cannot open the file for writing: check that the directory exists and is writable by uid %d", os.Getuid())
		case sqlite3.SQLITE_IOERR:
			hint = "an I/O error: check the disk and the volume mount"
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			hint = "the database is locked by another process"
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			hint = "the file is corrupt or not a SQLite database: move it aside and restart the plugin"
		}
	}
	return fmt.Errorf("store %s is not writable: %s: %w", s.path, hint, err)
}

// Stats describes the database for diagnostics.
type Stats struct {
	ByStatus  map[Status]int64
	UsedBytes int64 // see UsedBytes
	FileBytes int64 // the main file, as on disk
	WALBytes  int64 // the -wal file, as on disk
}

// Stats counts captures by status and measures the files.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	st := Stats{ByStatus: map[Status]int64{}}
	rows, err := s.read.QueryContext(ctx, "SELECT status, COUNT(*) FROM captures GROUP BY status")
	if err != nil {
		return Stats{}, fmt.Errorf("store stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var status string
		var n int64
		if err := rows.Scan(&status, &n); err != nil {
			return Stats{}, fmt.Errorf("store stats: %w", err)
		}
		st.ByStatus[Status(status)] = n
	}
	if err := rows.Err(); err != nil {
		return Stats{}, fmt.Errorf("store stats: %w", err)
	}
	if st.UsedBytes, err = s.UsedBytes(ctx); err != nil {
		return Stats{}, fmt.Errorf("store stats: %w", err)
	}
	if fi, err := os.Stat(s.path); err == nil {
		st.FileBytes = fi.Size()
	}
	if fi, err := os.Stat(s.path + "-wal"); err == nil {
		st.WALBytes = fi.Size()
	}
	return st, nil
}
