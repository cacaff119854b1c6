package store

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/evidence"
	"github.com/seed/stackcapture/pkg/jvm"
)

func TestLifecycleRoundTrip(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	created := base.Add(1234 * time.Millisecond)
	c := newQueued("shop", "cart-0", created)
	id, err := s.Insert(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if id <= 0 || c.ID != id {
		t.Fatalf("Insert returned id %d and set c.ID %d", id, c.ID)
	}

	got := mustGet(t, s, id)
	want := &Capture{ID: id, Status: StatusQueued, Trigger: TriggerAlert, RequestedBy: "sa-webhook",
		Namespace: "shop", Pod: "cart-0", CreatedAt: created, Alert: testAlert()}
	if d := diffCaptures(want, got); d != "" {
		t.Fatalf("queued capture: %s", d)
	}

	started := created.Add(50 * time.Millisecond)
	if err := s.MarkRunning(ctx, id, started, "app", "node-7"); err != nil {
		t.Fatal(err)
	}
	want.Status, want.StartedAt, want.Container, want.Node = StatusRunning, started, "app", "node-7"
	if d := diffCaptures(want, mustGet(t, s, id)); d != "" {
		t.Fatalf("running capture: %s", d)
	}

	procs := testProcesses(t)
	finished := started.Add(1500 * time.Millisecond)
	if err := s.Finish(ctx, id, finished, procs, true, 1001); err != nil {
		t.Fatal(err)
	}
	want.Status, want.FinishedAt, want.Truncated, want.WindowMs = StatusDone, finished, true, 1001
	want.Processes = withoutRaw(procs)
	top := procs[1].Threads[0] // GC Thread#0 at 120.25% beats hot-spinner at 99.5%
	want.TopThread = &top
	want.EvidenceKinds = []evidence.Kind{evidence.KindJVMThreads} // a capture with threads holds that kind
	if d := diffCaptures(want, mustGet(t, s, id)); d != "" {
		t.Fatalf("done capture: %s", d)
	}

	dumps, err := s.RawDumps(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	wantDumps := []RawDump{
		{PID: 4242, Container: "app", Text: procs[0].Raw},
		{PID: 77, Container: "sidecar", Text: procs[1].Raw},
	}
	if !reflect.DeepEqual(dumps, wantDumps) {
		t.Fatalf("RawDumps: got %d dumps, texts equal: %v", len(dumps), len(dumps) == 2 && dumps[0].Text == procs[0].Raw && dumps[1].Text == procs[1].Raw)
	}

	// List carries the same row with the denormalized top thread and no processes.
	page, err := s.List(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Captures) != 1 {
		t.Fatalf("List: %d captures, want 1", len(page.Captures))
	}
	listed := *want
	listed.Processes = nil
	// A list does not decode the stored alert; what it shows of it has columns of its own.
	listed.Alert = nil
	listed.AlertName, listed.DashboardUID, listed.PanelID = want.Alert.AlertName, want.Alert.DashboardUID, want.Alert.PanelID
	listed.TopThread = &jvm.Thread{Name: top.Name, NativeID: top.NativeID, CPUPercent: top.CPUPercent}
	if d := diffCaptures(&listed, &page.Captures[0]); d != "" {
		t.Fatalf("listed capture: %s", d)
	}
}

func TestFailedAndSkippedKeepReasons(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)

	// A running capture fails with the processes it had gathered.
	failed := newQueued("shop", "cart-1", base)
	failed.Alert = nil
	failed.Trigger = TriggerManual
	failed.RequestedBy = "admin"
	id := mustInsert(t, s, failed)
	if err := s.MarkRunning(ctx, id, base.Add(time.Second), "", ""); err != nil {
		t.Fatal(err)
	}
	partial := testProcesses(t)[:1]
	if err := s.Fail(ctx, id, base.Add(2*time.Second), "exec timed out after 30s", partial); err != nil {
		t.Fatal(err)
	}
	got := mustGet(t, s, id)
	if got.Status != StatusFailed || got.Error != "exec timed out after 30s" || !got.FinishedAt.Equal(base.Add(2*time.Second)) {
		t.Fatalf("failed capture: status %s, error %q, finished %s", got.Status, got.Error, got.FinishedAt)
	}
	if got.Alert != nil || got.Trigger != TriggerManual || got.RequestedBy != "admin" {
		t.Fatalf("manual capture: alert %+v, trigger %s, by %q", got.Alert, got.Trigger, got.RequestedBy)
	}
	if !reflect.DeepEqual(got.Processes, withoutRaw(partial)) {
		t.Fatalf("partial processes not kept: %+v", got.Processes)
	}
	if got.TopThread == nil || got.TopThread.Name != "hot-spinner" {
		t.Fatalf("top thread of partial processes: %+v", got.TopThread)
	}
	dumps, err := s.RawDumps(ctx, id)
	if err != nil || len(dumps) != 1 || dumps[0].Text != partial[0].Raw {
		t.Fatalf("raw dump of failed capture: %d dumps, err %v", len(dumps), err)
	}

	// A queued capture fails without processes.
	q := mustInsert(t, s, newQueued("shop", "cart-2", base))
	if err := s.Fail(ctx, q, base.Add(time.Second), "pod not found", nil); err != nil {
		t.Fatal(err)
	}
	got = mustGet(t, s, q)
	if got.Status != StatusFailed || got.Error != "pod not found" || got.Processes != nil || got.TopThread != nil {
		t.Fatalf("failed queued capture: %+v", got)
	}
	if dumps, err := s.RawDumps(ctx, q); err != nil || len(dumps) != 0 {
		t.Fatalf("RawDumps of capture without dumps: %v, %v", dumps, err)
	}

	// A skipped capture keeps its reason, finish time and cooldown end.
	skipped := &Capture{Status: StatusSkipped, Trigger: TriggerAlert, Namespace: "shop", Pod: "cart-0", Container: "app",
		CreatedAt: base, FinishedAt: base, Error: "cooldown: captured 40s ago", NextAllowedAt: base.Add(4 * time.Minute), Alert: testAlert()}
	sid := mustInsert(t, s, skipped)
	want := *skipped
	want.ID = sid
	if d := diffCaptures(&want, mustGet(t, s, sid)); d != "" {
		t.Fatalf("skipped capture: %s", d)
	}
}

func TestInsertRejectsInvalid(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	cases := []struct {
		name   string
		mutate func(*Capture)
		want   string
	}{
		{"no namespace", func(c *Capture) { c.Namespace = "" }, "namespace is empty"},
		{"no pod", func(c *Capture) { c.Pod = "" }, "pod is empty"},
		{"bad trigger", func(c *Capture) { c.Trigger = "cron" }, `unknown trigger "cron"`},
		{"no created", func(c *Capture) { c.CreatedAt = time.Time{} }, "created at is zero"},
		{"done", func(c *Capture) { c.Status = StatusDone }, `status "done"`},
		{"queued with start", func(c *Capture) { c.StartedAt = base }, "no start or finish"},
		{"skipped without reason", func(c *Capture) { c.Status, c.FinishedAt = StatusSkipped, base }, "needs the reason"},
		{"skipped without finish", func(c *Capture) { c.Status, c.Error = StatusSkipped, "cooldown" }, "needs FinishedAt"},
		{"processes", func(c *Capture) { c.Processes = []jvm.Process{{PID: 1}} }, "stored by Finish"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newQueued("ns", "pod", base)
			tc.mutate(c)
			_, err := s.Insert(ctx, c)
			if !errors.Is(err, ErrInvalidCapture) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Insert: got %v, want ErrInvalidCapture mentioning %q", err, tc.want)
			}
		})
	}
	// A batch with one bad capture stores none of them.
	good, bad := newQueued("ns", "good", base), newQueued("ns", "", base)
	if _, err := s.InsertBatch(ctx, []*Capture{good, bad}); !errors.Is(err, ErrInvalidCapture) {
		t.Fatalf("InsertBatch with a bad capture: %v", err)
	}
	if page, err := s.List(ctx, Filter{}); err != nil || len(page.Captures) != 0 {
		t.Fatalf("after rejected inserts: %d captures, err %v", len(page.Captures), err)
	}
}

func TestIllegalTransitionsChangeNothing(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	at := base.Add(time.Minute)

	// One capture in each state.
	ids := map[Status]int64{}
	for _, st := range []Status{StatusQueued, StatusRunning, StatusDone, StatusFailed} {
		id := mustInsert(t, s, newQueued("ns", "pod-"+string(st), base))
		switch st {
		case StatusRunning, StatusDone:
			if err := s.MarkRunning(ctx, id, base, "app", "n1"); err != nil {
				t.Fatal(err)
			}
		}
		switch st {
		case StatusDone:
			if err := s.Finish(ctx, id, base, testProcesses(t), false, 1000); err != nil {
				t.Fatal(err)
			}
		case StatusFailed:
			if err := s.Fail(ctx, id, base, "boom", nil); err != nil {
				t.Fatal(err)
			}
		}
		ids[st] = id
	}
	ids[StatusSkipped] = mustInsert(t, s, &Capture{Status: StatusSkipped, Trigger: TriggerManual, Namespace: "ns", Pod: "pod-s",
		CreatedAt: base, FinishedAt: base, Error: "cooldown", NextAllowedAt: base.Add(time.Minute)})

	actions := []struct {
		name    string
		allowed []Status
		do      func(id int64) error
	}{
		{"mark running", []Status{StatusQueued}, func(id int64) error { return s.MarkRunning(ctx, id, at, "other", "n9") }},
		{"finish", []Status{StatusRunning}, func(id int64) error { return s.Finish(ctx, id, at, testProcesses(t), true, 5) }},
		{"fail", []Status{StatusQueued, StatusRunning}, func(id int64) error { return s.Fail(ctx, id, at, "late", testProcesses(t)) }},
	}
	for _, a := range actions {
		for st, id := range ids {
			allowed := false
			for _, ok := range a.allowed {
				allowed = allowed || ok == st
			}
			if allowed {
				continue
			}
			t.Run(a.name+" from "+string(st), func(t *testing.T) {
				before := mustGet(t, s, id)
				beforeDumps, err := s.RawDumps(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				err = a.do(id)
				if !errors.Is(err, ErrInvalidTransition) || !strings.Contains(err.Error(), string(st)) {
					t.Fatalf("got %v, want ErrInvalidTransition naming state %s", err, st)
				}
				if d := diffCaptures(before, mustGet(t, s, id)); d != "" {
					t.Fatalf("rejected transition changed the capture: %s", d)
				}
				afterDumps, err := s.RawDumps(ctx, id)
				if err != nil || !reflect.DeepEqual(beforeDumps, afterDumps) {
					t.Fatalf("rejected transition changed raw dumps: %d → %d (%v)", len(beforeDumps), len(afterDumps), err)
				}
			})
		}
	}

	const missing = 999999
	for _, a := range actions {
		if err := a.do(missing); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s of a missing capture: %v, want ErrNotFound", a.name, err)
		}
	}
	if _, err := s.Get(ctx, missing); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get of a missing capture: %v", err)
	}
	if _, err := s.RawDumps(ctx, missing); !errors.Is(err, ErrNotFound) {
		t.Errorf("RawDumps of a missing capture: %v", err)
	}
}

func TestMarkRunningKeepsContainerWhenEmpty(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	c := newQueued("ns", "pod", base)
	c.Container, c.Node = "app", "node-1"
	id := mustInsert(t, s, c)
	if err := s.MarkRunning(ctx, id, base, "", ""); err != nil {
		t.Fatal(err)
	}
	got := mustGet(t, s, id)
	if got.Container != "app" || got.Node != "node-1" {
		t.Fatalf("empty values overwrote the target: container %q node %q", got.Container, got.Node)
	}
}

func TestRawDumpsStoredCompressed(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	id := mustInsert(t, s, newQueued("ns", "pod", base))
	if err := s.MarkRunning(ctx, id, base, "app", "n"); err != nil {
		t.Fatal(err)
	}
	procs := testProcesses(t)
	if err := s.Finish(ctx, id, base, procs, false, 1000); err != nil {
		t.Fatal(err)
	}
	rows, err := s.read.QueryContext(ctx, "SELECT pid, length(text_gz), raw_bytes FROM raw_dumps WHERE capture_id = ? ORDER BY seq", id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var pid, stored, raw int
		if err := rows.Scan(&pid, &stored, &raw); err != nil {
			t.Fatal(err)
		}
		if raw != len(procs[n].Raw) {
			t.Errorf("pid %d: raw_bytes %d, want %d", pid, raw, len(procs[n].Raw))
		}
		if stored*4 >= raw {
			t.Errorf("pid %d: %d raw bytes stored as %d: not compressed below a quarter", pid, raw, stored)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("%d raw dump rows, want 2", n)
	}
	// The processes blob is compressed too: no thread name appears in clear.
	var blob []byte
	if err := s.read.QueryRowContext(ctx, "SELECT processes_gz FROM capture_processes WHERE capture_id = ?", id).Scan(&blob); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(blob), "hot-spinner") {
		t.Fatal("processes are stored as clear JSON")
	}
}

func TestSetContainerOnlyWhileRunning(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	id := mustInsert(t, s, newQueued("shop", "web-0", t0))
	if err := s.SetContainer(ctx, id, "app"); !errors.Is(err, ErrInvalidTransition) {
		t.Fatalf("SetContainer on a queued capture: err = %v, want ErrInvalidTransition", err)
	}
	if err := s.MarkRunning(ctx, id, t0.Add(time.Second), "", "node-1"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetContainer(ctx, id, "app,sidecar"); err != nil {
		t.Fatalf("SetContainer: %v", err)
	}
	if got := mustGet(t, s, id).Container; got != "app,sidecar" {
		t.Errorf("container = %q, want app,sidecar", got)
	}
	page, err := s.List(ctx, Filter{Container: "app,sidecar"})
	if err != nil || len(page.Captures) != 1 {
		t.Fatalf("List by the resolved container: %d captures, err %v", len(page.Captures), err)
	}
}

func TestSkippedAlertWithoutPodIsRecorded(t *testing.T) {
	s := openTest(t)
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	c := &Capture{Status: StatusSkipped, Trigger: TriggerAlert, CreatedAt: t0, FinishedAt: t0,
		Error: `alert has no namespace (label "namespace")`, Alert: testAlert()}
	id := mustInsert(t, s, c)
	got := mustGet(t, s, id)
	if got.Status != StatusSkipped || got.Error != c.Error || got.Namespace != "" {
		t.Errorf("got %+v", got)
	}
	// A queued capture still needs both.
	if _, err := s.Insert(testCtx(t), &Capture{Status: StatusQueued, Trigger: TriggerAlert, CreatedAt: t0}); !errors.Is(err, ErrInvalidCapture) {
		t.Errorf("queued capture without namespace/pod: err = %v, want ErrInvalidCapture", err)
	}
}
