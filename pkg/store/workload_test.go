package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/evidence"
	"github.com/seed/stackcapture/pkg/jvm"
	"github.com/seed/stackcapture/pkg/pprof"
)

// hotThread is a busy thread whose top application frame is method, under JDK frames.
func hotThread(name, method string, cpuPercent float64) jvm.Thread {
	return jvm.Thread{Name: name, CPUPercent: cpuPercent, InDump: true, State: "RUNNABLE",
		Frames: []jvm.Frame{
			{Method: "java.util.HashMap.resize", Source: "java.base@17.0.15/HashMap.java:702"},
			{Method: method, Source: "App.java:42"},
			{Method: "java.lang.Thread.run", Source: "java.base@17.0.15/Thread.java:840"},
		}}
}

func process(threads ...jvm.Thread) []jvm.Process {
	return []jvm.Process{{PID: 1, Container: "app", WindowMs: 1000, Threads: threads}}
}

// capturedIn runs a capture through the store as the capture manager does: queued, running
// with the pod's workload, done with its processes.
type capturedIn struct {
	org      int64
	cluster  string
	ns, pod  string
	workload Workload
}

func (w capturedIn) done(t testing.TB, s *Store, created time.Time, ps []jvm.Process) int64 {
	t.Helper()
	ctx := testCtx(t)
	c := newQueued(w.ns, w.pod, created)
	c.OrgID, c.Cluster = w.org, w.cluster
	id := mustInsert(t, s, c)
	if err := s.MarkRunning(ctx, id, created.Add(time.Second), "app", "n1"); err != nil {
		t.Fatal(err)
	}
	if w.workload.Known() {
		if err := s.SetWorkload(ctx, id, w.workload); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Finish(ctx, id, created.Add(3*time.Second), ps, false, 1000); err != nil {
		t.Fatal(err)
	}
	return id
}

func (w capturedIn) key() WorkloadKey {
	return WorkloadKey{OrgID: w.org, Cluster: w.cluster, Namespace: w.ns, Workload: w.workload}
}

func TestSetWorkloadIsServedWithTheCapture(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	id := mustInsert(t, s, newQueued("shop", "api-7d9f8b6c5d-x2k4q", base))
	if c := mustGet(t, s, id); c.Workload.Known() {
		t.Fatalf("a new capture has workload %+v, want none", c.Workload)
	}
	w := Workload{Kind: "Deployment", Name: "api"}
	if err := s.SetWorkload(ctx, id, Workload{Kind: "Deployment"}); err == nil {
		t.Error("SetWorkload without a name succeeded")
	}
	if err := s.MarkRunning(ctx, id, base, "app", "n1"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetWorkload(ctx, id, w); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, s, id).Workload; got != w {
		t.Errorf("Get: workload %+v, want %+v", got, w)
	}
	page, err := s.List(ctx, Filter{})
	if err != nil || len(page.Captures) != 1 || page.Captures[0].Workload != w {
		t.Errorf("List: %+v, %v; want the workload %+v", page.Captures, err, w)
	}
	if err := s.Fail(ctx, id, base.Add(time.Second), "gone", nil); err != nil {
		t.Fatal(err)
	}
	if err := s.SetWorkload(ctx, id, w); !errors.Is(err, ErrInvalidTransition) {
		t.Errorf("SetWorkload on a failed capture: %v, want ErrInvalidTransition", err)
	}
	if err := s.SetWorkload(ctx, id+100, w); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetWorkload on no capture: %v, want ErrNotFound", err)
	}
}

// The frames stored with a capture come from a real thread dump: each busy thread's top
// application frame, without line number and without the lambda's per-run address; JDK
// threads and idle threads add none.
func TestFinishStoresTheTopApplicationFrames(t *testing.T) {
	for _, file := range []string{"jdk17-jstack-l.txt", "jdk25-jstack-l.txt"} {
		t.Run(file, func(t *testing.T) {
			dump, err := jvm.ParseThreadDump(fixture(t, file))
			if err != nil {
				t.Fatal(err)
			}
			cpu := map[string]float64{"hot-spinner": 98.5, "Reference Handler": 40, `warm "quoted" (parens) 工作线程`: 12, "idle-pool-0": 0.2}
			var threads []jvm.Thread
			for _, th := range dump.Threads {
				if c, ok := cpu[th.Name]; ok {
					th.CPUPercent = c
					threads = append(threads, th)
				}
			}
			if len(threads) != len(cpu) {
				t.Fatalf("found %d of the threads %v in the dump", len(threads), cpu)
			}
			s := openTest(t)
			w := capturedIn{org: 1, cluster: "prod", ns: "shop", pod: "api-1", workload: Workload{Kind: "Deployment", Name: "api"}}
			id := w.done(t, s, base, process(threads...))
			c, frames, err := s.FramesInOrg(testCtx(t), 1, id)
			if err != nil {
				t.Fatal(err)
			}
			if c.Workload != w.workload {
				t.Errorf("workload %+v", c.Workload)
			}
			if len(frames) != 2 {
				t.Fatalf("frames %+v, want hot-spinner's and the warm thread's", frames)
			}
			if f := frames[0]; f.Frame != "Workload.lambda$main$0" || f.Thread != "hot-spinner" || f.Share == nil || *f.Share != 0.985 || f.Rank != 0 {
				t.Errorf("hottest frame %+v (share %v)", f, deref(f.Share))
			}
			if f := frames[1]; f.Thread != `warm "quoted" (parens) 工作线程` || f.Rank != 1 || f.Share == nil || *f.Share >= *frames[0].Share {
				t.Errorf("second frame %+v", f)
			}
		})
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// A Go capture's frames are its CPU profile's top functions by own time.
func TestFramesOfAGoCPUProfile(t *testing.T) {
	sum := pprof.CPUSummary{Window: 2 * time.Second, TopFlat: []pprof.CPUFunc{
		{Function: "main.spin", FlatShare: 0.91},
		{Function: "runtime.mallocgc", FlatShare: 0.2},
		{Function: "main.idle", FlatShare: 0.001},
	}}
	js, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	got := framesOf(process(hotThread("worker", "com.acme.Work.run", 50)), []evidence.Piece{
		{Kind: "go-cpu", Container: "app", Summary: js},
		{Kind: "go-heap", Container: "app", Summary: js}, // not a CPU profile
		{Kind: "go-cpu", Container: "broken", Summary: json.RawMessage(`{"topFlat": 3}`)},
	})
	want := []struct {
		frame, thread string
		share         float64
	}{{"main.spin", "", 0.91}, {"com.acme.Work.run", "worker", 0.5}, {"runtime.mallocgc", "", 0.2}}
	if len(got) != len(want) {
		t.Fatalf("frames %+v, want %+v", got, want)
	}
	for i, w := range want {
		if got[i].Frame != w.frame || got[i].Thread != w.thread || got[i].Share == nil || *got[i].Share != w.share || got[i].Rank != i {
			t.Errorf("frame %d = %+v (share %v), want %+v", i, got[i], deref(got[i].Share), w)
		}
	}
}

// A frame found in 7 of 10 captures ranks above one found in 2, whatever their shares; other
// workloads, orgs, clusters, failed captures and captures out of the range do not count.
func TestHotFramesRankByCapturesThenShare(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	api := capturedIn{org: 1, cluster: "prod", ns: "shop", workload: Workload{Kind: "Deployment", Name: "api"}}
	var ids []int64
	for i := range 10 {
		api.pod = fmt.Sprintf("api-%d", i%3) // pods come and go; the workload stays
		var threads []jvm.Thread
		if i < 7 {
			threads = append(threads, hotThread("worker-"+strconv.Itoa(i), "com.acme.Spin.spinHot", 60+float64(i)))
		}
		if i >= 8 {
			// Rarer but hotter, on two threads of the same capture.
			threads = append(threads, hotThread("gc-ish-a", "com.acme.Cache.rebuild", 95), hotThread("gc-ish-b", "com.acme.Cache.rebuild", 90))
		}
		threads = append(threads, hotThread("parked", "com.acme.Idle.waitForWork", 0.1))
		ids = append(ids, api.done(t, s, base.Add(time.Duration(i)*time.Hour), process(threads...)))
	}
	// Noise that must not count: the same frames elsewhere.
	for _, other := range []capturedIn{
		{org: 2, cluster: "prod", ns: "shop", pod: "api-0", workload: api.workload},
		{org: 1, cluster: "staging", ns: "shop", pod: "api-0", workload: api.workload},
		{org: 1, cluster: "prod", ns: "other", pod: "api-0", workload: api.workload},
		{org: 1, cluster: "prod", ns: "shop", pod: "db-0", workload: Workload{Kind: "StatefulSet", Name: "api"}},
	} {
		for range 5 {
			other.done(t, s, base.Add(time.Hour), process(hotThread("x", "com.acme.Cache.rebuild", 99)))
		}
	}
	failed := mustInsert(t, s, func() *Capture {
		c := newQueued("shop", "api-0", base.Add(2*time.Hour))
		c.OrgID, c.Cluster = 1, "prod"
		return c
	}())
	if err := s.Fail(ctx, failed, base.Add(2*time.Hour), "no JVM", process(hotThread("x", "com.acme.Cache.rebuild", 99))); err != nil {
		t.Fatal(err)
	}
	api.done(t, s, base.Add(-48*time.Hour), process(hotThread("old", "com.acme.Cache.rebuild", 99))) // before the range

	got, err := s.HotFramesOf(ctx, api.key(), base.Add(-time.Hour), base.Add(24*time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	if got.Captures != 10 {
		t.Errorf("captures %d, want 10", got.Captures)
	}
	if len(got.Frames) != 2 {
		t.Fatalf("frames %+v, want spinHot then rebuild (the parked thread is idle)", got.Frames)
	}
	spin, rebuild := got.Frames[0], got.Frames[1]
	if spin.Frame != "com.acme.Spin.spinHot" || spin.Captures != 7 || rebuild.Frame != "com.acme.Cache.rebuild" || rebuild.Captures != 2 {
		t.Fatalf("frames %+v, want spinHot in 7, rebuild in 2", got.Frames)
	}
	if !spin.FirstSeen.Equal(base) || !spin.LastSeen.Equal(base.Add(6*time.Hour)) || spin.LastCaptureID != ids[6] {
		t.Errorf("spinHot seen %s..%s last in %d, want %s..%s in %d", spin.FirstSeen, spin.LastSeen, spin.LastCaptureID, base, base.Add(6*time.Hour), ids[6])
	}
	if rebuild.LastCaptureID != ids[9] || !rebuild.FirstSeen.Equal(base.Add(8*time.Hour)) {
		t.Errorf("rebuild %+v, last capture want %d", rebuild, ids[9])
	}
	// Mean share per capture, the two threads of a capture summed: (0.95+0.90) each time.
	if rebuild.Share == nil || *rebuild.Share < 1.84 || *rebuild.Share > 1.86 {
		t.Errorf("rebuild share %v, want 1.85 (two threads summed)", deref(rebuild.Share))
	}
	if spin.Share == nil || *spin.Share <= 0.6 || *spin.Share >= 0.67 {
		t.Errorf("spinHot share %v, want the mean of 0.60..0.66", deref(spin.Share))
	}

	// With equal counts, the hotter frame comes first; the limit cuts the tail.
	narrow, err := s.HotFramesOf(ctx, api.key(), base.Add(5*time.Hour+30*time.Minute), base.Add(9*time.Hour), 1)
	if err != nil {
		t.Fatal(err)
	}
	if narrow.Captures != 4 || len(narrow.Frames) != 1 || narrow.Frames[0].Frame != "com.acme.Spin.spinHot" && narrow.Frames[0].Frame != "com.acme.Cache.rebuild" {
		t.Errorf("narrow range: %+v", narrow)
	}
	if narrow.Frames[0].Frame != "com.acme.Cache.rebuild" {
		t.Errorf("2 captures each: rebuild (1.85 cores) must rank above spinHot (0.66), got %+v", narrow.Frames)
	}

	// A range of more captures than are counted: the newest are, and From says since when.
	newest, err := s.hotFramesOf(ctx, api.key(), base.Add(-time.Hour), base.Add(24*time.Hour), 0, 4)
	if err != nil {
		t.Fatal(err)
	}
	if newest.Captures != 4 || !newest.From.Equal(base.Add(6*time.Hour)) || len(newest.Frames) != 2 ||
		newest.Frames[0].Frame != "com.acme.Cache.rebuild" || newest.Frames[0].Captures != 2 || newest.Frames[1].Captures != 1 {
		t.Errorf("the 4 newest: %+v, want captures 6..9 from %s: rebuild in 2, spinHot in 1", newest, base.Add(6*time.Hour))
	}
	exact, err := s.hotFramesOf(ctx, api.key(), base.Add(-time.Hour), base.Add(24*time.Hour), 0, 10)
	if err != nil || exact.Captures != 10 || !exact.From.Equal(base.Add(-time.Hour)) || exact.Frames[0].Captures != 7 {
		t.Errorf("as many as counted: %+v, %v; want all 10 from the range's start", exact, err)
	}

	for _, bad := range []struct {
		name  string
		key   WorkloadKey
		limit int
		from  time.Time
	}{
		{"no org", WorkloadKey{Namespace: "shop", Workload: api.workload}, 0, base},
		{"no namespace", WorkloadKey{OrgID: 1, Workload: api.workload}, 0, base},
		{"no name", WorkloadKey{OrgID: 1, Namespace: "shop", Workload: Workload{Kind: "Deployment"}}, 0, base},
		{"limit", api.key(), MaxHotFrames + 1, base},
		{"from after to", api.key(), 0, base.Add(48 * time.Hour)},
	} {
		if _, err := s.HotFramesOf(ctx, bad.key, bad.from, base.Add(24*time.Hour), bad.limit); !errors.Is(err, ErrBadFilter) {
			t.Errorf("%s: %v, want ErrBadFilter", bad.name, err)
		}
	}
}

func TestPreviousInWorkload(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	api := capturedIn{org: 1, cluster: "prod", ns: "shop", pod: "api-a", workload: Workload{Kind: "Deployment", Name: "api"}}
	first := api.done(t, s, base, process(hotThread("w", "com.acme.A.run", 50)))
	api.pod = "api-b" // a new pod of the same Deployment after a rollout
	second := api.done(t, s, base.Add(time.Hour), process(hotThread("w", "com.acme.A.run", 50)))
	// Between them in time but not done, or not of this workload, or not of this org.
	failed := mustInsert(t, s, func() *Capture {
		c := newQueued("shop", "api-b", base.Add(90*time.Minute))
		c.OrgID, c.Cluster = 1, "prod"
		return c
	}())
	if err := s.MarkRunning(ctx, failed, base.Add(90*time.Minute), "app", "n"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetWorkload(ctx, failed, api.workload); err != nil {
		t.Fatal(err)
	}
	if err := s.Fail(ctx, failed, base.Add(91*time.Minute), "no JVM", nil); err != nil {
		t.Fatal(err)
	}
	capturedIn{org: 2, cluster: "prod", ns: "shop", pod: "api-b", workload: api.workload}.done(t, s, base.Add(100*time.Minute), nil)
	capturedIn{org: 1, cluster: "staging", ns: "shop", pod: "api-b", workload: api.workload}.done(t, s, base.Add(100*time.Minute), nil)
	third := api.done(t, s, base.Add(2*time.Hour), process(hotThread("w", "com.acme.A.run", 50)))
	bare := capturedIn{org: 1, cluster: "prod", ns: "shop", pod: "debug"}.done(t, s, base.Add(3*time.Hour), nil)

	tests := []struct {
		name    string
		org, id int64
		want    int64
	}{
		{"the one before, across pods", 1, third, second},
		{"skips nothing older", 1, second, first},
		{"first of its workload", 1, first, 0},
		{"a failed capture has a previous too", 1, failed, second},
		{"workload unknown", 1, bare, 0},
		{"another org's capture", 2, third, 0},
		{"no such capture", 1, third + 100, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.PreviousInWorkload(ctx, tc.org, tc.id)
			if tc.want == 0 {
				if !errors.Is(err, ErrNotFound) {
					t.Errorf("previous = %d, %v; want ErrNotFound", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("previous = %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}

func share(v float64) *float64 { return &v }

func TestCompareFrames(t *testing.T) {
	base := []CaptureFrame{
		{Frame: "a.Stays.run", Thread: "w1", Share: share(0.5)},
		{Frame: "a.Grows.run", Thread: "w2", Share: share(0.3)},
		{Frame: "a.Shrinks.run", Thread: "w3", Share: share(0.9)},
		{Frame: "a.Gone.run", Thread: "w4", Share: share(0.7)},
		{Frame: "a.Jitter.run", Thread: "w5", Share: share(0.04)},
		{Frame: "a.Split.run", Thread: "p-1", Share: share(0.5)},
		{Frame: "a.Unmeasured.run", Thread: "u"},
	}
	other := []CaptureFrame{
		{Frame: "a.Stays.run", Thread: "w1", Share: share(0.55)}, // +10 %: noise
		{Frame: "a.Grows.run", Thread: "w2", Share: share(0.8)},
		{Frame: "a.Shrinks.run", Thread: "w3", Share: share(0.2)},
		{Frame: "a.New.run", Thread: "w6", Share: share(0.95)},
		{Frame: "a.Jitter.run", Thread: "w5", Share: share(0.08)}, // doubled, but by 0.04 of a core
		{Frame: "a.Split.run", Thread: "p-2", Share: share(0.3)},  // now on two threads: 0.6 in all
		{Frame: "a.Split.run", Thread: "p-3", Share: share(0.35)},
		{Frame: "a.Unmeasured.run", Thread: "u", Share: share(0.9)},
	}
	got := CompareFrames(base, other)
	want := map[string]struct {
		change Change
		thread string
	}{
		"a.Stays.run": {ChangeSame, "w1"}, "a.Grows.run": {ChangeGrew, "w2"}, "a.Shrinks.run": {ChangeShrank, "w3"},
		"a.Gone.run": {ChangeDisappeared, "w4"}, "a.New.run": {ChangeAppeared, "w6"}, "a.Jitter.run": {ChangeSame, "w5"},
		"a.Split.run": {ChangeGrew, "p-3"}, "a.Unmeasured.run": {ChangeSame, "u"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d: %+v", len(got), len(want), got)
	}
	for _, c := range got {
		w, ok := want[c.Frame]
		if !ok || c.Change != w.change || c.Thread != w.thread {
			t.Errorf("%s: %s on %q, want %+v", c.Frame, c.Change, c.Thread, w)
		}
	}
	if got[0].Frame != "a.New.run" || got[len(got)-1].Frame != "a.Jitter.run" {
		t.Errorf("order %v, want hottest (a.New.run) first, coolest (a.Jitter.run) last", frameNames(got))
	}
	if c := got[indexOf(got, "a.Split.run")]; c.OtherShare == nil || *c.OtherShare < 0.649 || *c.OtherShare > 0.651 {
		t.Errorf("split share %v, want 0.65 (two threads summed)", deref(c.OtherShare))
	}
	if c := got[indexOf(got, "a.New.run")]; c.BaseShare != nil {
		t.Errorf("appeared frame has base share %v", *c.BaseShare)
	}
	if same := CompareFrames(base, base); len(same) != len(base) {
		t.Errorf("a capture against itself: %+v", same)
	} else {
		for _, c := range same {
			if c.Change != ChangeSame {
				t.Errorf("a capture against itself: %s %s", c.Frame, c.Change)
			}
		}
	}
}

func frameNames(cs []FrameChange) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Frame
	}
	return out
}

func indexOf(cs []FrameChange, frame string) int {
	for i, c := range cs {
		if c.Frame == frame {
			return i
		}
	}
	return -1
}

// A database written before workloads (schema 2) opens with its captures in no workload, and
// the deletes of retention take the frames with their capture.
func TestMigrationToWorkloadsKeepsOldCaptures(t *testing.T) {
	ctx := testCtx(t)
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range migrations()[:2] {
		if _, err := db.ExecContext(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, `PRAGMA user_version = 2`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO captures (status, trigger, namespace, pod, created_at, finished_at, cluster)
		VALUES ('done', 'alert', 'shop', 'api-0', ?, ?, 'prod')`, base.UnixMilli(), base.UnixMilli()); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	old := mustGet(t, s, 1)
	if old.Workload.Known() {
		t.Errorf("old capture has workload %+v", old.Workload)
	}
	if _, err := s.PreviousInWorkload(ctx, 1, 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("previous of an old capture: %v", err)
	}
	api := capturedIn{org: 1, cluster: "prod", ns: "shop", pod: "api-0", workload: Workload{Kind: "Deployment", Name: "api"}}
	id := api.done(t, s, base.Add(time.Hour), process(hotThread("w", "com.acme.A.run", 50)))
	if n, err := s.PruneOrg(ctx, 1, base.Add(48*time.Hour), time.Hour); err != nil || n != 2 {
		t.Fatalf("prune: %d, %v", n, err)
	}
	var left int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM capture_frames WHERE capture_id = ?`, id).Scan(&left); err != nil || left != 0 {
		t.Errorf("frames of a pruned capture: %d, %v", left, err)
	}
}

// Threads in the same frame make one frame of the capture: shares summed, named by the
// busiest thread; a thread that was not measured adds no share.
func TestFramesOfMergesThreadsInOneFrame(t *testing.T) {
	got := framesOf(process(
		hotThread("pool-1-thread-1", "com.acme.Render.page", 30),
		hotThread("pool-1-thread-2", "com.acme.Render.page", 45),
		hotThread("pool-1-thread-3", "com.acme.Render.page", 20),
		hotThread("other", "com.acme.Other.run", 70),
	), nil)
	if len(got) != 2 || got[0].Frame != "com.acme.Render.page" || got[0].Thread != "pool-1-thread-2" || got[0].Share == nil ||
		*got[0].Share < 0.949 || *got[0].Share > 0.951 || got[1].Frame != "com.acme.Other.run" || got[1].Rank != 1 {
		t.Errorf("frames %+v, want Render.page (0.95 on pool-1-thread-2) then Other.run", got)
	}
	unmeasured := framesOf([]jvm.Process{{PID: 1, Threads: []jvm.Thread{
		hotThread("a", "com.acme.A.run", 0), hotThread("b", "com.acme.A.run", 0),
	}}}, nil)
	if len(unmeasured) != 1 || unmeasured[0].Share != nil || unmeasured[0].Thread != "a" {
		t.Errorf("a dump without a sample: %+v, want one frame without a share", unmeasured)
	}
}

// The go-cpu piece as a room collected it (contract/evidence/go-cpu.json, written by pkg/pprof
// from a real Go program) gives its top functions as the capture's frames.
func TestFramesOfTheContractGoCPUPiece(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "contract", "evidence", "go-cpu.json"))
	if err != nil {
		t.Fatalf("contract go-cpu piece: %v", err)
	}
	var served struct {
		Kind    string          `json:"kind"`
		Summary json.RawMessage `json:"summary"`
	}
	if err := json.Unmarshal(raw, &served); err != nil {
		t.Fatal(err)
	}
	var sum pprof.CPUSummary
	if err := json.Unmarshal(served.Summary, &sum); err != nil || len(sum.TopFlat) == 0 {
		t.Fatalf("summary: %v, %d functions", err, len(sum.TopFlat))
	}
	frames := framesOf(nil, []evidence.Piece{{Kind: evidence.Kind(served.Kind), Container: "app", Summary: served.Summary}})
	if len(frames) == 0 || frames[0].Frame != sum.TopFlat[0].Function || frames[0].Thread != "" ||
		frames[0].Share == nil || *frames[0].Share != sum.TopFlat[0].FlatShare {
		t.Fatalf("frames %+v, want %s (%.3f) first", frames, sum.TopFlat[0].Function, sum.TopFlat[0].FlatShare)
	}
	for i := 1; i < len(frames); i++ {
		if frames[i].Share == nil || *frames[i].Share > *frames[i-1].Share || frames[i].Rank != i {
			t.Errorf("frame %d %+v is not ranked after %+v", i, frames[i], frames[i-1])
		}
	}
}
