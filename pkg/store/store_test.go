package store

import (
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
