package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// schemaV4 keeps what runs a pod (its workload) on each capture and the frames each capture
// found hottest, so that captures of one workload can be read across pods and rollouts.
// Captures from before it have an empty workload and no frames: they are in no workload's
// history.
const schemaV4 = `
ALTER TABLE captures ADD COLUMN workload_kind TEXT NOT NULL DEFAULT ''; -- Deployment, StatefulSet, …, Pod; '' unknown
ALTER TABLE captures ADD COLUMN workload_name TEXT NOT NULL DEFAULT '';
-- A workload's done captures by time: hot frames over a range and the previous capture are
-- ranges on it with no sort.
CREATE INDEX captures_workload ON captures (org_id, cluster, namespace, workload_kind, workload_name, status, created_at);
CREATE TABLE capture_frames (
	capture_id INTEGER NOT NULL REFERENCES captures (id) ON DELETE CASCADE,
	rank       INTEGER NOT NULL,           -- 0 is the hottest of the capture
	frame      TEXT    NOT NULL,           -- method or function without line number (jvm.FrameKey, Go function name)
	thread     TEXT    NOT NULL DEFAULT '', -- the JVM thread it was the top application frame of; '' for Go
	share      REAL,                        -- CPU over the window, 1.0 = one core; NULL when not measured
	PRIMARY KEY (capture_id, rank)
) WITHOUT ROWID;
`

// Workload is what runs a capture's pod (kube.Workload as stored): zero when unknown.
type Workload struct {
	Kind string
	Name string
}

// Known reports whether the workload was resolved.
func (w Workload) Known() bool { return w.Kind != "" && w.Name != "" }

// WorkloadKey names one workload of one org: captures of its pods, whatever the pod names.
type WorkloadKey struct {
	OrgID     int64
	Cluster   string
	Namespace string
	Workload
}

func (k WorkloadKey) validate() error {
	switch {
	case k.OrgID < 1:
		return fmt.Errorf("%w: org %d", ErrBadFilter, k.OrgID)
	case k.Namespace == "":
		return fmt.Errorf("%w: namespace is empty", ErrBadFilter)
	case !k.Known():
		return fmt.Errorf("%w: workload kind and name are required", ErrBadFilter)
	}
	return nil
}

// SetWorkload records the workload of a queued or running capture's pod, as its pod lookup
// found it.
func (s *Store) SetWorkload(ctx context.Context, id int64, w Workload) error {
	const action = "set workload of"
	if !w.Known() {
		return fmt.Errorf("%s capture %d: kind and name are required, got %q %q", action, id, w.Kind, w.Name)
	}
	return s.inTx(ctx, action, id, func(tx *sql.Tx) error {
		if err := checkState(ctx, tx, id, action, StatusQueued, StatusRunning); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "UPDATE captures SET workload_kind = ?, workload_name = ? WHERE id = ?",
			clip(w.Kind, maxStoredName), clip(w.Name, maxStoredName), id)
		return err
	})
}

// PreviousInWorkload returns the id of the done capture of the same workload (same org,
// cluster and namespace) created last before capture id. It is ErrNotFound when id is not a
// capture of org, when its workload is unknown, and when no capture came before.
func (s *Store) PreviousInWorkload(ctx context.Context, org, id int64) (int64, error) {
	if org < 1 {
		return 0, fmt.Errorf("previous of capture %d: org %d: %w", id, org, ErrNotFound)
	}
	c, err := s.GetSummaryInOrg(ctx, org, id)
	if err != nil {
		return 0, fmt.Errorf("previous of capture %d: %w", id, err)
	}
	if !c.Workload.Known() {
		return 0, fmt.Errorf("previous of capture %d: its workload is unknown (%s): %w", id, c.Status, ErrNotFound)
	}
	var prev int64
	err = s.read.QueryRowContext(ctx, `SELECT id FROM captures
		WHERE org_id = ? AND cluster = ? AND namespace = ? AND workload_kind = ? AND workload_name = ? AND status = 'done'
		AND (created_at, id) < (?, ?)
		ORDER BY created_at DESC, id DESC LIMIT 1`,
		org, c.Cluster, c.Namespace, c.Workload.Kind, c.Workload.Name, c.CreatedAt.UnixMilli(), c.ID).Scan(&prev)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("previous of capture %d: no done capture of %s %s before it: %w", id, c.Workload.Kind, c.Workload.Name, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("previous of capture %d: %w", id, err)
	}
	return prev, nil
}

// HotFrame is one frame over a workload's captures.
type HotFrame struct {
	Frame    string
	Captures int // done captures it was among the hottest frames of
	// Share is its mean CPU share (1.0 = one core) over the captures that measured it, summed
	// over the threads it was on in each; nil when none measured it.
	Share         *float64
	FirstSeen     time.Time
	LastSeen      time.Time
	LastCaptureID int64
}

// HotFrames is what HotFramesOf answers.
type HotFrames struct {
	// From is where the captures counted begin: the range's start, or the oldest capture
	// counted when the range holds more than HotFramesOf counts.
	From     time.Time
	Captures int // done captures of the workload counted, with frames or not
	Frames   []HotFrame
}

// Bounds of HotFramesOf's limit.
const (
	DefaultHotFrames = 20
	MaxHotFrames     = 200
)

// HotFramesOf ranks the frames of a workload's done captures created in [from, to]: first
// those found in the most captures, then by mean share, then by name. It counts the newest
// maxHotFrameCaptures captures of the range at most; HotFrames.From says where they begin.
func (s *Store) HotFramesOf(ctx context.Context, k WorkloadKey, from, to time.Time, limit int) (HotFrames, error) {
	return s.hotFramesOf(ctx, k, from, to, limit, maxHotFrameCaptures)
}

// maxHotFrameCaptures bounds the work of one hot-frames call: a workload captured every few
// minutes for a week has thousands of captures, and the frames that keep coming back show in
// its latest thousand as well.
const maxHotFrameCaptures = 1000

func (s *Store) hotFramesOf(ctx context.Context, k WorkloadKey, from, to time.Time, limit, maxCaptures int) (HotFrames, error) {
	if err := k.validate(); err != nil {
		return HotFrames{}, fmt.Errorf("hot frames: %w", err)
	}
	if limit == 0 {
		limit = DefaultHotFrames
	}
	if limit < 1 || limit > MaxHotFrames {
		return HotFrames{}, fmt.Errorf("hot frames: %w: limit %d out of range 1..%d", ErrBadFilter, limit, MaxHotFrames)
	}
	if from.IsZero() || to.IsZero() || from.UnixMilli() > to.UnixMilli() {
		return HotFrames{}, fmt.Errorf("hot frames: %w: range %s to %s", ErrBadFilter, from, to)
	}
	// One snapshot for the count and the frames.
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return HotFrames{}, fmt.Errorf("hot frames: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	args := []any{k.OrgID, k.Cluster, k.Namespace, k.Kind, k.Name, from.UnixMilli(), to.UnixMilli()}
	const inWorkload = `org_id = ? AND cluster = ? AND namespace = ? AND workload_kind = ? AND workload_name = ?
		AND status = 'done' AND created_at BETWEEN ? AND ?`
	const inWorkloadC = `c.org_id = ? AND c.cluster = ? AND c.namespace = ? AND c.workload_kind = ? AND c.workload_name = ?
		AND c.status = 'done' AND c.created_at BETWEEN ? AND ?`
	out := HotFrames{From: from.UTC()}
	// The oldest capture counted, and whether any older one is left out: walking the index
	// backwards from the newest.
	oldestAt, oldestID, capped := from.UnixMilli(), int64(0), false
	edge, err := tx.QueryContext(ctx, `SELECT created_at, id FROM captures WHERE `+inWorkload+`
		ORDER BY created_at DESC, id DESC LIMIT 2 OFFSET ?`, append(args, maxCaptures-1)...)
	if err != nil {
		return HotFrames{}, fmt.Errorf("hot frames: count captures: %w", err)
	}
	for n := 0; edge.Next(); n++ {
		var at, id int64
		if err := edge.Scan(&at, &id); err != nil {
			_ = edge.Close()
			return HotFrames{}, fmt.Errorf("hot frames: count captures: %w", err)
		}
		if n == 0 {
			oldestAt, oldestID = at, id
		} else {
			capped = true
		}
	}
	if err := errors.Join(edge.Err(), edge.Close()); err != nil {
		return HotFrames{}, fmt.Errorf("hot frames: count captures: %w", err)
	}
	if capped {
		out.Captures, out.From = maxCaptures, time.UnixMilli(oldestAt).UTC()
	} else {
		oldestAt, oldestID = from.UnixMilli(), 0
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM captures WHERE `+inWorkload, args...).Scan(&out.Captures); err != nil {
			return HotFrames{}, fmt.Errorf("hot frames: count captures: %w", err)
		}
	}
	// A capture stores each frame once (mergeFrames): one pass over the workload's captures
	// and their frames counts and averages. When it was last seen is a max(); which capture
	// that was is looked up for the frames returned only.
	rows, err := tx.QueryContext(ctx, `SELECT f.frame, COUNT(*) AS n, AVG(f.share) AS share, MIN(c.created_at), MAX(c.created_at)
		FROM captures c JOIN capture_frames f ON f.capture_id = c.id
		WHERE `+inWorkloadC+` AND (c.created_at, c.id) >= (?, ?)
		GROUP BY f.frame
		ORDER BY n DESC, share DESC, f.frame
		LIMIT ?`, append(args, oldestAt, oldestID, limit)...)
	if err != nil {
		return HotFrames{}, fmt.Errorf("hot frames: %w", err)
	}
	defer func() { _ = rows.Close() }() // read-only: nothing to report
	out.Frames = []HotFrame{}
	for rows.Next() {
		var f HotFrame
		var share sql.NullFloat64
		var first, last int64
		if err := rows.Scan(&f.Frame, &f.Captures, &share, &first, &last); err != nil {
			return HotFrames{}, fmt.Errorf("hot frames: %w", err)
		}
		if share.Valid {
			f.Share = &share.Float64
		}
		f.FirstSeen, f.LastSeen = time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC()
		out.Frames = append(out.Frames, f)
	}
	if err := rows.Err(); err != nil {
		return HotFrames{}, fmt.Errorf("hot frames: %w", err)
	}
	if err := rows.Close(); err != nil {
		return HotFrames{}, fmt.Errorf("hot frames: %w", err)
	}
	if len(out.Frames) == 0 {
		return out, nil
	}
	last, err := tx.PrepareContext(ctx, `SELECT c.id FROM captures c JOIN capture_frames f ON f.capture_id = c.id AND f.frame = ?
		WHERE `+inWorkloadC+` AND c.created_at = ? ORDER BY c.id DESC LIMIT 1`)
	if err != nil {
		return HotFrames{}, fmt.Errorf("hot frames: %w", err)
	}
	defer func() { _ = last.Close() }() // read-only: nothing to report
	for i := range out.Frames {
		f := &out.Frames[i]
		if err := last.QueryRowContext(ctx, append(append([]any{f.Frame}, args...), f.LastSeen.UnixMilli())...).Scan(&f.LastCaptureID); err != nil {
			return HotFrames{}, fmt.Errorf("hot frames: last capture of %q: %w", f.Frame, err)
		}
	}
	return out, nil
}
