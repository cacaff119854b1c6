package pprof_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	sc "github.com/seed/stackcapture/pkg/pprof"
)

// stack is a sample: frames innermost first ("fn" or "fn|inlinedCaller"
// for one location holding an inlined call), its values and labels.
type stack struct {
	frames []string
	values []int64
	labels map[string][]string
}

// build makes a profile with the given sample types from stacks, sharing
// functions and locations by name as the runtime does.
func build(types []*profile.ValueType, duration time.Duration, stacks []stack) *profile.Profile {
	p := &profile.Profile{SampleType: types, DurationNanos: int64(duration), Period: 10_000_000, PeriodType: &profile.ValueType{Type: "cpu", Unit: "nanoseconds"}}
	funcs := map[string]*profile.Function{}
	locs := map[string]*profile.Location{}
	fn := func(name string) *profile.Function {
		if f, ok := funcs[name]; ok {
			return f
		}
		f := &profile.Function{ID: uint64(len(funcs) + 1), Name: name, SystemName: name, Filename: "/src/" + strings.SplitN(name, ".", 2)[0] + ".go"}
		funcs[name] = f
		p.Function = append(p.Function, f)
		return f
	}
	for _, s := range stacks {
		smp := &profile.Sample{Value: s.values, Label: s.labels}
		for _, fr := range s.frames {
			loc, ok := locs[fr]
			if !ok {
				loc = &profile.Location{ID: uint64(len(locs) + 1), Address: uint64(0x1000 * (len(locs) + 1))}
				for i, name := range strings.Split(fr, "|") {
					loc.Line = append(loc.Line, profile.Line{Function: fn(name), Line: int64(10 + i)})
				}
				locs[fr] = loc
				p.Location = append(p.Location, loc)
			}
			smp.Location = append(smp.Location, loc)
		}
		p.Sample = append(p.Sample, smp)
	}
	return p
}

func encode(t testing.TB, p *profile.Profile) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := p.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var cpuTypes = []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}}

func TestParseCPU(t *testing.T) {
	ms := int64(time.Millisecond)
	p := build(cpuTypes, 2*time.Second, []stack{
		{frames: []string{"main.hot", "main.loop", "main.main"}, values: []int64{100, 1000 * ms}},
		// recursion: main.walk counts once in cum per sample
		{frames: []string{"main.walk", "main.walk", "main.walk", "main.main"}, values: []int64{30, 300 * ms}},
		// inlined: main.inner inlined into main.outer, one location
		{frames: []string{"main.inner|main.outer", "main.main"}, values: []int64{20, 200 * ms}},
		{frames: []string{"main.loop", "main.main"}, values: []int64{10, 100 * ms}},
	})
	s, err := sc.ParseCPU(encode(t, p), sc.Options{Top: 3})
	if err != nil {
		t.Fatal(err)
	}
	if s.Window != 2*time.Second || s.Samples != 160 || s.Total != 1600*time.Millisecond || s.TotalShare != 0.8 {
		t.Errorf("totals = window %s samples %d total %s share %.2f", s.Window, s.Samples, s.Total, s.TotalShare)
	}
	flat := []string{"main.hot", "main.walk", "main.inner"}
	for i, want := range flat {
		if s.TopFlat[i].Function != want {
			t.Errorf("flat[%d] = %s, want %s (%+v)", i, s.TopFlat[i].Function, want, s.TopFlat)
		}
	}
	if len(s.TopFlat) != 3 || s.TopFlat[0].FlatShare != 0.5 {
		t.Errorf("flat = %+v", s.TopFlat)
	}
	if s.TopCum[0].Function != "main.main" || s.TopCum[0].Cum != 1600*time.Millisecond || s.TopCum[0].CumShare != 0.8 {
		t.Errorf("cum[0] = %+v", s.TopCum[0])
	}
	if s.TopCum[1].Function != "main.loop" || s.TopCum[1].Cum != 1100*time.Millisecond || s.TopCum[1].Flat != 100*time.Millisecond {
		t.Errorf("cum[1] = %+v", s.TopCum[1])
	}
	all, err := sc.ParseCPU(encode(t, p), sc.Options{Top: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range all.TopCum {
		switch f.Function {
		case "main.walk":
			if f.Cum != 300*time.Millisecond {
				t.Errorf("recursive cum = %s, want 300ms (once per sample)", f.Cum)
			}
		case "main.outer":
			if f.Cum != 200*time.Millisecond || f.Flat != 0 {
				t.Errorf("inlined caller = %+v, want cum 200ms flat 0", f)
			}
		}
	}
	if all.Functions != 6 {
		t.Errorf("functions = %d, want 6", all.Functions)
	}
}

// A busy machine preempts a tight loop so often that runtime.asyncPreempt, the frame the
// runtime pushes onto the interrupted goroutine, would outrank the loop itself: its samples
// are the loop's time, in the rankings and in the flame tree.
func TestParseCPUFoldsAsyncPreemption(t *testing.T) {
	ms := int64(time.Millisecond)
	p := build(cpuTypes, 2*time.Second, []stack{
		{frames: []string{"runtime.asyncPreempt", "main.burn", "main.main"}, values: []int64{60, 600 * ms}},
		{frames: []string{"main.burn", "main.main"}, values: []int64{40, 400 * ms}},
		{frames: []string{"main.other", "main.main"}, values: []int64{50, 500 * ms}},
		// preempted with nothing above it: nothing to give the time to
		{frames: []string{"runtime.asyncPreempt"}, values: []int64{1, 10 * ms}},
	})
	s, err := sc.ParseCPU(encode(t, p), sc.Options{Top: 10})
	if err != nil {
		t.Fatal(err)
	}
	if s.TopFlat[0].Function != "main.burn" || s.TopFlat[0].Flat != 1000*time.Millisecond {
		t.Errorf("top flat = %+v, want main.burn with 1s (its own 400ms and the 600ms preempted in it)", s.TopFlat[0])
	}
	if s.Total != 1510*time.Millisecond {
		t.Errorf("total = %s, want every sample's time kept (1.51s)", s.Total)
	}
	for _, f := range s.TopFlat {
		if f.Function == "runtime.asyncPreempt" && f.Flat != 10*time.Millisecond {
			t.Errorf("asyncPreempt keeps %s, want only the sample with no caller (10ms)", f.Flat)
		}
	}
	if s.Flame == nil {
		t.Fatal("no flame tree")
	}
	for i, label := range s.Flame.Labels {
		if label == "main.burn" && s.Flame.Selfs[i] != 1000*ms {
			t.Errorf("flame: main.burn self = %d, want %d", s.Flame.Selfs[i], 1000*ms)
		}
	}
}

func TestParseErrors(t *testing.T) {
	heap := build([]*profile.ValueType{{Type: "inuse_space", Unit: "bytes"}}, 0, []stack{{frames: []string{"main.a"}, values: []int64{1}}})
	// A gzip bomb: 8 MiB of zeros compresses to a few KiB.
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	_, _ = zw.Write(make([]byte, 8<<20))
	_ = zw.Close()
	tests := []struct {
		name string
		data []byte
		opts sc.Options
		err  error
		says string
	}{
		{name: "empty", data: nil, says: "empty"},
		{name: "html", data: []byte("<html>hello</html>"), says: "unrecognized"},
		{name: "garbage gzip", data: []byte{0x1f, 0x8b, 8, 0, 0, 0}, says: "gzip"},
		{name: "gzip bomb", data: bomb.Bytes(), opts: sc.Options{MaxUncompressed: 1 << 20}, err: sc.ErrTooLarge},
		{name: "plain too large", data: make([]byte, 2<<20), opts: sc.Options{MaxUncompressed: 1 << 20}, err: sc.ErrTooLarge},
		{name: "heap where cpu expected", data: encode(t, heap), err: sc.ErrWrongProfile, says: "inuse_space/bytes"},
		{name: "truncated profile", data: encode(t, heap)[:20], says: "profile"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sc.ParseCPU(tc.data, tc.opts)
			if err == nil || (tc.err != nil && !errors.Is(err, tc.err)) || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("err = %v, want %v saying %q", err, tc.err, tc.says)
			}
		})
	}
}

func TestParseHeap(t *testing.T) {
	types := []*profile.ValueType{{Type: "alloc_objects", Unit: "count"}, {Type: "alloc_space", Unit: "bytes"}, {Type: "inuse_objects", Unit: "count"}, {Type: "inuse_space", Unit: "bytes"}}
	p := build(types, 0, []stack{
		{frames: []string{"main.cache", "main.main"}, values: []int64{10, 10 << 20, 10, 10 << 20}},
		{frames: []string{"main.churn", "main.main"}, values: []int64{1_000_000, 100 << 20, 5, 1 << 10}},
	})
	s, err := sc.ParseHeap(encode(t, p), sc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.TopInUseBytes[0].Function != "main.cache" || s.TopAllocBytes[0].Function != "main.churn" || s.TopAllocObjects[0].Function != "main.churn" || s.TopInUseObjects[0].Function != "main.cache" {
		t.Errorf("tops: inuse %s alloc %s", s.TopInUseBytes[0].Function, s.TopAllocBytes[0].Function)
	}
	if s.InUseBytes != 10<<20+1<<10 || s.AllocObjects != 1_000_010 {
		t.Errorf("totals = %+v", s)
	}
	if _, err := sc.ParseGoroutines(encode(t, p), sc.Options{}); !errors.Is(err, sc.ErrWrongProfile) {
		t.Errorf("heap as goroutines: %v", err)
	}
}

var goroutineTypes = []*profile.ValueType{{Type: "goroutine", Unit: "count"}}

func TestGoroutineStates(t *testing.T) {
	park := []string{"runtime.gopark"}
	with := func(frames ...string) []string { return append(append([]string(nil), park...), frames...) }
	tests := []struct {
		frames []string
		state  string
		top    string
	}{
		{with("runtime.chanrecv", "runtime.chanrecv1", "main.wait"), "chan receive", "main.wait"},
		{with("runtime.chansend", "runtime.chansend1", "main.send"), "chan send", "main.send"},
		{with("runtime.selectgo", "main.loop"), "select", "main.loop"},
		{with("runtime.goparkunlock", "runtime.semacquire1", "internal/sync.runtime_SemacquireMutex", "internal/sync.(*Mutex).lockSlow", "internal/sync.(*Mutex).Lock", "sync.(*Mutex).Lock", "main.locked"), "sync.Mutex.Lock", "main.locked"},
		{with("runtime.semacquire1", "sync.runtime_Semacquire", "sync.(*WaitGroup).Wait", "main.join"), "sync.WaitGroup.Wait", "main.join"},
		{with("runtime.netpollblock", "internal/poll.runtime_pollWait", "internal/poll.(*pollDesc).wait", "internal/poll.(*FD).Read", "net.(*netFD).Read"), "IO wait", "net.(*netFD).Read"},
		{with("time.Sleep", "main.nap"), "sleep", "main.nap"},
		{with("main.parkedByHand"), "waiting", "main.parkedByHand"},
		{[]string{"syscall.Syscall6", "os.(*File).Read"}, "syscall", "os.(*File).Read"},
		{[]string{"main.spin", "main.main"}, "running", "main.spin"},
	}
	stacks := make([]stack, len(tests))
	for i, tc := range tests {
		stacks[i] = stack{frames: tc.frames, values: []int64{int64(i + 1)}}
	}
	s, err := sc.ParseGoroutines(encode(t, build(goroutineTypes, 0, stacks)), sc.Options{Top: 100})
	if err != nil {
		t.Fatal(err)
	}
	byTop := map[string]sc.GoroutineGroup{}
	for _, g := range s.Groups {
		byTop[g.Top] = g
	}
	for i, tc := range tests {
		g, ok := byTop[tc.top]
		if !ok || g.State != tc.state || g.Count != int64(i+1) {
			t.Errorf("%v: group %+v (found %v), want state %q ×%d", tc.frames, g, ok, tc.state, i+1)
		}
	}
}

func TestGoroutineGrouping(t *testing.T) {
	parked := []string{"runtime.gopark", "runtime.chanrecv", "runtime.chanrecv1", "main.worker"}
	// The same stack split by pprof labels is one group; the same functions
	// at another line are another.
	p := build(goroutineTypes, 0, []stack{
		{frames: parked, values: []int64{600}, labels: map[string][]string{"tenant": {"a"}}},
		{frames: parked, values: []int64{400}, labels: map[string][]string{"tenant": {"b"}}},
		{frames: []string{"main.spin"}, values: []int64{1}},
	})
	other := build(goroutineTypes, 0, []stack{{frames: parked, values: []int64{7}}})
	other.Location[len(other.Location)-1].Line[0].Line = 99
	s, err := sc.ParseGoroutines(encode(t, p), sc.Options{Top: 1})
	if err != nil {
		t.Fatal(err)
	}
	if s.Total != 1001 || s.GroupCount != 2 || len(s.Groups) != 1 || s.OtherGoroutines != 1 {
		t.Fatalf("summary = %+v", s)
	}
	g := s.Groups[0]
	if g.Count != 1000 || g.Top != "main.worker" || g.State != "chan receive" || len(g.Stack) != 4 || strings.Join(g.Labels, ",") != "tenant=a,tenant=b" {
		t.Errorf("group = %+v", g)
	}
	if len(s.ByState) != 2 || s.ByState[0] != (sc.StateCount{State: "chan receive", Count: 1000}) || s.ByState[1] != (sc.StateCount{State: "running", Count: 1}) {
		t.Errorf("by state = %+v (states count every group, kept or not)", s.ByState)
	}
	merged := build(goroutineTypes, 0, []stack{{frames: parked, values: []int64{3}}})
	merged.Sample = append(merged.Sample, other.Sample...)
	merged.Location = append(merged.Location, other.Location...)
	merged.Function = append(merged.Function, other.Function...)
	for i, l := range merged.Location {
		l.ID = uint64(i + 1)
	}
	for i, f := range merged.Function {
		f.ID = uint64(i + 1)
	}
	s, err = sc.ParseGoroutines(encode(t, merged), sc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.GroupCount != 2 {
		t.Errorf("same functions at another line: %d groups, want 2", s.GroupCount)
	}
}

// TestGoroutinesOfThisProcess groups this test process's own goroutine
// profile: 1,000 goroutines parked on one channel are one group.
func TestGoroutinesOfThisProcess(t *testing.T) {
	gate := make(chan struct{})
	var wg sync.WaitGroup
	for range 1000 {
		wg.Add(1)
		go func() { defer wg.Done(); parkHere(gate) }()
	}
	t.Cleanup(func() { close(gate); wg.Wait() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for ctx.Err() == nil { // wait until all are parked
		var b bytes.Buffer
		if err := pprof.Lookup("goroutine").WriteTo(&b, 0); err != nil {
			t.Fatal(err)
		}
		s, err := sc.ParseGoroutines(b.Bytes(), sc.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range s.Groups {
			if strings.HasSuffix(g.Top, ".parkHere") && g.Count == 1000 {
				if g.State != "chan receive" {
					t.Errorf("state = %q", g.State)
				}
				return
			}
		}
		runtime.Gosched()
	}
	t.Fatal("the 1,000 parked goroutines never showed as one group")
}

//go:noinline
func parkHere(gate chan struct{}) { <-gate }

func TestGoroutineDeepStackCut(t *testing.T) {
	frames := []string{"runtime.gopark", "runtime.chanrecv", "runtime.chanrecv1"}
	for i := range sc.MaxStackFrames + 10 {
		frames = append(frames, fmt.Sprintf("main.level%d", i))
	}
	s, err := sc.ParseGoroutines(encode(t, build(goroutineTypes, 0, []stack{{frames: frames, values: []int64{5}}})), sc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	g := s.Groups[0]
	if len(g.Stack) != sc.MaxStackFrames || !g.StackCut || g.Stack[0].Function != "runtime.gopark" || g.Top != "main.level0" || g.State != "chan receive" || g.Count != 5 {
		t.Errorf("group: %d frames, cut %v, top %s, state %s", len(g.Stack), g.StackCut, g.Top, g.State)
	}
}
