package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/jvm"
)

func TestOpenConfiguresEveryConnection(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	for name, db := range map[string]*sql.DB{"write": s.write, "read": s.read} {
		var journal string
		var fk, sync, autoVacuum, busy int
		if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&journal); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, "PRAGMA auto_vacuum").Scan(&autoVacuum); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy); err != nil {
			t.Fatal(err)
		}
		if journal != "wal" || fk != 1 || autoVacuum != 2 || busy != 5000 {
			t.Errorf("%s pool: journal_mode %s, foreign_keys %d, auto_vacuum %d, busy_timeout %d", name, journal, fk, autoVacuum, busy)
		}
		if name == "write" && sync != 1 {
			t.Errorf("write pool: synchronous %d, want 1 (NORMAL)", sync)
		}
	}
	// The read pool cannot write, whatever a bug upstream asks of it.
	if _, err := s.read.ExecContext(ctx, "DELETE FROM captures"); err == nil {
		t.Error("the read pool accepted a write")
	}
}

func TestOpenRejectsBadPaths(t *testing.T) {
	ctx := testCtx(t)
	for _, p := range []string{"", ":memory:", "file:x.db", filepath.Join(t.TempDir(), "a?b.db")} {
		if s, err := Open(ctx, p, Options{}); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", p)
		}
	}
	// A directory that cannot be created is reported with its path.
	file := filepath.Join(t.TempDir(), "plain-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(ctx, filepath.Join(file, "sub", "x.db"), Options{})
	if err == nil || !strings.Contains(err.Error(), file) {
		t.Errorf("Open under a file: %v", err)
	}
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	ctx := testCtx(t)
	path := filepath.Join(t.TempDir(), "captures.db")
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	id := mustInsert(t, s, newQueued("ns", "pod", base))
	if err := s.MarkRunning(ctx, id, base, "app", "n1"); err != nil {
		t.Fatal(err)
	}
	procs := testProcesses(t)
	if err := s.Finish(ctx, id, base.Add(time.Second), procs, false, 1000); err != nil {
		t.Fatal(err)
	}
	before := mustGet(t, s, id)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	for i := 0; i < 2; i++ {
		s, err = Open(ctx, path, Options{})
		if err != nil {
			t.Fatalf("reopen %d: %v", i, err)
		}
		if d := diffCaptures(before, mustGet(t, s, id)); d != "" {
			t.Fatalf("reopen %d: %s", i, d)
		}
		dumps, err := s.RawDumps(ctx, id)
		if err != nil || len(dumps) != 2 || dumps[1].Text != procs[1].Raw {
			t.Fatalf("reopen %d: raw dumps %d, %v", i, len(dumps), err)
		}
		var version int
		if err := s.read.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
			t.Fatal(err)
		}
		if version != SchemaVersion {
			t.Fatalf("user_version %d, want %d", version, SchemaVersion)
		}
		// Ids keep growing: a new capture never takes an old id.
		if next := mustInsert(t, s, newQueued("ns", "pod", base)); next <= id {
			t.Fatalf("new id %d not above %d", next, id)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := testCtx(t)
	path := filepath.Join(t.TempDir(), "captures.db")
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	id := mustInsert(t, s, newQueued("ns", "pod", base))
	if _, err := s.write.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion+1)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, path, Options{})
	if !errors.Is(err, ErrSchemaTooNew) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open of a newer schema: %v", err)
	}

	// The refusal touched nothing: back at our version the data is there.
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion)); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	s, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := mustGet(t, s, id); got.Pod != "pod" {
		t.Fatalf("capture after refused open: %+v", got)
	}
}

func TestRecoverInterrupted(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	queued := mustInsert(t, s, newQueued("ns", "q", base))
	running := mustInsert(t, s, newQueued("ns", "r", base))
	if err := s.MarkRunning(ctx, running, base, "app", "n"); err != nil {
		t.Fatal(err)
	}
	done := mustInsert(t, s, newQueued("ns", "d", base))
	if err := s.MarkRunning(ctx, done, base, "app", "n"); err != nil {
		t.Fatal(err)
	}
	if err := s.Finish(ctx, done, base, testProcesses(t), false, 1000); err != nil {
		t.Fatal(err)
	}
	doneBefore := mustGet(t, s, done)

	now := base.Add(time.Hour)
	n, err := s.RecoverInterrupted(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("recovered %d captures, want 2", n)
	}
	for _, id := range []int64{queued, running} {
		c := mustGet(t, s, id)
		if c.Status != StatusFailed || c.Error != ReasonRestarted || !c.FinishedAt.Equal(now) {
			t.Errorf("capture %d: status %s, error %q, finished %s", id, c.Status, c.Error, c.FinishedAt)
		}
	}
	if d := diffCaptures(doneBefore, mustGet(t, s, done)); d != "" {
		t.Errorf("done capture changed: %s", d)
	}
	// The worker that was running it comes back late: its Finish is refused.
	if err := s.Finish(ctx, running, now, testProcesses(t), false, 1000); !errors.Is(err, ErrInvalidTransition) {
		t.Errorf("Finish after recovery: %v", err)
	}
	if n, err := s.RecoverInterrupted(ctx, now); err != nil || n != 0 {
		t.Errorf("second recovery: %d, %v", n, err)
	}
}

func TestLastCaptureTimes(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	add := func(pod, container string, at time.Duration, skipped bool) {
		c := newQueued("ns", pod, base.Add(at))
		c.Container = container
		if skipped {
			c.Status, c.FinishedAt, c.Error = StatusSkipped, c.CreatedAt, "cooldown"
		}
		mustInsert(t, s, c)
	}
	add("a", "app", -time.Hour, false) // before since
	add("a", "app", time.Minute, false)
	add("a", "app", 3*time.Minute, false)
	add("a", "app", 5*time.Minute, true) // skipped: does not restart the cooldown
	add("a", "side", 2*time.Minute, false)
	add("b", "app", -2*time.Hour, false)
	add("c", "app", 4*time.Minute, true)

	got, err := s.LastCaptureTimes(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	want := map[Key]time.Time{
		{"ns", "a", "app"}:  base.Add(3 * time.Minute),
		{"ns", "a", "side"}: base.Add(2 * time.Minute),
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || !g.Equal(w) || g.Location() != time.UTC {
			t.Errorf("%v: got %v, want %v", k, g, w)
		}
	}
}

func TestWritable(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	if err := s.Writable(ctx); err != nil {
		t.Fatalf("Writable on a fresh store: %v", err)
	}
	if err := s.Writable(ctx); err != nil {
		t.Fatalf("Writable twice: %v", err)
	}
	// A real SQLITE_READONLY from a read-only connection gets an actionable message.
	_, werr := s.read.ExecContext(ctx, "INSERT INTO health_probe (id, at) VALUES (1, 1)")
	if werr == nil {
		t.Fatal("write through the read pool succeeded")
	}
	msg := s.describeWriteError(werr).Error()
	for _, want := range []string{s.Path(), "read-only", "writable by uid"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	// A write that cannot get the lock in time says so.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Writable(cctx); err == nil || !strings.Contains(err.Error(), s.Path()) {
		t.Errorf("Writable with a cancelled context: %v", err)
	}
}

func TestStats(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	mustInsert(t, s, newQueued("ns", "a", base))
	mustInsert(t, s, newQueued("ns", "b", base))
	mustInsert(t, s, &Capture{Status: StatusSkipped, Trigger: TriggerManual, Namespace: "ns", Pod: "c", CreatedAt: base, FinishedAt: base, Error: "cooldown"})
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.ByStatus[StatusQueued] != 2 || st.ByStatus[StatusSkipped] != 1 || len(st.ByStatus) != 2 {
		t.Errorf("by status: %v", st.ByStatus)
	}
	if st.UsedBytes <= 0 || st.FileBytes+st.WALBytes <= 0 {
		t.Errorf("sizes: %+v", st)
	}
}

// TestConcurrentUse runs writers, transitions and readers at once; under
// -race this also checks the Store is safe to share. No operation may fail,
// in particular not with "database is locked".
func TestConcurrentUse(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	procs := testProcesses(t)[:1]
	const workers, perWorker = 8, 15
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker*4)
	for w := 0; w < workers; w++ {
		wg.Add(2)
		go func() { // lifecycle writer
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				id, err := s.Insert(ctx, newQueued("ns", fmt.Sprintf("pod-%d", w), base.Add(time.Duration(i)*time.Millisecond)))
				if err != nil {
					errs <- err
					continue
				}
				if err := s.MarkRunning(ctx, id, base, "app", "n"); err != nil {
					errs <- err
					continue
				}
				if i%3 == 0 {
					err = s.Fail(ctx, id, base, "boom", nil)
				} else {
					err = s.Finish(ctx, id, base, procs, false, 1000)
				}
				if err != nil {
					errs <- err
				}
			}
		}()
		go func() { // reader
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				page, err := s.List(ctx, Filter{Namespace: "ns", Limit: 20})
				if err != nil {
					errs <- err
					continue
				}
				for _, c := range page.Captures {
					if _, err := s.Get(ctx, c.ID); err != nil {
						errs <- err
					}
				}
				if _, err := s.InsertBatch(ctx, []*Capture{newQueued("ns", "batch", base), newQueued("ns", "batch", base)}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Add(1)
	go func() { // retention and health checks alongside
		defer wg.Done()
		for i := 0; i < 10; i++ {
			if _, err := s.Prune(ctx, base.Add(time.Hour), time.Hour, 0); err != nil {
				errs <- err
			}
			if err := s.Writable(ctx); err != nil {
				errs <- err
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := st.ByStatus[StatusDone]+st.ByStatus[StatusFailed], int64(workers*perWorker); got != want {
		t.Errorf("%d finished captures, want %d", got, want)
	}
	if got, want := st.ByStatus[StatusQueued], int64(workers*perWorker*2); got != want {
		t.Errorf("%d queued batch captures, want %d", got, want)
	}
}

// TestConcurrentStoresOnOneFile opens the file twice, as two plugin processes
// would during a rolling restart: each store's writes wait for the other's.
func TestConcurrentStoresOnOneFile(t *testing.T) {
	ctx := testCtx(t)
	path := filepath.Join(t.TempDir(), "captures.db")
	var stores [2]*Store
	for i := range stores {
		s, err := Open(ctx, path, Options{BusyTimeout: 30 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				id, err := s.Insert(ctx, newQueued("ns", fmt.Sprintf("p%d", i), base))
				if err == nil {
					err = s.MarkRunning(ctx, id, base, "", "")
				}
				if err == nil {
					err = s.Finish(ctx, id, base, []jvm.Process{{PID: j, Raw: "dump"}}, false, 1)
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	page, err := stores[0].List(ctx, Filter{Status: StatusDone, Limit: 500})
	if err != nil || len(page.Captures) != 40 {
		t.Fatalf("%d done captures, want 40 (%v)", len(page.Captures), err)
	}
}
