package store

import (
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func inOrg(org int64, c *Capture) *Capture {
	c.OrgID = org
	return c
}

func TestOrgsAreApartInListGetAndPrune(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	old1 := mustInsert(t, s, inOrg(1, newSkipped("shop", "a", base, "r")))
	new1 := mustInsert(t, s, inOrg(1, newSkipped("shop", "a", base.Add(10*time.Hour), "r")))
	old2 := mustInsert(t, s, inOrg(2, newSkipped("shop", "a", base, "r")))
	new2 := mustInsert(t, s, inOrg(2, newSkipped("shop", "a", base.Add(10*time.Hour), "r")))

	tests := []struct {
		name string
		f    Filter
		want []int64
	}{
		{"org 1", Filter{OrgID: 1}, []int64{new1, old1}},
		{"org 2", Filter{OrgID: 2}, []int64{new2, old2}},
		{"org 2 with org 1's filters", Filter{OrgID: 2, Namespace: "shop", Pod: "a"}, []int64{new2, old2}},
		{"org 3 sees nothing", Filter{OrgID: 3}, nil},
	}
	for _, tt := range tests {
		if got := listAll(t, s, tt.f); !equalIDs(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	if _, err := s.GetInOrg(ctx, 2, old1); !errors.Is(err, ErrNotFound) {
		t.Errorf("org 2 got org 1's capture: %v", err)
	}
	if c, err := s.GetInOrg(ctx, 1, old1); err != nil || c.OrgID != 1 {
		t.Errorf("org 1's own capture: %+v %v", c, err)
	}

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

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func newSkipped(ns, pod string, created time.Time, reason string) *Capture {
	c := newQueued(ns, pod, created)
	c.Status, c.Error, c.FinishedAt = StatusSkipped, reason, created
	return c
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

func TestMigrationV2KeepsRowsInOrgOne(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	if _, err := db.ExecContext(ctx, schemaV1+"PRAGMA user_version = 1;"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO captures (status, trigger, namespace, pod, created_at) VALUES ('running', 'alert', 'shop', 'a', 1)`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	c, err := s.GetInOrg(ctx, 1, 1)
	if err != nil || c.OrgID != 1 || c.Owner != "" || !c.Deadline.IsZero() {
		t.Fatalf("v1 row after migration: %+v %v", c, err)
	}
	// A v1 row has no owner: the first start recovers it whatever is alive.
	if n, err := s.RecoverOrphans(ctx, time.Now(), func(string) bool { return true }); err != nil || n != 1 {
		t.Errorf("RecoverOrphans of a v1 row: %d %v", n, err)
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
