package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/seed/stackcapture/pkg/evidence"
	"github.com/seed/stackcapture/pkg/jvm"
)

// ErrInvalidTransition is returned when a capture is not in a state the
// requested change may start from, e.g. finishing a capture the restart
// sweeper already failed. The capture is left unchanged.
var ErrInvalidTransition = errors.New("invalid capture state transition")

// ErrInvalidCapture is returned by Insert and InsertBatch for a capture that
// cannot be stored as given.
var ErrInvalidCapture = errors.New("invalid capture")

// ReasonRestarted is the Error of captures RecoverInterrupted fails.
const ReasonRestarted = "plugin restarted"

func validateNew(c *Capture) error {
	if c == nil {
		return fmt.Errorf("%w: nil", ErrInvalidCapture)
	}
	var problems []string
	// A skipped capture may lack them: an alert without pod labels is recorded to say so. A
	// node capture (the kubelet of Node) has no pod, and no namespace of its own.
	nodeCapture := c.Pod == "" && c.Node != ""
	if c.Namespace == "" && c.Status != StatusSkipped && !nodeCapture {
		problems = append(problems, "namespace is empty")
	}
	if c.Pod == "" && c.Status != StatusSkipped && !nodeCapture {
		problems = append(problems, "pod is empty")
	}
	if c.Trigger != TriggerAlert && c.Trigger != TriggerManual {
		problems = append(problems, fmt.Sprintf("unknown trigger %q", c.Trigger))
	}
	if c.CreatedAt.IsZero() {
		problems = append(problems, "created at is zero")
	}
	if len(c.Processes) > 0 || len(c.Evidence) > 0 {
		problems = append(problems, "processes and evidence are stored by Finish or Fail, not Insert")
	}
	if c.Focus != "" {
		if _, err := evidence.ParseFocus(string(c.Focus)); err != nil {
			problems = append(problems, err.Error())
		}
	}
	switch c.Status {
	case StatusQueued:
		if !c.StartedAt.IsZero() || !c.FinishedAt.IsZero() {
			problems = append(problems, "a queued capture has no start or finish time")
		}
	case StatusSkipped:
		if c.Error == "" {
			problems = append(problems, "a skipped capture needs the reason in Error")
		}
		if c.FinishedAt.IsZero() {
			problems = append(problems, "a skipped capture needs FinishedAt")
		}
	default:
		problems = append(problems, fmt.Sprintf("status %q: new captures are queued or skipped", c.Status))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w (%s/%s): %s", ErrInvalidCapture, c.Namespace, c.Pod, strings.Join(problems, "; "))
	}
	return nil
}

const insertSQL = `INSERT INTO captures (
	status, trigger, requested_by, namespace, pod, container, node,
	created_at, started_at, finished_at, next_allowed_at, error, truncated, window_ms,
	alertname, rule_uid, fingerprint, dashboard_uid, panel_id, alert_json,
	org_id, cluster, owner, deadline_at, focus
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

func insertArgs(c *Capture) ([]any, error) {
	bounded, err := boundAlert(c.Alert)
	if err != nil {
		return nil, err
	}
	aj, err := encodeAlert(bounded)
	if err != nil {
		return nil, err
	}
	var alertname, ruleUID, fingerprint, dashboardUID string
	var panelID int64
	if a := bounded; a != nil {
		alertname, ruleUID, fingerprint, dashboardUID, panelID = clip(a.AlertName, maxStoredName), a.RuleUID, a.Fingerprint, a.DashboardUID, a.PanelID
	}
	return []any{
		string(c.Status), string(c.Trigger), c.RequestedBy, c.Namespace, c.Pod, c.Container, c.Node,
		c.CreatedAt.UnixMilli(), msOrNull(c.StartedAt), msOrNull(c.FinishedAt), msOrNull(c.NextAllowedAt),
		clip(c.Error, maxStoredReason), c.Truncated, c.WindowMs,
		alertname, ruleUID, fingerprint, dashboardUID, panelID, aj,
		c.OrgID, c.Cluster, c.Owner, msOrNull(c.Deadline), string(focusOrDefault(c.Focus)),
	}, nil
}

// focusOrDefault is what a capture without a focus takes: the CPU evidence, as before foci.
func focusOrDefault(f evidence.Focus) evidence.Focus {
	if f == "" {
		return evidence.FocusCPU
	}
	return f
}

// Insert stores a new queued or skipped capture and returns its id, which it
// also sets in c.ID. A skipped capture carries its reason in Error, FinishedAt
// and, for the cooldown, NextAllowedAt.
func (s *Store) Insert(ctx context.Context, c *Capture) (int64, error) {
	ids, err := s.InsertBatch(ctx, []*Capture{c})
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}

// InsertBatch stores many new captures in one transaction (all or none) and
// returns their ids in order, also setting each ID field.
func (s *Store) InsertBatch(ctx context.Context, cs []*Capture) ([]int64, error) {
	for i, c := range cs {
		if err := validateNew(c); err != nil {
			return nil, fmt.Errorf("insert capture %d of %d: %w", i+1, len(cs), err)
		}
	}
	if len(cs) == 0 {
		return nil, nil
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("insert captures: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	stmt, err := tx.PrepareContext(ctx, insertSQL)
	if err != nil {
		return nil, fmt.Errorf("insert captures: prepare: %w", err)
	}
	defer stmt.Close()
	ids := make([]int64, len(cs))
	for i, c := range cs {
		args, err := insertArgs(c)
		if err != nil {
			return nil, fmt.Errorf("insert capture %s/%s: %w", c.Namespace, c.Pod, err)
		}
		res, err := stmt.ExecContext(ctx, args...)
		if err != nil {
			return nil, fmt.Errorf("insert capture %s/%s: %w", c.Namespace, c.Pod, err)
		}
		if ids[i], err = res.LastInsertId(); err != nil {
			return nil, fmt.Errorf("insert capture %s/%s: id: %w", c.Namespace, c.Pod, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("insert captures: commit: %w", err)
	}
	for i, c := range cs {
		c.ID = ids[i]
	}
	return ids, nil
}

// checkState reads the status of capture id inside tx and returns an error
// unless it is one of from.
func checkState(ctx context.Context, tx *sql.Tx, id int64, action string, from ...Status) error {
	var st string
	err := tx.QueryRowContext(ctx, "SELECT status FROM captures WHERE id = ?", id).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s capture %d: %w", action, id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("%s capture %d: read status: %w", action, id, err)
	}
	for _, f := range from {
		if Status(st) == f {
			return nil
		}
	}
	want := make([]string, len(from))
	for i, f := range from {
		want[i] = string(f)
	}
	return fmt.Errorf("%s capture %d: %w: it is %s, must be %s", action, id, ErrInvalidTransition, st, strings.Join(want, " or "))
}

// MarkRunning moves a queued capture to running and records the container and
// node it resolved to (an empty value keeps what is stored).
func (s *Store) MarkRunning(ctx context.Context, id int64, startedAt time.Time, container, node string) error {
	const action = "mark running"
	if startedAt.IsZero() {
		return fmt.Errorf("%s capture %d: start time is zero", action, id)
	}
	return s.inTx(ctx, action, id, func(tx *sql.Tx) error {
		if err := checkState(ctx, tx, id, action, StatusQueued); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE captures SET status = 'running', started_at = ?,
			container = CASE WHEN ? = '' THEN container ELSE ? END,
			node = CASE WHEN ? = '' THEN node ELSE ? END
			WHERE id = ?`, startedAt.UnixMilli(), container, container, node, node, id)
		return err
	})
}

// SetContainer records the container(s) a running whole-pod capture found its JVMs in, so the
// capture lists under the container it really inspected.
func (s *Store) SetContainer(ctx context.Context, id int64, container string) error {
	const action = "set container of"
	return s.inTx(ctx, action, id, func(tx *sql.Tx) error {
		if err := checkState(ctx, tx, id, action, StatusRunning); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "UPDATE captures SET container = ? WHERE id = ?", container, id)
		return err
	})
}

// Finish moves a running capture to done with its processes and pieces of evidence. Raw
// dumps (jvm.Process.Raw) and raw evidence are stored beside it in the same transaction
// (text compressed). A process with an Error, a piece with a Failure, is stored like any other.
func (s *Store) Finish(ctx context.Context, id int64, finishedAt time.Time, processes []jvm.Process, truncated bool, windowMs int64, pieces ...evidence.Piece) error {
	const action = "finish"
	if finishedAt.IsZero() {
		return fmt.Errorf("%s capture %d: finish time is zero", action, id)
	}
	blobs, err := prepareProcesses(processes)
	if err != nil {
		return fmt.Errorf("%s capture %d: %w", action, id, err)
	}
	ev, err := preparePieces(pieces, blobs.top != nil)
	if err != nil {
		return fmt.Errorf("%s capture %d: %w", action, id, err)
	}
	frames := framesOf(processes, pieces)
	return s.inTx(ctx, action, id, func(tx *sql.Tx) error {
		if err := checkState(ctx, tx, id, action, StatusRunning); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE captures SET status = 'done', finished_at = ?, truncated = ?, window_ms = ?
			WHERE id = ?`, finishedAt.UnixMilli(), truncated, windowMs, id); err != nil {
			return err
		}
		if err := writeFrames(ctx, tx, id, frames); err != nil {
			return err
		}
		if err := blobs.store(ctx, tx, id); err != nil {
			return err
		}
		return ev.store(ctx, tx, id)
	})
}

// Fail moves a queued or running capture to failed with the reason. Processes and pieces
// gathered before the failure (the pod's story, a truncated profile), if any, are kept like
// Finish keeps them.
func (s *Store) Fail(ctx context.Context, id int64, finishedAt time.Time, reason string, processes []jvm.Process, pieces ...evidence.Piece) error {
	const action = "fail"
	if finishedAt.IsZero() {
		return fmt.Errorf("%s capture %d: finish time is zero", action, id)
	}
	if reason == "" {
		return fmt.Errorf("%s capture %d: empty reason", action, id)
	}
	blobs, err := prepareProcesses(processes)
	if err != nil {
		return fmt.Errorf("%s capture %d: %w", action, id, err)
	}
	ev, err := preparePieces(pieces, blobs.top != nil)
	if err != nil {
		return fmt.Errorf("%s capture %d: %w", action, id, err)
	}
	return s.inTx(ctx, action, id, func(tx *sql.Tx) error {
		if err := checkState(ctx, tx, id, action, StatusQueued, StatusRunning); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE captures SET status = 'failed', finished_at = ?, error = ? WHERE id = ?`,
			finishedAt.UnixMilli(), clip(reason, maxStoredReason), id); err != nil {
			return err
		}
		if err := blobs.store(ctx, tx, id); err != nil {
			return err
		}
		return ev.store(ctx, tx, id)
	})
}

// inTx runs fn in a write transaction. Errors from fn that already name the
// capture (state errors) pass through; others get the action and id.
func (s *Store) inTx(ctx context.Context, action string, id int64, fn func(*sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s capture %d: begin: %w", action, id, err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if err := fn(tx); err != nil {
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrInvalidTransition) {
			return err
		}
		return fmt.Errorf("%s capture %d: %w", action, id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s capture %d: commit: %w", action, id, err)
	}
	return nil
}

// processBlobs is what Finish and Fail write for a capture's processes,
// compressed before the transaction starts so the write lock is held briefly.
type processBlobs struct {
	processes []byte // nil when there are no processes
	count     int
	top       *jvm.Thread
	raws      []rawBlob
}

type rawBlob struct {
	seq, pid  int
	container string
	rawBytes  int
	gz        []byte
}

func prepareProcesses(ps []jvm.Process) (processBlobs, error) {
	if len(ps) == 0 {
		return processBlobs{}, nil
	}
	gz, err := encodeProcesses(ps)
	if err != nil {
		return processBlobs{}, err
	}
	b := processBlobs{processes: gz, count: len(ps), top: topThread(ps)}
	for i, p := range ps {
		if p.Raw == "" {
			continue
		}
		rgz, err := gzipString(p.Raw)
		if err != nil {
			return processBlobs{}, fmt.Errorf("compress raw dump of pid %d: %w", p.PID, err)
		}
		b.raws = append(b.raws, rawBlob{seq: i, pid: p.PID, container: p.Container, rawBytes: len(p.Raw), gz: rgz})
	}
	return b, nil
}

func (b processBlobs) store(ctx context.Context, tx *sql.Tx, id int64) error {
	if b.processes == nil {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO capture_processes (capture_id, processes_gz) VALUES (?, ?)`, id, b.processes); err != nil {
		return fmt.Errorf("store processes: %w", err)
	}
	var name sql.NullString
	var nid sql.NullInt64
	var cpu sql.NullFloat64
	if b.top != nil {
		name = sql.NullString{String: clip(b.top.Name, maxStoredName), Valid: true}
		nid = sql.NullInt64{Int64: int64(b.top.NativeID), Valid: true}
		cpu = sql.NullFloat64{Float64: b.top.CPUPercent, Valid: true}
	}
	blobBytes := len(b.processes)
	for _, r := range b.raws {
		blobBytes += len(r.gz)
	}
	// A capture with threads holds the jvm-threads kind; pieces, stored after, list theirs too.
	kinds := ""
	if b.top != nil {
		kinds = string(evidence.KindJVMThreads)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE captures SET process_count = ?, top_thread_name = ?, top_thread_nid = ?, top_thread_cpu = ?,
		blob_bytes = ?, evidence_kinds = ? WHERE id = ?`, b.count, name, nid, cpu, blobBytes, kinds, id); err != nil {
		return fmt.Errorf("store top thread: %w", err)
	}
	for _, r := range b.raws {
		if _, err := tx.ExecContext(ctx, `INSERT INTO raw_dumps (capture_id, seq, pid, container, raw_bytes, text_gz) VALUES (?, ?, ?, ?, ?, ?)`,
			id, r.seq, r.pid, r.container, r.rawBytes, r.gz); err != nil {
			return fmt.Errorf("store raw dump of pid %d: %w", r.pid, err)
		}
	}
	return nil
}

// summaryCols are the columns a list shows, in the order scanSummary reads them: no blobs and
// not the stored alert, whose labels and annotations may be large; what a list shows of the
// alert has columns of its own.
const summaryCols = `c.id, c.status, c.trigger, c.requested_by, c.namespace, c.pod, c.container, c.node,
	c.created_at, c.started_at, c.finished_at, c.next_allowed_at, c.error, c.truncated, c.window_ms,
	c.top_thread_name, c.top_thread_nid, c.top_thread_cpu, c.alertname, c.dashboard_uid, c.panel_id,
	c.org_id, c.cluster, c.owner, c.deadline_at,
	c.focus, c.evidence_kinds, c.top_function, c.top_function_container, c.top_function_share, c.top_function_bytes,
	c.workload_kind, c.workload_name`

// captureCols are the columns scanCapture reads: the summary and the whole alert.
const captureCols = summaryCols + `, c.alert_json`

type rowScanner interface{ Scan(dest ...any) error }

// scanSummary reads summaryCols, then extra.
func scanSummary(r rowScanner, extra ...any) (Capture, error) {
	var c Capture
	var status, trigger string
	var created int64
	var started, finished, nextAllowed sql.NullInt64
	var topName sql.NullString
	var topNid sql.NullInt64
	var topCPU sql.NullFloat64
	var deadline sql.NullInt64
	// One value for the evidence columns: one allocation per row rather than one per column.
	var ev struct {
		focus, kinds          string
		topFn, topFnContainer sql.NullString
		topFnShare            sql.NullFloat64
		topFnBytes            sql.NullInt64
	}
	dest := []any{&c.ID, &status, &trigger, &c.RequestedBy, &c.Namespace, &c.Pod, &c.Container, &c.Node,
		&created, &started, &finished, &nextAllowed, &c.Error, &c.Truncated, &c.WindowMs,
		&topName, &topNid, &topCPU, &c.AlertName, &c.DashboardUID, &c.PanelID,
		&c.OrgID, &c.Cluster, &c.Owner, &deadline,
		&ev.focus, &ev.kinds, &ev.topFn, &ev.topFnContainer, &ev.topFnShare, &ev.topFnBytes,
		&c.Workload.Kind, &c.Workload.Name}
	if err := r.Scan(append(dest, extra...)...); err != nil {
		return Capture{}, err
	}
	c.Status, c.Trigger = Status(status), Trigger(trigger)
	c.CreatedAt = time.UnixMilli(created).UTC()
	c.StartedAt, c.FinishedAt, c.NextAllowedAt = fromMs(started), fromMs(finished), fromMs(nextAllowed)
	c.Deadline = fromMs(deadline)
	if topName.Valid {
		c.TopThread = &jvm.Thread{Name: topName.String, NativeID: int(topNid.Int64), CPUPercent: topCPU.Float64}
	}
	c.Focus = focusOrDefault(evidence.Focus(ev.focus))
	c.EvidenceKinds = splitKinds(ev.kinds)
	if ev.topFn.Valid {
		c.TopFunction = &TopFunction{Kind: TopCPU, Name: ev.topFn.String, Container: ev.topFnContainer.String, Share: ev.topFnShare.Float64}
		if ev.topFnBytes.Valid {
			c.TopFunction.Kind, c.TopFunction.Bytes = TopHeap, ev.topFnBytes.Int64
		}
	}
	return c, nil
}

// scanCapture reads captureCols, then extra, and decodes the alert.
func scanCapture(r rowScanner, extra ...any) (Capture, error) {
	var alertJSON sql.NullString
	c, err := scanSummary(r, append([]any{&alertJSON}, extra...)...)
	if err != nil {
		return Capture{}, err
	}
	a, err := decodeAlert(alertJSON)
	if err != nil {
		return Capture{}, fmt.Errorf("capture %d: %w", c.ID, err)
	}
	c.Alert = a
	return c, nil
}

// Get returns one capture with its processes (without their Raw text: see
// RawDumps). TopThread is the busiest thread with its whole stack. It ignores
// orgs: routes use GetInOrg.
func (s *Store) Get(ctx context.Context, id int64) (*Capture, error) {
	return s.get(ctx, 0, id)
}

// GetInOrg is Get for a capture of org only: another org's capture is
// ErrNotFound, exactly like one that never existed, so its id says nothing.
func (s *Store) GetInOrg(ctx context.Context, org, id int64) (*Capture, error) {
	if org < 1 {
		return nil, fmt.Errorf("get capture %d: org %d: %w", id, org, ErrNotFound)
	}
	return s.get(ctx, org, id)
}

func (s *Store) get(ctx context.Context, org, id int64) (*Capture, error) {
	var procGz []byte
	var pieces int
	row := s.read.QueryRowContext(ctx, `SELECT `+captureCols+`, c.evidence_count, p.processes_gz
		FROM captures c LEFT JOIN capture_processes p ON p.capture_id = c.id WHERE c.id = ? AND (? = 0 OR c.org_id = ?)`, id, org, org)
	c, err := scanCapture(row, &pieces, &procGz)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("get capture %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get capture %d: %w", id, err)
	}
	if procGz != nil {
		ps, err := decodeProcesses(procGz)
		if err != nil {
			return nil, fmt.Errorf("get capture %d: %w", id, err)
		}
		c.Processes = ps
		if top := topThread(ps); top != nil {
			t := *top
			c.TopThread = &t
		}
	}
	// Most captures have no pieces (all of them before evidence): no second read for those.
	if pieces > 0 {
		if c.Evidence, err = readEvidence(ctx, s.read, id); err != nil {
			return nil, fmt.Errorf("get capture %d: %w", id, err)
		}
	}
	return &c, nil
}

// RawDumps returns the raw thread dumps of a capture, in process order, with
// the capture's container for processes that did not name one. A
// capture without dumps yields an empty slice; an unknown id ErrNotFound.
func (s *Store) RawDumps(ctx context.Context, id int64) ([]RawDump, error) {
	// One snapshot for the existence check and the dumps: a read transaction.
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("raw dumps of capture %d: begin: %w", id, err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	var one int
	err = tx.QueryRowContext(ctx, "SELECT 1 FROM captures WHERE id = ?", id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("raw dumps of capture %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("raw dumps of capture %d: %w", id, err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT r.pid, CASE WHEN r.container = '' THEN c.container ELSE r.container END, r.text_gz
		FROM raw_dumps r JOIN captures c ON c.id = r.capture_id WHERE r.capture_id = ? ORDER BY r.seq`, id)
	if err != nil {
		return nil, fmt.Errorf("raw dumps of capture %d: %w", id, err)
	}
	defer func() { _ = rows.Close() }() // read-only: nothing to report
	dumps := []RawDump{}
	for rows.Next() {
		var d RawDump
		var gz []byte
		if err := rows.Scan(&d.PID, &d.Container, &gz); err != nil {
			return nil, fmt.Errorf("raw dumps of capture %d: %w", id, err)
		}
		text, err := gunzipBytes(gz)
		if err != nil {
			return nil, fmt.Errorf("raw dumps of capture %d, pid %d: %w", id, d.PID, err)
		}
		d.Text = string(text)
		dumps = append(dumps, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("raw dumps of capture %d: %w", id, err)
	}
	return dumps, nil
}

// GetSummaryInOrg returns one capture of org as a list shows it: no processes, no stored
// alert. Another org's capture is ErrNotFound, like one that never existed.
func (s *Store) GetSummaryInOrg(ctx context.Context, org, id int64) (*Capture, error) {
	if org < 1 {
		return nil, fmt.Errorf("get capture %d: org %d: %w", id, org, ErrNotFound)
	}
	row := s.read.QueryRowContext(ctx, `SELECT `+summaryCols+` FROM captures c WHERE c.id = ? AND c.org_id = ?`, id, org)
	c, err := scanSummary(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("get capture %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get capture %d: %w", id, err)
	}
	return &c, nil
}

// RawDumpInfo describes one raw thread dump of a capture.
type RawDumpInfo struct {
	PID       int
	Container string // the process's, else the capture's
	Bytes     int64  // length of the text
}

// StreamRawDumps calls fn with each raw dump of capture id, in process order, its text
// decompressed as fn reads it: a dump of the size of the output cap is never held whole, only
// its compressed form, one dump at a time. It returns how many dumps there were; an unknown id
// is ErrNotFound. An error of fn ends the stream and is returned as is.
func (s *Store) StreamRawDumps(ctx context.Context, id int64, fn func(RawDumpInfo, io.Reader) error) (int, error) {
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, fmt.Errorf("raw dumps of capture %d: begin: %w", id, err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	var one int
	err = tx.QueryRowContext(ctx, "SELECT 1 FROM captures WHERE id = ?", id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("raw dumps of capture %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("raw dumps of capture %d: %w", id, err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT r.pid, CASE WHEN r.container = '' THEN c.container ELSE r.container END, r.raw_bytes, r.text_gz
		FROM raw_dumps r JOIN captures c ON c.id = r.capture_id WHERE r.capture_id = ? ORDER BY r.seq`, id)
	if err != nil {
		return 0, fmt.Errorf("raw dumps of capture %d: %w", id, err)
	}
	defer func() { _ = rows.Close() }() // read-only: nothing to report
	n := 0
	for rows.Next() {
		var info RawDumpInfo
		var gz sql.RawBytes // valid until the next row: no copy of the blob
		if err := rows.Scan(&info.PID, &info.Container, &info.Bytes, &gz); err != nil {
			return n, fmt.Errorf("raw dumps of capture %d: %w", id, err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			return n, fmt.Errorf("raw dumps of capture %d, pid %d: %w", id, info.PID, err)
		}
		n++
		err = fn(info, &inflateLimit{r: zr, left: maxInflated})
		if cerr := zr.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("raw dumps of capture %d, pid %d: %w", id, info.PID, cerr)
		}
		if err != nil {
			return n, err
		}
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("raw dumps of capture %d: %w", id, err)
	}
	return n, nil
}

// errInflatedTooLarge: a stored blob expands beyond maxInflated (corrupt or hostile).
var errInflatedTooLarge = fmt.Errorf("blob inflates to more than %d bytes", maxInflated)

// inflateLimit reads at most left bytes and fails, not truncates silently, beyond them.
type inflateLimit struct {
	r    io.Reader
	left int64
}

func (l *inflateLimit) Read(p []byte) (int, error) {
	if l.left <= 0 {
		var probe [1]byte
		if n, _ := l.r.Read(probe[:]); n > 0 {
			return 0, errInflatedTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}
