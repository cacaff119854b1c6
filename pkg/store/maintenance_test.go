package store

import (
	"context"
	"encoding/base64"
	"errors"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/jvm"
)

// finished stores a done capture created at the given time with one raw dump.
func finished(t testing.TB, s *Store, pod string, created time.Time, raw string) int64 {
	t.Helper()
	ctx := testCtx(t)
	id := mustInsert(t, s, newQueued("ns", pod, created))
	if err := s.MarkRunning(ctx, id, created, "app", "n"); err != nil {
		t.Fatal(err)
	}
	procs := []jvm.Process{{PID: 1, Threads: []jvm.Thread{{Name: "main", NativeID: 1, CPUPercent: 50}}, Raw: raw}}
	if err := s.Finish(ctx, id, created, procs, false, 1000); err != nil {
		t.Fatal(err)
	}
	return id
}

func countRows(t testing.TB, s *Store, table string) int {
	t.Helper()
	var n int
	if err := s.read.QueryRowContext(testCtx(t), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func exists(t testing.TB, s *Store, id int64) bool {
	t.Helper()
	var n int
	if err := s.read.QueryRowContext(testCtx(t), "SELECT COUNT(*) FROM captures WHERE id = ?", id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

func TestPruneByAge(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	now := base.Add(48 * time.Hour)
	old := now.Add(-25 * time.Hour)

	oldDone := finished(t, s, "old-done", old, "dump")
	oldFailed := mustInsert(t, s, newQueued("ns", "old-failed", old))
	if err := s.Fail(ctx, oldFailed, old, "boom", nil); err != nil {
		t.Fatal(err)
	}
	oldSkipped := mustInsert(t, s, &Capture{Status: StatusSkipped, Trigger: TriggerManual, Namespace: "ns", Pod: "old-skipped",
		CreatedAt: old, FinishedAt: old, Error: "cooldown"})
	oldQueued := mustInsert(t, s, newQueued("ns", "old-queued", old))
	oldRunning := mustInsert(t, s, newQueued("ns", "old-running", old))
	if err := s.MarkRunning(ctx, oldRunning, old, "app", "n"); err != nil {
		t.Fatal(err)
	}
	edge := finished(t, s, "edge", now.Add(-24*time.Hour), "dump") // exactly maxAge old: kept
	recent := finished(t, s, "recent", now.Add(-time.Hour), "dump")

	n, err := s.Prune(ctx, now, 24*time.Hour, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("pruned %d, want 3", n)
	}
	for _, id := range []int64{oldDone, oldFailed, oldSkipped} {
		if exists(t, s, id) {
			t.Errorf("old finished capture %d survived", id)
		}
	}
	for _, id := range []int64{oldQueued, oldRunning, edge, recent} {
		if !exists(t, s, id) {
			t.Errorf("capture %d was pruned", id)
		}
	}
	// Blobs went with their captures.
	if got := countRows(t, s, "raw_dumps"); got != 2 {
		t.Errorf("%d raw dumps left, want 2", got)
	}
	if got := countRows(t, s, "capture_processes"); got != 2 {
		t.Errorf("%d process blobs left, want 2", got)
	}
}

func TestPruneBySize(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	rng := rand.New(rand.NewPCG(3, 4))
	// Random text barely compresses, so each capture really costs ~64 KiB.
	bigDump := func() string {
		b := make([]byte, 48<<10)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return base64.StdEncoding.EncodeToString(b)
	}

	// The oldest captures are in flight: they must survive any cap.
	inFlightQueued := mustInsert(t, s, newQueued("ns", "queued", base))
	inFlightRunning := mustInsert(t, s, newQueued("ns", "running", base))
	if err := s.MarkRunning(ctx, inFlightRunning, base, "app", "n"); err != nil {
		t.Fatal(err)
	}
	const total = 60
	ids := make([]int64, total)
	for i := range ids {
		ids[i] = finished(t, s, "pod", base.Add(time.Duration(i+1)*time.Second), bigDump())
	}
	before, err := s.UsedBytes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	perCapture := before / total
	const maxBytes = 1 << 20
	if before < 2*maxBytes {
		t.Fatalf("setup: only %d bytes stored", before)
	}

	n, err := s.Prune(ctx, base.Add(time.Hour), 0, maxBytes)
	if err != nil {
		t.Fatal(err)
	}
	used, err := s.UsedBytes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if used > maxBytes {
		t.Fatalf("used %d bytes after pruning to %d", used, maxBytes)
	}
	if used < maxBytes-3*perCapture {
		t.Errorf("over-pruned: %d bytes left of a %d cap (a capture is ~%d)", used, maxBytes, perCapture)
	}
	// Oldest first: the survivors are exactly the newest captures.
	for i, id := range ids {
		if want := i >= int(n); exists(t, s, id) != want {
			t.Fatalf("capture %d (age rank %d) exists=%v after pruning %d oldest", id, i, !want, n)
		}
	}
	if !exists(t, s, inFlightQueued) || !exists(t, s, inFlightRunning) {
		t.Fatal("a queued or running capture was pruned")
	}
	// The space went back to the file system.
	var freelist int
	if err := s.read.QueryRowContext(ctx, "PRAGMA freelist_count").Scan(&freelist); err != nil {
		t.Fatal(err)
	}
	if freelist != 0 {
		t.Errorf("%d free pages left in the file", freelist)
	}
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.FileBytes > maxBytes || st.WALBytes != 0 {
		t.Errorf("file %d bytes, WAL %d bytes after prune to %d", st.FileBytes, st.WALBytes, maxBytes)
	}

	// A cap below what in-flight captures need empties the rest and stops.
	if _, err := s.Prune(ctx, base.Add(time.Hour), 0, 1); err != nil {
		t.Fatal(err)
	}
	if got := countRows(t, s, "captures"); got != 2 || !exists(t, s, inFlightQueued) || !exists(t, s, inFlightRunning) {
		t.Fatalf("after pruning to 1 byte: %d captures left, want the 2 in flight", got)
	}
}

func TestRunRetentionPrunesUntilCancelled(t *testing.T) {
	s := openTest(t)
	old := finished(t, s, "old", base, "dump") // base is long before time.Now()
	ctx, cancel := context.WithCancel(testCtx(t))
	done := make(chan struct{})
	errs := make(chan error, 10)
	go func() {
		defer close(done)
		s.RunRetention(ctx, time.Hour, 24*time.Hour, 0, func(err error) { errs <- err })
	}()
	deadline := time.Now().Add(30 * time.Second) // failure guard only
	for exists(t, s, old) {
		if time.Now().After(deadline) {
			t.Fatal("RunRetention did not prune at start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("RunRetention did not stop with its context")
	}
	close(errs)
	for err := range errs {
		t.Errorf("retention error: %v", err)
	}
}

// TestPruneThenWrite guards the reclaim step: truncating the WAL must
// not leave a store that fails its next write.
func TestPruneThenWrite(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	for i := 0; i < 5; i++ {
		finished(t, s, "p", base.Add(time.Duration(i)*time.Second), "dump")
	}
	if _, err := s.Prune(ctx, base.Add(time.Hour), time.Minute, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.Writable(ctx); err != nil {
		t.Fatal(err)
	}
	id := finished(t, s, "after", base.Add(2*time.Hour), "dump")
	if got := mustGet(t, s, id); got.Status != StatusDone {
		t.Fatalf("capture after prune: %s", got.Status)
	}
	if _, err := os.Stat(s.Path()); err != nil {
		t.Fatal(err)
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
	node := newQueued("", "", base.Add(6*time.Minute)) // a node alert's capture: the kubelet of worker-1
	node.Node = "worker-1"
	mustInsert(t, s, node)

	got, err := s.LastCaptureTimes(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	want := map[Key]time.Time{
		{Namespace: "ns", Pod: "a", Container: "app"}:  base.Add(3 * time.Minute),
		{Namespace: "ns", Pod: "a", Container: "side"}: base.Add(2 * time.Minute),
		{Pod: "node/worker-1"}:                         base.Add(6 * time.Minute), // per node, as the capture cools it down
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

func TestRecoverOrphansLeavesLiveOwnersAlone(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	add := func(owner string, running bool) int64 {
		c := newQueued("shop", "p-"+owner, now)
		c.OrgID, c.Owner = 1, owner
		id := mustInsert(t, s, c)
		if running {
			if err := s.MarkRunning(ctx, id, now, "app", "n"); err != nil {
				t.Fatal(err)
			}
		}
		return id
	}
	live, liveRunning := add("host/1/live", false), add("host/1/live", true)
	dead, deadRunning := add("host/2/dead", false), add("host/2/dead", true)
	legacy := add("", true)
	n, err := s.RecoverOrphans(ctx, now, func(owner string) bool { return owner == "host/1/live" })
	if err != nil || n != 3 {
		t.Fatalf("RecoverOrphans: %d %v, want 3", n, err)
	}
	for id, want := range map[int64]Status{live: StatusQueued, liveRunning: StatusRunning, dead: StatusFailed, deadRunning: StatusFailed, legacy: StatusFailed} {
		c := mustGet(t, s, id)
		if c.Status != want {
			t.Errorf("capture %d (%s): %s, want %s", id, c.Owner, c.Status, want)
		}
		if want == StatusFailed && c.Error != ReasonOrphaned {
			t.Errorf("capture %d: reason %q", id, c.Error)
		}
	}
}

func TestSweepFailsOverdueCapturesOnly(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	add := func(deadline time.Time, running bool) int64 {
		c := newQueued("shop", "p", now.Add(-time.Hour))
		c.OrgID, c.Owner, c.Deadline = 1, "me", deadline
		id := mustInsert(t, s, c)
		if running {
			if err := s.MarkRunning(ctx, id, now.Add(-time.Hour), "app", "n"); err != nil {
				t.Fatal(err)
			}
		}
		return id
	}
	overdueQueued, overdueRunning := add(now.Add(-time.Second), false), add(now.Add(-time.Minute), true)
	inTime := add(now.Add(time.Minute), true)
	noDeadline := add(time.Time{}, true)
	n, err := s.Sweep(ctx, now)
	if err != nil || n != 2 {
		t.Fatalf("Sweep: %d %v, want 2", n, err)
	}
	for id, want := range map[int64]Status{overdueQueued: StatusFailed, overdueRunning: StatusFailed, inTime: StatusRunning, noDeadline: StatusRunning} {
		if c := mustGet(t, s, id); c.Status != want || (want == StatusFailed && c.Error != ReasonOverdue) {
			t.Errorf("capture %d: %s %q, want %s", id, c.Status, c.Error, want)
		}
	}
	// The late outcome of a swept capture changes nothing.
	if err := s.Finish(ctx, overdueRunning, now, nil, false, 0); !errors.Is(err, ErrInvalidTransition) {
		t.Errorf("Finish after the sweep: %v", err)
	}
}

// Captures the plugin cut short do not restart the cooldown; captures that ran, even failed, do.
func TestLastCaptureTimesSkipsAttemptsCutShort(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	add := func(pod string, started bool, reason string) {
		c := newQueued("ns", pod, base)
		c.Container = "app"
		id := mustInsert(t, s, c)
		if started {
			if err := s.MarkRunning(ctx, id, base, "", "n"); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Fail(ctx, id, base.Add(time.Second), reason, nil); err != nil {
			t.Fatal(err)
		}
	}
	add("ran", true, "exec into ns/ran: container not found")
	add("never-started", false, "not started within captureTimeout (30s)")
	add("stopped", true, "the plugin stopped during the capture: context canceled")
	add("restarted", true, ReasonRestarted)
	add("orphaned", true, ReasonOrphaned)
	got, err := s.LastCaptureTimes(ctx, base.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[Key{Namespace: "ns", Pod: "ran", Container: "app"}].IsZero() {
		t.Errorf("cooldown restored from %v, want only the capture that ran", got)
	}
}

// One org's retention deletes that org's old captures only.
func TestPruneOrgKeepsOtherOrgs(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	old1 := mustInsert(t, s, inOrg(1, newSkipped("shop", "a", base, "r")))
	new1 := mustInsert(t, s, inOrg(1, newSkipped("shop", "a", base.Add(10*time.Hour), "r")))
	old2 := mustInsert(t, s, inOrg(2, newSkipped("shop", "a", base, "r")))
	new2 := mustInsert(t, s, inOrg(2, newSkipped("shop", "a", base.Add(10*time.Hour), "r")))

	// Org 2's short retention deletes org 2's old capture only.
	n, err := s.PruneOrg(ctx, 2, base.Add(11*time.Hour), 5*time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("PruneOrg: %d %v", n, err)
	}
	for id, want := range map[int64]bool{old1: true, new1: true, old2: false, new2: true} {
		if exists(t, s, id) != want {
			t.Errorf("capture %d exists = %v, want %v", id, !want, want)
		}
	}
}
