package capture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/seed/stackcapture/pkg/alert"
	"github.com/seed/stackcapture/pkg/evidence"
	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/pkg/kube/kubetest"
	"github.com/seed/stackcapture/pkg/podstory"
	"github.com/seed/stackcapture/pkg/pprof"
	"github.com/seed/stackcapture/pkg/pprof/pproftest"
	"github.com/seed/stackcapture/pkg/store"
)

// goCPURoom is a small room of this test's own on the real pprof package: the Go CPU profile
// of each container that declares an endpoint, fetched through the API server's pod proxy.
// (pkg/pprof's own room, with the goroutines, the heap and the flame tree, is tested there.)
type goCPURoom struct{}

func (goCPURoom) Name() string { return "test-go-cpu" }

func (goCPURoom) Plan(t evidence.Target) []evidence.Kind {
	if t.Pod == nil || !t.Focus.Includes(evidence.FocusCPU) {
		return nil
	}
	return []evidence.Kind{evidence.Kind(pprof.KindCPU)}
}

func (goCPURoom) Collect(ctx context.Context, env evidence.Env, t evidence.Target) []evidence.Piece {
	var out []evidence.Piece
	for _, c := range t.Containers {
		piece := evidence.Piece{Kind: evidence.Kind(pprof.KindCPU), Container: c, Started: time.Now().UTC()}
		ep, err := pprof.Discover(t.Pod, c)
		if err != nil {
			piece.Failure = &evidence.Failure{Reason: string(pprof.ReasonNoEndpoint), Message: err.Error()}
			out = append(out, piece)
			continue
		}
		ev := pprof.Collect(ctx, env.Kube, pprof.Request{Kind: pprof.KindCPU, Window: env.Window, MaxBytes: env.MaxBytes,
			Target: pprof.Target{Namespace: t.Namespace, Pod: t.Pod.Name, Endpoint: ep}})
		piece.Source, piece.Path, piece.Took, piece.Raw, piece.RawName, piece.RawType = ev.Source, ev.Path, ev.Took, ev.Raw, "cpu.pb.gz", "application/octet-stream"
		if ev.Failure != nil {
			piece.Failure = &evidence.Failure{Reason: string(ev.Failure.Reason), Message: ev.Failure.Message}
		}
		if ev.CPU != nil {
			piece.Summary, _ = json.Marshal(ev.CPU)
		}
		out = append(out, piece)
	}
	return out
}

// storyRoom reads the pod's events through Kubernetes, as the pod's story does, for every
// capture whatever its focus.
type storyRoom struct{}

func (storyRoom) Name() string { return "test-story" }
func (storyRoom) Plan(t evidence.Target) []evidence.Kind {
	if t.Pod == nil {
		return nil // a node has no pod story
	}
	return []evidence.Kind{kindPodStory}
}
func (storyRoom) Collect(ctx context.Context, env evidence.Env, t evidence.Target) []evidence.Piece {
	p := evidence.Piece{Kind: kindPodStory, Started: time.Now().UTC()}
	events, err := env.Kube.PodEvents(ctx, t.Namespace, t.Pod.Name, 10)
	if err != nil {
		p.Failure = &evidence.Failure{Reason: "events", Message: err.Error()}
		return []evidence.Piece{p}
	}
	p.Summary, _ = json.Marshal(map[string]any{"events": len(events.Items), "focus": t.Focus})
	return []evidence.Piece{p}
}

// funcRoom is a room made of functions, for the pipeline's own rules.
type funcRoom struct {
	name    string
	plan    func(evidence.Target) []evidence.Kind
	collect func(context.Context, evidence.Env, evidence.Target) []evidence.Piece
}

func (r funcRoom) Name() string                           { return r.name }
func (r funcRoom) Plan(t evidence.Target) []evidence.Kind { return r.plan(t) }
func (r funcRoom) Collect(ctx context.Context, env evidence.Env, t evidence.Target) []evidence.Piece {
	return r.collect(ctx, env, t)
}

func memoryKinds(t evidence.Target) []evidence.Kind {
	if t.Focus.Includes(evidence.FocusMemory) {
		return []evidence.Kind{"go-heap"}
	}
	return nil
}

func pieceOf(c *store.Capture, kind evidence.Kind) *store.Evidence {
	for i := range c.Evidence {
		if c.Evidence[i].Kind == kind {
			return &c.Evidence[i]
		}
	}
	return nil
}

// TestGoPodIsCapturedThroughItsRoom: a Go program without a JVM, serving pprof on a declared
// port, is captured through the pod proxy; the capture is done with the burning function on
// top, the pod's story beside it, and lists show the top function.
func TestGoPodIsCapturedThroughItsRoom(t *testing.T) {
	target := pproftest.Start(t, pproftest.Options{Parked: 100, HeapBytes: 8 << 20})
	sleeper := startSleep(t)
	cfg := testConfig()
	cfg.Rooms = []evidence.Room{goCPURoom{}, storyRoom{}}
	h := newHarness(t, cfg)
	h.srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "go-api-0", Node: "n", IP: target.Host,
		Containers: []kubetest.ContainerSpec{{Name: "api", Env: containerEnv("/usr/bin:/bin", sleeper),
			Ports: []corev1.ContainerPort{{Name: "pprof", ContainerPort: target.Port}}}}})
	c := h.captureOne(t, alert.Target{Namespace: "shop", Pod: "go-api-0", Container: "api"})
	if c.Status != store.StatusDone {
		t.Fatalf("status %s (%s), want done", c.Status, c.Error)
	}
	cpu := pieceOf(c, evidence.Kind(pprof.KindCPU))
	if cpu == nil || cpu.Failure != nil || cpu.RawBytes == 0 {
		t.Fatalf("go-cpu piece %+v", cpu)
	}
	// The burning function tops the program's own code by cumulative CPU. (By flat CPU, on a
	// loaded machine, the runtime's preemption handler inside it may sample more.)
	var sum pprof.CPUSummary
	if err := json.Unmarshal(cpu.Summary, &sum); err != nil {
		t.Fatal(err)
	}
	var ownTop string
	for _, f := range sum.TopCum {
		if !strings.HasPrefix(f.Function, "runtime.") && f.Function != "main.main" {
			ownTop = f.Function
			break
		}
	}
	if ownTop != pproftest.BurnFunc {
		t.Errorf("top of the program's own functions by cumulative CPU %q, want %s (%+v)", ownTop, pproftest.BurnFunc, sum.TopCum)
	}
	if c.TopFunction == nil || c.TopFunction.Container != "api" || c.TopFunction.Share <= 0 {
		t.Errorf("top function %+v, want one in api", c.TopFunction)
	}
	if story := pieceOf(c, kindPodStory); story == nil || story.Failure != nil || !strings.Contains(string(story.Summary), `"focus":"cpu"`) {
		t.Errorf("pod story %+v", story)
	}
	if c.Focus != evidence.FocusCPU || len(c.Processes) != 0 {
		t.Errorf("focus %q, %d processes", c.Focus, len(c.Processes))
	}
	page, err := h.store.List(context.Background(), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Captures) != 1 || page.Captures[0].TopFunction == nil || (c.TopFunction != nil && page.Captures[0].TopFunction.Name != c.TopFunction.Name) {
		t.Errorf("list row %+v", page.Captures)
	}
}

// TestRoomsRunBesideTheJVMProbe: the room and the probe wait for each other to start, so
// the capture can only take both if they run at once.
func TestRoomsRunBesideTheJVMProbe(t *testing.T) {
	sleeper := startSleep(t)
	cfg := testConfig()
	cfg.CaptureTimeout = 20 * time.Second
	execStarted, roomStarted := make(chan struct{}), make(chan struct{})
	cfg.Rooms = []evidence.Room{funcRoom{
		name: "meets-the-probe",
		plan: func(evidence.Target) []evidence.Kind { return []evidence.Kind{"go-cpu"} },
		collect: func(ctx context.Context, _ evidence.Env, tg evidence.Target) []evidence.Piece {
			close(roomStarted)
			p := evidence.Piece{Kind: "go-cpu", Container: tg.Containers[0], Summary: json.RawMessage(`{"topFlat":[{"function":"main.met","flatShare":0.5}]}`)}
			select {
			case <-execStarted:
			case <-ctx.Done():
				p.Failure = &evidence.Failure{Reason: "timeout", Message: "the probe never started while this room ran"}
			}
			return []evidence.Piece{p}
		},
	}}
	h := newHarness(t, cfg)
	h.srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "p", Node: "n", Containers: []kubetest.ContainerSpec{{Name: "c", Env: containerEnv("/usr/bin:/bin", sleeper)}}})
	var once atomic.Bool
	h.srv.OnExec(func(ctx context.Context, _ kubetest.ExecEvent) error {
		if once.CompareAndSwap(false, true) {
			close(execStarted)
		}
		select {
		case <-roomStarted:
			return nil
		case <-ctx.Done():
			return errors.New("the room never started while the probe ran")
		}
	})
	c := h.captureOne(t, alert.Target{Namespace: "shop", Pod: "p", Container: "c"})
	if c.Status != store.StatusDone {
		t.Fatalf("status %s (%s): the room and the probe did not run at once", c.Status, c.Error)
	}
	if p := pieceOf(c, "go-cpu"); p == nil || p.Failure != nil {
		t.Fatalf("room's piece %+v", p)
	}
}

// TestCaptureOutcomeWithRooms covers the outcome rules: done when the JVM threads or any piece
// other than the pod's story was taken; failed otherwise with every reason joined; the story
// and the other pieces stored either way; a room that panics or never returns is a failed
// piece naming it.
func TestCaptureOutcomeWithRooms(t *testing.T) {
	sleeper := startSleep(t)
	noEndpoint := fmt.Sprintf("no pprof endpoint declared: annotate the pod %s=… or name a container port pprof", pprof.Annotation)
	failing := funcRoom{name: "no-endpoint",
		plan: func(evidence.Target) []evidence.Kind { return []evidence.Kind{"go-cpu"} },
		collect: func(_ context.Context, _ evidence.Env, tg evidence.Target) []evidence.Piece {
			return []evidence.Piece{{Kind: "go-cpu", Container: tg.Containers[0], Failure: &evidence.Failure{Reason: "no-endpoint", Message: noEndpoint}}}
		}}
	heap := funcRoom{name: "heap", plan: memoryKinds,
		collect: func(_ context.Context, _ evidence.Env, tg evidence.Target) []evidence.Piece {
			return []evidence.Piece{{Kind: "go-heap", Container: tg.Containers[0], Summary: json.RawMessage(`{"inUseBytes":1}`)}}
		}}
	panicking := funcRoom{name: "panicky", plan: func(evidence.Target) []evidence.Kind { return []evidence.Kind{"go-goroutines"} },
		collect: func(context.Context, evidence.Env, evidence.Target) []evidence.Piece { panic("boom") }}
	planPanics := funcRoom{name: "plan-panics", plan: func(evidence.Target) []evidence.Kind { panic("no plan") },
		collect: func(context.Context, evidence.Env, evidence.Target) []evidence.Piece { return nil }}
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	stuck := funcRoom{name: "stuck", plan: func(evidence.Target) []evidence.Kind { return []evidence.Kind{"go-heap"} },
		collect: func(context.Context, evidence.Env, evidence.Target) []evidence.Piece { <-release; return nil }}

	tests := []struct {
		name       string
		rooms      []evidence.Room
		focus      evidence.Focus
		timeout    time.Duration
		wantStatus store.Status
		wantReason []string                 // all in the reason, in order
		wantPieces map[evidence.Kind]string // kind → failure reason ("" taken)
		wantExec   bool
	}{
		{name: "Go pod without an endpoint", rooms: []evidence.Room{failing, storyRoom{}},
			wantStatus: store.StatusFailed, wantReason: []string{`no JVM found in container "c"`, "; " + noEndpoint},
			wantPieces: map[evidence.Kind]string{"go-cpu": "no-endpoint", kindPodStory: ""}, wantExec: true},
		{name: "the story alone is not a capture", rooms: []evidence.Room{storyRoom{}},
			wantStatus: store.StatusFailed, wantReason: []string{`no JVM found in container "c"`},
			wantPieces: map[evidence.Kind]string{kindPodStory: ""}, wantExec: true},
		{name: "memory focus takes the heap and skips the probe", rooms: []evidence.Room{failing, heap, storyRoom{}}, focus: evidence.FocusMemory,
			wantStatus: store.StatusDone, wantPieces: map[evidence.Kind]string{"go-cpu": "no-endpoint", "go-heap": "", kindPodStory: ""}},
		{name: "memory focus with nothing planned", rooms: []evidence.Room{storyRoom{}}, focus: evidence.FocusMemory,
			wantStatus: store.StatusFailed, wantReason: []string{"nothing to capture for the memory focus"}, wantPieces: map[evidence.Kind]string{kindPodStory: ""}},
		{name: "memory focus without rooms", focus: evidence.FocusMemory,
			wantStatus: store.StatusFailed, wantReason: []string{"nothing to capture for the memory focus"}, wantPieces: map[evidence.Kind]string{}},
		{name: "all focus: heap taken although no JVM", rooms: []evidence.Room{heap}, focus: evidence.FocusAll,
			wantStatus: store.StatusDone, wantPieces: map[evidence.Kind]string{"go-heap": ""}, wantExec: true},
		{name: "a panicking room is a failed piece naming it", rooms: []evidence.Room{panicking, planPanics, heap}, focus: evidence.FocusAll,
			wantStatus: store.StatusDone, wantPieces: map[evidence.Kind]string{"go-goroutines": ReasonRoomPanicked, "plan-panics": ReasonRoomPanicked, "go-heap": ""}, wantExec: true},
		{name: "a panicking room alone", rooms: []evidence.Room{panicking},
			wantStatus: store.StatusFailed, wantReason: []string{`no JVM found in container "c"`, "evidence room panicky panicked: boom"},
			wantPieces: map[evidence.Kind]string{"go-goroutines": ReasonRoomPanicked}, wantExec: true},
		{name: "a room that never returns", rooms: []evidence.Room{stuck, heap}, focus: evidence.FocusMemory, timeout: 1500 * time.Millisecond,
			wantStatus: store.StatusDone, wantPieces: map[evidence.Kind]string{"go-heap": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Rooms = tt.rooms
			if tt.timeout > 0 {
				cfg.CaptureTimeout, cfg.SampleWindow = tt.timeout, 100*time.Millisecond
			}
			h := newHarness(t, cfg)
			h.srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "p", Node: "n", Containers: []kubetest.ContainerSpec{{Name: "c", Env: containerEnv("/usr/bin:/bin", sleeper)}}})
			var execs atomic.Int32
			h.srv.OnExec(func(context.Context, kubetest.ExecEvent) error { execs.Add(1); return nil })
			c := h.captureOne(t, alert.Target{Namespace: "shop", Pod: "p", Container: "c", Focus: tt.focus})
			if c.Status != tt.wantStatus {
				t.Fatalf("status %s (%q), want %s", c.Status, c.Error, tt.wantStatus)
			}
			rest := c.Error
			for _, w := range tt.wantReason {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("reason %q lacks %q (in order)", c.Error, w)
				}
				rest = rest[i+len(w):]
			}
			got := map[evidence.Kind]string{}
			for _, p := range c.Evidence {
				got[p.Kind] = ""
				if p.Failure != nil {
					got[p.Kind] = p.Failure.Reason
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.wantPieces) {
				t.Errorf("pieces %v, want %v", got, tt.wantPieces)
			}
			if (execs.Load() > 0) != tt.wantExec {
				t.Errorf("%d probe execs, want exec %v", execs.Load(), tt.wantExec)
			}
			wantFocus := tt.focus
			if wantFocus == "" {
				wantFocus = evidence.FocusCPU
			}
			if c.Focus != wantFocus {
				t.Errorf("stored focus %q, want %q", c.Focus, wantFocus)
			}
		})
	}
}

// TestStuckRoomIsRecordedAsTimedOut: a room that ignores its context does not hold the
// capture: its planned pieces are recorded as timed out.
func TestStuckRoomIsRecordedAsTimedOut(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	cfg := testConfig()
	cfg.CaptureTimeout, cfg.SampleWindow = time.Second, 100*time.Millisecond
	cfg.Rooms = []evidence.Room{funcRoom{name: "stuck", plan: memoryKinds,
		collect: func(context.Context, evidence.Env, evidence.Target) []evidence.Piece { <-release; return nil }}}
	h := newHarness(t, cfg)
	h.srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "p", Node: "n", Containers: []kubetest.ContainerSpec{{Name: "c"}}})
	c := h.captureOne(t, alert.Target{Namespace: "shop", Pod: "p", Container: "c", Focus: evidence.FocusMemory})
	p := pieceOf(c, "go-heap")
	if c.Status != store.StatusFailed || p == nil || p.Failure == nil || p.Failure.Reason != ReasonRoomTimeout ||
		!strings.Contains(p.Failure.Message, "evidence room stuck did not return within captureTimeout") || !strings.Contains(c.Error, "stuck") {
		t.Fatalf("capture %s (%q), piece %+v", c.Status, c.Error, p)
	}
}

// TestBudgetReservesForPlannedPieces: a capture reserves the output cap for the probe of each
// container and for each planned piece, unless its room bounds what the piece holds.
func TestBudgetReservesForPlannedPieces(t *testing.T) {
	cfg := testConfig()
	cfg.MaxOutputBytes = 1 << 20
	m := New(cfg, nil, nil, nil)
	plans := []roomPlan{{kinds: []evidence.Kind{"go-cpu", "go-goroutines"}}, {kinds: []evidence.Kind{kindPodStory}}}
	pod := &kube.PodInfo{Namespace: "shop", Name: "p"}
	tests := []struct {
		focus      evidence.Focus
		pod        *kube.PodInfo
		containers []string
		want       int
	}{
		{evidence.FocusCPU, pod, []string{"a"}, 4},
		{evidence.FocusAll, pod, []string{"a", "b"}, 5},
		{evidence.FocusMemory, pod, []string{"a", "b"}, 3},
		{evidence.FocusCPU, nil, nil, 3}, // a node: no probe
	}
	for _, tt := range tests {
		got := m.heldOutputs(evidence.Target{Focus: tt.focus, Pod: tt.pod}, tt.containers, plans)
		if got != int64(tt.want)<<20 {
			t.Errorf("focus %s, %d containers: %d bytes, want %d output caps", tt.focus, len(tt.containers), got, tt.want)
		}
		if r := m.reservation(got); r != min(int64(tt.want)<<20, m.budget.Limit()) {
			t.Errorf("reservation %d for %d bytes", r, got)
		}
	}
}

// TestBudgetOfAJVMPodLeavesRoomForOthers: the shipped rooms bound what their pieces hold, so a
// CPU capture of a JVM pod that declares no pprof endpoint reserves about one output cap (its
// probe) and its story's few hundred KiB, not one cap per planned piece (which took the whole
// default budget and ran captures one at a time).
func TestBudgetOfAJVMPodLeavesRoomForOthers(t *testing.T) {
	cfg := testConfig()
	cfg.MaxOutputBytes = 16 << 20
	cfg.Budget = NewBudget(DefaultBudgetBytes)
	m := New(cfg, nil, nil, nil)
	pod := &kube.PodInfo{Namespace: "shop", Name: "p", Containers: []kube.ContainerInfo{{Name: "app", Running: true}}}
	target := evidence.Target{Focus: evidence.FocusCPU, Pod: pod, Containers: []string{"app"}}
	var plans []roomPlan
	for _, r := range []evidence.Room{pprof.NewRoom(pprof.RoomOptions{}), podstory.NewRoom(podstory.Options{})} {
		if kinds := r.Plan(target); len(kinds) > 0 {
			plans = append(plans, roomPlan{room: r, kinds: kinds})
		}
	}
	if len(plans) != 2 {
		t.Fatalf("plans %+v: want the pprof room's no-endpoint pieces and the story", plans)
	}
	held := m.heldOutputs(target, target.Containers, plans)
	if held < cfg.MaxOutputBytes || held > cfg.MaxOutputBytes+cfg.MaxOutputBytes/8 {
		t.Errorf("a JVM pod's CPU capture may hold %d bytes, want its probe's cap (%d) and a bounded story", held, cfg.MaxOutputBytes)
	}
	if n := DefaultBudgetBytes / m.reservation(held); n < 2 {
		t.Errorf("%d such captures fit the default budget at once, want them to run together", n)
	}
}

// TestRoomGivesBackItsBudgetWhenDone: a room that returns at once with a small piece gives
// back the output cap it reserved, so a second capture runs beside the first while the first
// one's probe is still running (a budget of three outputs; each capture reserves two, the
// first keeps one once its room returned).
func TestRoomGivesBackItsBudgetWhenDone(t *testing.T) {
	sleeper := startSleep(t)
	cfg := testConfig()
	cfg.MaxOutputBytes = 1 << 20
	cfg.Budget = NewBudget(3<<20 + 64<<10) // and room for the small pieces
	cfg.Rooms = []evidence.Room{funcRoom{name: "quick",
		plan: func(evidence.Target) []evidence.Kind { return []evidence.Kind{"go-cpu"} },
		collect: func(_ context.Context, _ evidence.Env, tg evidence.Target) []evidence.Piece {
			return []evidence.Piece{{Kind: "go-cpu", Container: tg.Containers[0], Summary: json.RawMessage(`{"topFlat":[]}`)}}
		}}}
	h := newHarness(t, cfg)
	for _, pod := range []string{"a", "b"} {
		h.srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: pod, Node: "n", Containers: []kubetest.ContainerSpec{{Name: "c", Env: containerEnv("/usr/bin:/bin", sleeper)}}})
	}
	var active, peak atomic.Int32
	h.srv.OnExec(func(ctx context.Context, _ kubetest.ExecEvent) error {
		n := active.Add(1)
		defer active.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		// Each probe waits, bounded, for the other capture's probe to start beside it.
		deadline := time.After(20 * time.Second)
		for peak.Load() < 2 {
			select {
			case <-deadline:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(10 * time.Millisecond):
			}
		}
		return nil
	})
	res := h.submit(t, alert.Target{Namespace: "shop", Pod: "a", Container: "c"}, alert.Target{Namespace: "shop", Pod: "b", Container: "c"})
	if len(res.Accepted) != 2 {
		t.Fatalf("accepted %+v", res.Accepted)
	}
	for _, acc := range res.Accepted {
		if c := h.wait(t, acc.ID); c.Status != store.StatusDone {
			t.Errorf("capture %d: %s (%s)", acc.ID, c.Status, c.Error)
		}
	}
	if peak.Load() != 2 {
		t.Fatalf("the probes ran %d at a time: the first capture's room kept its budget", peak.Load())
	}
	if used := cfg.Budget.Used(); used != 0 {
		t.Fatalf("%d bytes of the budget still held after both captures", used)
	}
}

// lockedStored records Stored calls from the capture's goroutine.
type lockedStored struct {
	noObserver
	mu    sync.Mutex
	bytes map[string]int64
}

func (r *lockedStored) Stored(kind string, n int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bytes[kind] += n
}

func (r *lockedStored) get(kind string) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bytes[kind]
}

// TestPiecesStoredAreCounted: the bytes a capture's pieces put in the store reach the metrics,
// by kind, for failed captures too.
func TestPiecesStoredAreCounted(t *testing.T) {
	sleeper := startSleep(t)
	rec := &lockedStored{bytes: map[string]int64{}}
	cfg := testConfig()
	cfg.Observer = rec
	story := json.RawMessage(`{"restarts":4}`)
	cfg.Rooms = []evidence.Room{funcRoom{name: "story",
		plan: func(evidence.Target) []evidence.Kind { return []evidence.Kind{kindPodStory} },
		collect: func(context.Context, evidence.Env, evidence.Target) []evidence.Piece {
			return []evidence.Piece{{Kind: kindPodStory, Summary: story, Raw: []byte("last words\n"), RawType: "text/plain"}}
		}}}
	h := newHarness(t, cfg)
	h.srv.AddPod(kubetest.PodSpec{Namespace: "shop", Name: "p", Node: "n", Containers: []kubetest.ContainerSpec{{Name: "c", Env: containerEnv("/usr/bin:/bin", sleeper)}}})
	c := h.captureOne(t, alert.Target{Namespace: "shop", Pod: "p", Container: "c"})
	if c.Status != store.StatusFailed {
		t.Fatalf("status %s, want failed (no JVM, only the story)", c.Status)
	}
	want := int64(len(story) + len("last words\n"))
	deadline := time.Now().Add(finishGuard)
	for rec.get(string(kindPodStory)) != want {
		if time.Now().After(deadline) {
			t.Fatalf("stored bytes of the story %d, want %d", rec.get(string(kindPodStory)), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestNodeAlertTakesTheKubeletsProfiles: a node target runs no probe and no pod lookup; the
// real pprof room reads the "kubelet" (a Go program serving pprof behind nodes/proxy) when
// allowed, and says how to allow it otherwise.
func TestNodeAlertTakesTheKubeletsProfiles(t *testing.T) {
	target := pproftest.Start(t, pproftest.Options{Parked: 100, HeapBytes: 8 << 20})
	tests := []struct {
		name       string
		kubelet    bool
		wantStatus store.Status
		wantReason string
	}{
		{"allowed", true, store.StatusDone, ""},
		{"not allowed", false, store.StatusFailed, "allow_kubelet_pprof"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Rooms = []evidence.Room{pprof.NewRoom(pprof.RoomOptions{Kubelet: tt.kubelet}), storyRoom{}}
			h := newHarness(t, cfg)
			h.srv.AddNode("worker-9", fmt.Sprintf("http://%s:%d", target.Host, target.Port))
			var execs atomic.Int32
			h.srv.OnExec(func(context.Context, kubetest.ExecEvent) error { execs.Add(1); return nil })
			c := h.captureOne(t, alert.Target{Node: "worker-9"})
			if c.Status != tt.wantStatus || !strings.Contains(c.Error, tt.wantReason) {
				t.Fatalf("status %s (%q), want %s with %q", c.Status, c.Error, tt.wantStatus, tt.wantReason)
			}
			if execs.Load() != 0 || c.Node != "worker-9" || c.Pod != "" {
				t.Errorf("%d execs, node %q, pod %q", execs.Load(), c.Node, c.Pod)
			}
			if tt.kubelet {
				if p := pieceOf(c, evidence.Kind(pprof.KindCPU)); p == nil || p.Failure != nil || p.RawBytes == 0 {
					t.Errorf("kubelet CPU piece %+v", p)
				}
				if p := pieceOf(c, evidence.Kind(pprof.KindGoroutines)); p == nil || p.Failure != nil {
					t.Errorf("kubelet goroutines piece %+v", p)
				}
			}
			// The node cools down like a container: a second alert within the cooldown is skipped.
			res := h.submit(t, alert.Target{Node: "worker-9"})
			if len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0].Reason, "cooldown") {
				t.Errorf("second node alert: %+v", res)
			}
		})
	}
}
