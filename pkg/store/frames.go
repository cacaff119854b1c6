package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/seed/stackcapture/pkg/evidence"
	"github.com/seed/stackcapture/pkg/jvm"
	"github.com/seed/stackcapture/pkg/pprof"
)

// CaptureFrame is one of the frames a capture found hottest: for a JVM, the top application
// frame of busy threads (the threads that share it summed); for Go, a function of the CPU
// profile by its own time.
type CaptureFrame struct {
	Frame  string
	Thread string   // the JVM thread (the busiest, when several share the frame); empty for Go
	Share  *float64 // CPU over the window, 1.0 = one core; nil when not measured
	Rank   int      // 0 is the hottest
}

const (
	// maxFramesPerCapture bounds the rows a capture adds: the busiest threads are a handful,
	// the profile's top functions as many.
	maxFramesPerCapture = 16
	// goFramesPerCapture is how many of the CPU profile's top functions (by own time) are kept.
	goFramesPerCapture = 8
	// minFrameShare leaves out threads and functions that were measured and found idle: a frame
	// at 0.3 % of a core is not what burned the CPU, and would make every capture's parked
	// threads look like hot frames.
	minFrameShare = 0.01
)

// framesOf picks the frames a capture stores: each measured busy JVM thread's top application
// frame, and the top functions of each go-cpu piece's summary, hottest first. A process that
// was dumped but not sampled gives its threads' frames with no share.
func framesOf(processes []jvm.Process, pieces []evidence.Piece) []CaptureFrame {
	var out []CaptureFrame
	for _, p := range processes {
		measured := p.WindowMs > 0
		for _, t := range p.Threads {
			f, ok := jvm.TopAppFrame(t.Frames)
			if !ok {
				continue
			}
			cf := CaptureFrame{Frame: clip(jvm.FrameKey(f.Method), maxStoredName), Thread: clip(t.Name, maxStoredName)}
			if measured {
				share := t.CPUPercent / 100
				if share < minFrameShare {
					continue
				}
				cf.Share = &share
			}
			out = append(out, cf)
		}
	}
	for _, pc := range pieces {
		if pc.Kind != "go-cpu" || len(pc.Summary) == 0 {
			continue
		}
		var sum pprof.CPUSummary
		if err := json.Unmarshal(pc.Summary, &sum); err != nil {
			continue // the piece is stored as taken; its frames are only an index of it
		}
		n := 0
		for _, fn := range sum.TopFlat {
			if n == goFramesPerCapture {
				break
			}
			if fn.Function == "" || fn.FlatShare < minFrameShare || math.IsNaN(fn.FlatShare) {
				continue
			}
			share := fn.FlatShare
			out = append(out, CaptureFrame{Frame: clip(fn.Function, maxStoredName), Share: &share})
			n++
		}
	}
	out = mergeFrames(out)
	// Hottest first; unmeasured after measured, in the order found.
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Share, out[j].Share
		switch {
		case a == nil || b == nil:
			return a != nil && b == nil
		default:
			return *a > *b
		}
	})
	if len(out) > maxFramesPerCapture {
		out = out[:maxFramesPerCapture]
	}
	for i := range out {
		out[i].Rank = i
	}
	return out
}

// mergeFrames makes one frame of the threads that share it, as a capture stores it: their
// shares summed (nil when none was measured), named by the busiest of them. Queries across
// captures then read each frame of a capture once.
func mergeFrames(fs []CaptureFrame) []CaptureFrame {
	out := make([]CaptureFrame, 0, len(fs))
	at := make(map[string]int, len(fs))
	for _, f := range fs {
		i, ok := at[f.Frame]
		if !ok {
			at[f.Frame] = len(out)
			out = append(out, f)
			continue
		}
		m := &out[i]
		switch {
		case f.Share == nil:
		case m.Share == nil:
			m.Share, m.Thread = f.Share, f.Thread
		default:
			sum := *m.Share + *f.Share
			if *f.Share > *m.Share {
				m.Thread = f.Thread
			}
			m.Share = &sum
		}
	}
	return out
}

// writeFrames stores a capture's frames inside the transaction that stores its result.
func writeFrames(ctx context.Context, tx *sql.Tx, id int64, frames []CaptureFrame) error {
	for _, f := range frames {
		var share sql.NullFloat64
		if f.Share != nil {
			share = sql.NullFloat64{Float64: *f.Share, Valid: true}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO capture_frames (capture_id, rank, frame, thread, share) VALUES (?, ?, ?, ?, ?)`,
			id, f.Rank, f.Frame, f.Thread, share); err != nil {
			return fmt.Errorf("store frame %q: %w", f.Frame, err)
		}
	}
	return nil
}

// FramesInOrg returns a capture of org as a list shows it, with its frames hottest first.
// Another org's capture is ErrNotFound, like one that never existed.
func (s *Store) FramesInOrg(ctx context.Context, org, id int64) (*Capture, []CaptureFrame, error) {
	if org < 1 {
		return nil, nil, fmt.Errorf("frames of capture %d: org %d: %w", id, org, ErrNotFound)
	}
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, nil, fmt.Errorf("frames of capture %d: begin: %w", id, err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	c, err := scanSummary(tx.QueryRowContext(ctx, `SELECT `+summaryCols+` FROM captures c WHERE c.id = ? AND c.org_id = ?`, id, org))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, fmt.Errorf("frames of capture %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("frames of capture %d: %w", id, err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT frame, thread, share, rank FROM capture_frames WHERE capture_id = ? ORDER BY rank`, id)
	if err != nil {
		return nil, nil, fmt.Errorf("frames of capture %d: %w", id, err)
	}
	defer func() { _ = rows.Close() }() // read-only: nothing to report
	frames := []CaptureFrame{}
	for rows.Next() {
		var f CaptureFrame
		var share sql.NullFloat64
		if err := rows.Scan(&f.Frame, &f.Thread, &share, &f.Rank); err != nil {
			return nil, nil, fmt.Errorf("frames of capture %d: %w", id, err)
		}
		if share.Valid {
			f.Share = &share.Float64
		}
		frames = append(frames, f)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("frames of capture %d: %w", id, err)
	}
	return &c, frames, nil
}

// Change is how a frame differs from one capture to another.
type Change string

// The changes CompareFrames finds.
const (
	ChangeAppeared    Change = "appeared"
	ChangeDisappeared Change = "disappeared"
	ChangeGrew        Change = "grew"
	ChangeShrank      Change = "shrank"
	ChangeSame        Change = "same"
)

// A frame grew (or shrank) when its share moved by at least growthMinCores of a core and by
// at least growthMinRatio of its base share: the same thread sampled twice varies by a few
// percent, so smaller moves are noise, and a move from 3 cores to 3.05 is not news.
const (
	growthMinCores = 0.05
	growthMinRatio = 0.2
)

// FrameChange is one frame of a comparison of two captures.
type FrameChange struct {
	Frame      string
	Thread     string   // the busiest thread it was on (the other capture's, else the base's); empty for Go
	BaseShare  *float64 // nil when absent from base, or not measured there
	OtherShare *float64
	Change     Change
}

type frameSide struct {
	present  bool
	share    *float64
	thread   string
	topShare float64 // the share of thread, for picking the busiest
}

func (s *frameSide) add(f CaptureFrame) {
	if !s.present || (f.Share != nil && *f.Share > s.topShare) {
		s.thread = f.Thread
		if f.Share != nil {
			s.topShare = *f.Share
		}
	}
	s.present = true
	if f.Share != nil {
		sum := *f.Share
		if s.share != nil {
			sum += *s.share
		}
		s.share = &sum
	}
}

// CompareFrames says, frame by frame, what changed from base to other. A frame on several
// threads of a capture counts with the sum of their shares. Entries come hottest first (the
// larger of the two shares), then by name.
func CompareFrames(base, other []CaptureFrame) []FrameChange {
	sides := map[string]*[2]frameSide{}
	var order []string
	add := func(i int, fs []CaptureFrame) {
		for _, f := range fs {
			s, ok := sides[f.Frame]
			if !ok {
				s = &[2]frameSide{}
				sides[f.Frame] = s
				order = append(order, f.Frame)
			}
			s[i].add(f)
		}
	}
	add(0, base)
	add(1, other)
	out := make([]FrameChange, 0, len(order))
	for _, frame := range order {
		s := sides[frame]
		c := FrameChange{Frame: frame, BaseShare: s[0].share, OtherShare: s[1].share, Thread: s[1].thread}
		if !s[1].present {
			c.Thread = s[0].thread
		}
		switch {
		case !s[0].present:
			c.Change = ChangeAppeared
		case !s[1].present:
			c.Change = ChangeDisappeared
		default:
			c.Change = growth(s[0].share, s[1].share)
		}
		out = append(out, c)
	}
	peak := func(c FrameChange) float64 {
		p := -1.0
		for _, v := range []*float64{c.BaseShare, c.OtherShare} {
			if v != nil && *v > p {
				p = *v
			}
		}
		return p
	}
	sort.SliceStable(out, func(i, j int) bool {
		if pi, pj := peak(out[i]), peak(out[j]); pi != pj {
			return pi > pj
		}
		return out[i].Frame < out[j].Frame
	})
	return out
}

// growth classifies a frame present in both captures.
func growth(base, other *float64) Change {
	if base == nil || other == nil {
		return ChangeSame // nothing measured to compare
	}
	d := *other - *base
	switch {
	case d >= growthMinCores && d >= growthMinRatio**base:
		return ChangeGrew
	case -d >= growthMinCores && -d >= growthMinRatio**base:
		return ChangeShrank
	}
	return ChangeSame
}
