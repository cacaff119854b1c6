package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/seed/stackcapture/pkg/evidence"
	"github.com/seed/stackcapture/pkg/jvmheap"
	"github.com/seed/stackcapture/pkg/pprof"
)

// Bounds on what a piece stores besides its summary and raw bytes: these come from rooms
// that quote pods and servers, so a hostile value must not bloat every detail view.
const (
	maxEvidenceText   = 1 << 10 // source, path, container, raw name and type, reason
	maxEvidenceReason = 4 << 10 // failure message
	// maxEvidenceSummary bounds a summary's JSON: rooms keep their own summaries small (a top
	// N, a bounded flame tree); one beyond this is dropped with a failure saying so.
	maxEvidenceSummary = 4 << 20
)

// kindsSep joins the kinds of the evidence_kinds column; kinds never contain it.
const kindsSep = ","

// pieceRow is one piece ready to insert, compressed before the transaction starts so the
// write lock is held briefly.
type pieceRow struct {
	kind, container, source, path string
	started                       sql.NullInt64
	tookMs                        int64
	truncated                     bool
	failureReason                 sql.NullString
	failureMessage                sql.NullString
	summary                       sql.NullString
	raw                           []byte // nil: none
	rawGz                         bool
	rawName, rawType              string
	rawBytes                      int64
}

// evidenceRows is what Finish and Fail write for a capture's pieces.
type evidenceRows struct {
	rows  []pieceRow
	kinds []evidence.Kind // kinds that hold something, in order, each once
	top   *TopFunction    // the CPU answer: the hottest go-cpu function
	heap  *TopFunction    // the heap answer: the largest jvm-heap class or go-heap function
	// threads says the capture has a top JVM thread: a CPU answer of its own.
	threads bool
	bytes   int64 // stored blob and summary bytes, for Prune's batch sizing
}

// isTextType says whether raw evidence of this content type compresses (a jcmd text, a JSON
// log): binary evidence (a pprof protobuf) is already gzipped by its producer.
func isTextType(t string) bool {
	t = strings.ToLower(strings.TrimSpace(t))
	return strings.HasPrefix(t, "text/") || strings.HasPrefix(t, "application/json") || strings.HasSuffix(strings.SplitN(t, ";", 2)[0], "+json")
}

// isGzip reports whether b starts with the gzip magic bytes.
func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

// preparePieces validates and encodes pieces. A piece that cannot be stored as given (no
// kind, a summary that is not JSON or too large) is stored anyway, with a failure saying what
// was wrong with it: what a room returned is never lost silently, and never fails the capture.
func preparePieces(pieces []evidence.Piece, hasThreads bool) (evidenceRows, error) {
	out := evidenceRows{threads: hasThreads}
	seen := map[evidence.Kind]bool{}
	addKind := func(k evidence.Kind) {
		if !seen[k] {
			seen[k] = true
			out.kinds = append(out.kinds, k)
		}
	}
	if hasThreads {
		addKind(evidence.KindJVMThreads)
	}
	for i, p := range pieces {
		r := pieceRow{
			kind:      clip(string(p.Kind), maxEvidenceText),
			container: clip(p.Container, maxEvidenceText),
			source:    clip(p.Source, maxEvidenceText),
			path:      clip(p.Path, maxEvidenceText),
			started:   msOrNull(p.Started),
			tookMs:    max(p.Took.Milliseconds(), 0),
			truncated: p.Truncated,
			rawName:   clip(p.RawName, maxEvidenceText),
			rawType:   clip(p.RawType, maxEvidenceText),
		}
		failure := p.Failure
		if r.kind == "" {
			r.kind = "unknown"
			failure = joinFailure(failure, "bad-piece", fmt.Sprintf("piece %d came without a kind", i+1))
		}
		if strings.Contains(r.kind, kindsSep) {
			r.kind = strings.ReplaceAll(r.kind, kindsSep, "_")
		}
		switch summary := bytes.TrimSpace(p.Summary); {
		case len(summary) == 0 || string(summary) == "null":
		case len(summary) > maxEvidenceSummary:
			failure = joinFailure(failure, "bad-summary", fmt.Sprintf("the summary of %d bytes is larger than %d bytes and was not kept", len(summary), maxEvidenceSummary))
		case !json.Valid(summary):
			failure = joinFailure(failure, "bad-summary", "the summary is not valid JSON and was not kept")
		default:
			r.summary = sql.NullString{String: string(summary), Valid: true}
		}
		if failure != nil {
			r.failureReason = sql.NullString{String: clip(failure.Reason, maxEvidenceText), Valid: true}
			r.failureMessage = sql.NullString{String: clip(failure.Message, maxEvidenceReason), Valid: true}
		}
		if p.Raw != nil {
			r.rawBytes = int64(len(p.Raw))
			r.raw = p.Raw
			if isTextType(p.RawType) && !isGzip(p.Raw) {
				gz, err := gzipBytes(p.Raw)
				if err != nil {
					return evidenceRows{}, fmt.Errorf("compress raw %s evidence: %w", r.kind, err)
				}
				r.raw, r.rawGz = gz, true
			}
		}
		if failure == nil || r.summary.Valid {
			addKind(evidence.Kind(r.kind))
		}
		if r.summary.Valid {
			switch r.kind {
			case string(pprof.KindCPU):
				if top := topFunctionOf(r.summary.String, r.container); top != nil && (out.top == nil || top.Share > out.top.Share) {
					out.top = top
				}
			case string(pprof.KindHeap), string(jvmheap.KindJVMHeap):
				if top := topHeapOf(r.kind, r.summary.String, r.container); top != nil && (out.heap == nil || top.Bytes > out.heap.Bytes) {
					out.heap = top
				}
			}
		}
		out.bytes += int64(len(r.raw)) + int64(len(r.summary.String))
		out.rows = append(out.rows, r)
	}
	return out, nil
}

// joinFailure adds a problem of the store's to a piece's own failure, keeping the room's reason.
func joinFailure(f *evidence.Failure, reason, message string) *evidence.Failure {
	if f == nil {
		return &evidence.Failure{Reason: reason, Message: message}
	}
	return &evidence.Failure{Reason: f.Reason, Message: f.Message + "; " + message}
}

// topFunctionOf reads the hottest function of a go-cpu summary; nil when it names none.
func topFunctionOf(summary, container string) *TopFunction {
	var s pprof.CPUSummary
	if err := json.Unmarshal([]byte(summary), &s); err != nil || len(s.TopFlat) == 0 {
		return nil
	}
	top := s.TopFlat[0]
	for _, f := range s.TopFlat[1:] {
		if f.FlatShare > top.FlatShare {
			top = f
		}
	}
	if top.Function == "" {
		return nil
	}
	return &TopFunction{Kind: TopCPU, Name: clip(top.Function, maxStoredName), Container: container, Share: top.FlatShare}
}

// topHeapOf reads what fills the heap in a go-heap summary (the function with the most
// in-use bytes allocated right there) or a jvm-heap summary (the class with the most bytes
// in the histogram, by its Java name); nil when it names none, or none with bytes in use.
func topHeapOf(kind, summary, container string) *TopFunction {
	var name string
	var size int64
	switch kind {
	case string(pprof.KindHeap):
		var s pprof.HeapSummary
		if err := json.Unmarshal([]byte(summary), &s); err != nil {
			return nil
		}
		for _, f := range s.TopInUseBytes {
			if f.Function != "" && f.Flat > size {
				name, size = f.Function, f.Flat
			}
		}
	case string(jvmheap.KindJVMHeap):
		var s jvmheap.Evidence
		if err := json.Unmarshal([]byte(summary), &s); err != nil || s.Histogram == nil {
			return nil
		}
		for _, c := range s.Histogram.Top {
			n := c.Display
			if n == "" {
				n = c.Class
			}
			if n != "" && c.Bytes > size {
				name, size = n, c.Bytes
			}
		}
	}
	if name == "" {
		return nil
	}
	return &TopFunction{Kind: TopHeap, Name: clip(name, maxStoredName), Container: container, Bytes: size}
}

// answer is the capture's top function as lists show it: what fills the heap for a memory
// capture, else the CPU answer; the heap's only when the capture has no CPU answer at all
// (no go-cpu top and no top JVM thread). A memory capture without heap answer keeps a CPU
// answer it may have.
func (e evidenceRows) answer(focus evidence.Focus) *TopFunction {
	switch {
	case focus == evidence.FocusMemory && e.heap != nil:
		return e.heap
	case e.top != nil:
		return e.top
	case !e.threads || focus == evidence.FocusMemory:
		return e.heap
	}
	return nil
}

// store writes the pieces and the capture's list columns inside tx.
func (e evidenceRows) store(ctx context.Context, tx *sql.Tx, id int64) error {
	if len(e.rows) == 0 {
		return nil // the threads' kind, if any, is written with them
	}
	kinds := make([]string, len(e.kinds))
	for i, k := range e.kinds {
		kinds[i] = string(k)
	}
	var focus string
	if err := tx.QueryRowContext(ctx, `SELECT focus FROM captures WHERE id = ?`, id).Scan(&focus); err != nil {
		return fmt.Errorf("store evidence: read focus: %w", err)
	}
	var name, container sql.NullString
	var share sql.NullFloat64
	var heapBytes sql.NullInt64
	if top := e.answer(focusOrDefault(evidence.Focus(focus))); top != nil {
		name = sql.NullString{String: top.Name, Valid: true}
		container = sql.NullString{String: top.Container, Valid: true}
		if top.Kind == TopHeap {
			heapBytes = sql.NullInt64{Int64: top.Bytes, Valid: true}
		} else {
			share = sql.NullFloat64{Float64: top.Share, Valid: true}
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE captures SET evidence_kinds = ?, top_function = ?, top_function_container = ?, top_function_share = ?,
		top_function_bytes = ?, blob_bytes = blob_bytes + ?, evidence_count = ? WHERE id = ?`,
		strings.Join(kinds, kindsSep), name, container, share, heapBytes, e.bytes, len(e.rows), id); err != nil {
		return fmt.Errorf("store evidence kinds: %w", err)
	}
	if len(e.rows) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO evidence (capture_id, seq, kind, container, source, path, started_at, took_ms, truncated,
		failure_reason, failure_message, summary, raw, raw_gz, raw_name, raw_type, raw_bytes)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("store evidence: %w", err)
	}
	defer func() { _ = stmt.Close() }() // the transaction's outcome reports any failure
	for i, r := range e.rows {
		if _, err := stmt.ExecContext(ctx, id, i, r.kind, r.container, r.source, r.path, r.started, r.tookMs, r.truncated,
			r.failureReason, r.failureMessage, r.summary, r.raw, r.rawGz, r.rawName, r.rawType, r.rawBytes); err != nil {
			return fmt.Errorf("store %s evidence of container %q: %w", r.kind, r.container, err)
		}
	}
	return nil
}

// splitKinds reads the evidence_kinds column.
func splitKinds(s string) []evidence.Kind {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, kindsSep)
	out := make([]evidence.Kind, len(parts))
	for i, p := range parts {
		out[i] = evidence.Kind(p)
	}
	return out
}

// readEvidence reads a capture's pieces, without their raw bytes, in the order taken.
func readEvidence(ctx context.Context, q interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}, id int64) ([]Evidence, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, kind, container, source, path, started_at, took_ms, truncated,
		failure_reason, failure_message, summary, raw_name, raw_type, raw_bytes
		FROM evidence WHERE capture_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("read evidence: %w", err)
	}
	defer func() { _ = rows.Close() }() // read-only: nothing to report
	var out []Evidence
	for rows.Next() {
		var e Evidence
		var kind string
		var started sql.NullInt64
		var tookMs int64
		var reason, message, summary sql.NullString
		if err := rows.Scan(&e.ID, &kind, &e.Container, &e.Source, &e.Path, &started, &tookMs, &e.Truncated,
			&reason, &message, &summary, &e.RawName, &e.RawType, &e.RawBytes); err != nil {
			return nil, fmt.Errorf("read evidence: %w", err)
		}
		e.Kind = evidence.Kind(kind)
		e.Started = fromMs(started)
		e.Took = time.Duration(tookMs) * time.Millisecond
		if reason.Valid {
			e.Failure = &evidence.Failure{Reason: reason.String, Message: message.String}
		}
		if summary.Valid {
			e.Summary = json.RawMessage(summary.String)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read evidence: %w", err)
	}
	return out, nil
}

// EvidenceRawInfo describes the raw bytes of one piece of evidence.
type EvidenceRawInfo struct {
	CaptureID  int64
	EvidenceID int64
	Kind       evidence.Kind
	Container  string
	RawName    string
	RawType    string
	Bytes      int64 // length as downloaded
}

// ErrNoRaw is returned by StreamEvidenceRaw for a piece that kept no raw bytes.
var ErrNoRaw = errors.New("the evidence kept no raw bytes")

// StreamEvidenceRaw calls fn with the raw bytes of piece evidenceID of capture captureID in
// org, inflated as fn reads them when the store compressed them: a raw profile is never held
// whole, only as stored. Another org's capture, another capture's piece or an unknown id is
// ErrNotFound, all alike, so ids say nothing across orgs; a piece without raw bytes ErrNoRaw.
// An error of fn is returned as is.
func (s *Store) StreamEvidenceRaw(ctx context.Context, org, captureID, evidenceID int64, fn func(EvidenceRawInfo, io.Reader) error) error {
	if org < 1 {
		return fmt.Errorf("raw evidence %d of capture %d: org %d: %w", evidenceID, captureID, org, ErrNotFound)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT e.kind, e.container, e.raw_name, e.raw_type, e.raw_bytes, e.raw_gz, e.raw IS NULL, e.raw
		FROM evidence e JOIN captures c ON c.id = e.capture_id
		WHERE e.id = ? AND e.capture_id = ? AND c.org_id = ?`, evidenceID, captureID, org)
	if err != nil {
		return fmt.Errorf("raw evidence %d of capture %d: %w", evidenceID, captureID, err)
	}
	defer func() { _ = rows.Close() }() // read-only: nothing to report
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return fmt.Errorf("raw evidence %d of capture %d: %w", evidenceID, captureID, err)
		}
		return fmt.Errorf("raw evidence %d of capture %d: %w", evidenceID, captureID, ErrNotFound)
	}
	info := EvidenceRawInfo{CaptureID: captureID, EvidenceID: evidenceID}
	var kind string
	var gz, null bool
	var raw sql.RawBytes // valid until the next row: no copy of the blob
	if err := rows.Scan(&kind, &info.Container, &info.RawName, &info.RawType, &info.Bytes, &gz, &null, &raw); err != nil {
		return fmt.Errorf("raw evidence %d of capture %d: %w", evidenceID, captureID, err)
	}
	info.Kind = evidence.Kind(kind)
	if null {
		return fmt.Errorf("raw evidence %d of capture %d: %w", evidenceID, captureID, ErrNoRaw)
	}
	if !gz {
		return fn(info, bytes.NewReader(raw))
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("raw evidence %d of capture %d: %w", evidenceID, captureID, err)
	}
	err = fn(info, &inflateLimit{r: zr, left: maxInflated})
	if cerr := zr.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("raw evidence %d of capture %d: %w", evidenceID, captureID, cerr)
	}
	return err
}
