package clusterbin

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// Two builds of one binary at once (the test command's and TestMain's): one builds, the other
// is told it waits, then finds the binary; a failed build leaves nothing behind.
func TestCachedBuildsOnceUnderTheLock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "prog-v1")
	bin := filepath.Join(dir, "bin", "prog")
	var builds atomic.Int32
	entered := make(chan struct{})
	release := make(chan struct{})
	build := func(_ context.Context, _, out string) error {
		builds.Add(1)
		close(entered)
		<-release
		return os.WriteFile(out, []byte("#!/bin/true\n"), 0o755)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	type result struct {
		took   time.Duration
		err    error
		waited bool
	}
	first := make(chan result, 1)
	go func() {
		took, err := cached(ctx, dir, bin, build, func() {})
		first <- result{took: took, err: err}
	}()
	<-entered // the first holds the lock and is building

	second := make(chan result, 1)
	waiting := make(chan struct{})
	go func() {
		var waited atomic.Bool
		took, err := cached(ctx, dir, bin, build, func() { waited.Store(true); close(waiting) })
		second <- result{took: took, err: err, waited: waited.Load()}
	}()
	select {
	case <-waiting:
	case <-ctx.Done():
		t.Fatal("the second build was never told it waits for the first")
	}
	close(release)

	r1, r2 := <-first, <-second
	if r1.err != nil || r2.err != nil {
		t.Fatalf("errors: %v, %v", r1.err, r2.err)
	}
	if builds.Load() != 1 || r1.took <= 0 || r2.took != 0 || !r2.waited {
		t.Errorf("builds %d, first took %s, second took %s (waited %v): want one build, by the first", builds.Load(), r1.took, r2.took, r2.waited)
	}
	if _, err := os.Stat(bin); err != nil {
		t.Errorf("no binary after the build: %v", err)
	}

	// A failed build leaves neither the binary nor its temporary file; the next call builds.
	dir2 := filepath.Join(t.TempDir(), "prog-v2")
	bin2 := filepath.Join(dir2, "bin", "prog")
	failing := func(_ context.Context, _, out string) error {
		if err := os.WriteFile(out, []byte("half"), 0o755); err != nil {
			return err
		}
		return errors.New("compile error")
	}
	if _, err := cached(ctx, dir2, bin2, failing, func() {}); err == nil {
		t.Fatal("a failed build reported success")
	}
	for _, p := range []string{bin2, bin2 + ".tmp"} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind by a failed build (%v)", p, err)
		}
	}
}
