package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"syscall"
	"testing"
	"time"
)

// acrossBench is the database BenchmarkAcross reads: 100,000 done captures over 30 days of 401
// workloads, 8 frames each. One workload is busy (10,000 captures, ~2,300 in any 7 days); the
// other 400 have 225 each (~52 in 7 days).
const (
	benchCaptures       = 100_000
	benchBusyCaptures   = 10_000
	benchOtherWorkloads = 400
	benchFramesEach     = 8
	benchFramePool      = 40 // distinct frames per workload
	benchDays           = 30
)

func benchWorkload(n int) (ns, name string) {
	if n < benchBusyCaptures {
		return "shop", "checkout"
	}
	w := n % benchOtherWorkloads
	return fmt.Sprintf("ns-%d", w%20), fmt.Sprintf("svc-%d", w)
}

// fillAcross writes the captures straight in a few transactions: the insert path of one
// capture is measured elsewhere, and 100,000 of them one by one would take minutes.
func fillAcross(b *testing.B, s *Store) {
	b.Helper()
	ctx := benchCtx(b)
	rng := rand.New(rand.NewPCG(1, 2))
	step := benchDays * 24 * time.Hour / benchCaptures
	const batch = 10_000
	for start := 0; start < benchCaptures; start += batch {
		err := func() error {
			tx, err := s.write.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback() //nolint:errcheck // no-op after Commit
			capStmt, err := tx.PrepareContext(ctx, `INSERT INTO captures (id, status, trigger, namespace, pod, container, node, created_at,
				started_at, finished_at, org_id, cluster, workload_kind, workload_name, window_ms)
				VALUES (?, 'done', 'alert', ?, ?, 'app', 'node-1', ?, ?, ?, 1, 'prod', 'Deployment', ?, 2000)`)
			if err != nil {
				return err
			}
			defer capStmt.Close()
			frameStmt, err := tx.PrepareContext(ctx, `INSERT INTO capture_frames (capture_id, rank, frame, thread, share) VALUES (?, ?, ?, ?, ?)`)
			if err != nil {
				return err
			}
			defer frameStmt.Close()
			for n := start; n < start+batch; n++ {
				// Busy and other captures interleave over the whole 30 days.
				id := int64(n + 1)
				at := base.Add(time.Duration(rng.Int64N(int64(benchCaptures))) * step).UnixMilli()
				ns, name := benchWorkload(n)
				if _, err := capStmt.ExecContext(ctx, id, ns, fmt.Sprintf("%s-%d", name, n%7), at, at+5, at+2500, name); err != nil {
					return err
				}
				picked := rng.Perm(benchFramePool)[:benchFramesEach]
				for rank, f := range picked {
					frame := fmt.Sprintf("com.acme.%s.Handler%d.handle", name, f)
					if _, err := frameStmt.ExecContext(ctx, id, rank, frame, fmt.Sprintf("worker-%d", rank), 1/float64(rank+1+f%3)); err != nil {
						return err
					}
				}
			}
			return tx.Commit()
		}()
		if err != nil {
			b.Fatalf("fill: %v", err)
		}
	}
}

// benchCtx is a failure guard for a benchmark step on a busy machine: filling 100,000 captures
// takes a minute or more when others share the cores.
func benchCtx(b *testing.B) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	b.Cleanup(cancel)
	return ctx
}

// percentiles reports the p50 and p99 of the timed calls, in milliseconds.
func percentiles(b *testing.B, took []time.Duration) {
	slices.Sort(took)
	at := func(p float64) float64 {
		i := min(len(took)-1, int(float64(len(took))*p))
		return float64(took[i].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}

// timed runs call in a b.Loop and reports its p50 and p99.
func timed(b *testing.B, call func(ctx context.Context, i int) error) {
	ctx := benchCtx(b)
	var took []time.Duration
	i := 0
	var r0, r1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
	for b.Loop() {
		t0 := time.Now()
		if err := call(ctx, i); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(t0))
		i++
	}
	// CPU per call says what a call costs whatever else the machine runs; the percentiles of
	// wall time say what a caller waits on this one.
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
	cpu := time.Duration(r1.Utime.Nano() + r1.Stime.Nano() - r0.Utime.Nano() - r0.Stime.Nano())
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(max(i, 1)), "cpu-ms/op")
	percentiles(b, took)
}

// BenchmarkAcross measures the across-captures queries on 100,000 stored captures: hot frames of
// a workload over 7 days (a typical one, ~52 captures, and the busiest, ~2,300 of which the
// newest 1,000 are counted), the previous capture, a comparison.
// go test -run '^$' -bench Across -benchtime 200x ./pkg/store/
func BenchmarkAcross(b *testing.B) {
	s := openTest(b)
	fillAcross(b, s)
	ctx := benchCtx(b)
	to := base.Add(benchDays * 24 * time.Hour)
	from := to.Add(-7 * 24 * time.Hour)
	busy := WorkloadKey{OrgID: 1, Cluster: "prod", Namespace: "shop", Workload: Workload{Kind: "Deployment", Name: "checkout"}}

	// What the numbers are of.
	for _, k := range []WorkloadKey{busy, {OrgID: 1, Cluster: "prod", Namespace: "ns-3", Workload: Workload{Kind: "Deployment", Name: "svc-3"}}} {
		hot, err := s.HotFramesOf(ctx, k, from, to, 20)
		if err != nil {
			b.Fatal(err)
		}
		if hot.Captures == 0 || len(hot.Frames) != 20 {
			b.Fatalf("%s: %d captures, %d frames", k.Name, hot.Captures, len(hot.Frames))
		}
		b.Logf("%s: %d captures counted since %s of the 7 days, hottest frame in %d", k.Name, hot.Captures, hot.From.Format(time.RFC3339), hot.Frames[0].Captures)
	}

	b.Run("hot-frames-7d/typical-workload", func(b *testing.B) {
		timed(b, func(ctx context.Context, i int) error {
			w := i % benchOtherWorkloads
			k := WorkloadKey{OrgID: 1, Cluster: "prod", Namespace: fmt.Sprintf("ns-%d", w%20), Workload: Workload{Kind: "Deployment", Name: fmt.Sprintf("svc-%d", w)}}
			_, err := s.HotFramesOf(ctx, k, from, to, 20)
			return err
		})
	})
	b.Run("hot-frames-7d/busiest-workload", func(b *testing.B) {
		timed(b, func(ctx context.Context, _ int) error {
			_, err := s.HotFramesOf(ctx, busy, from, to, 20)
			return err
		})
	})
	b.Run("previous", func(b *testing.B) {
		timed(b, func(ctx context.Context, i int) error {
			_, err := s.PreviousInWorkload(ctx, 1, int64(1+(i*7919)%benchCaptures))
			if err != nil && !isNotFound(err) {
				return err
			}
			return nil
		})
	})
	b.Run("compare", func(b *testing.B) {
		timed(b, func(ctx context.Context, i int) error {
			id := int64(1 + (i*7919)%(benchCaptures-1))
			_, base, err := s.FramesInOrg(ctx, 1, id)
			if err != nil {
				return err
			}
			_, other, err := s.FramesInOrg(ctx, 1, id+1)
			if err != nil {
				return err
			}
			if len(CompareFrames(base, other)) < benchFramesEach {
				return fmt.Errorf("capture %d against %d: fewer entries than frames", id, id+1)
			}
			return nil
		})
	})
}

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
