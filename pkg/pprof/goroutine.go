package pprof

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strings"

	"github.com/google/pprof/profile"
)

// Why the protobuf goroutine profile (debug=0) and not the text dump
// (debug=2), which names each goroutine's state ("chan receive", "select",
// "IO wait") and how long it has waited:
//   - debug=2 stops the world for the whole dump (runtime.Stack with all
//     goroutines); with 100,000 goroutines that pause hits the very program
//     being diagnosed. debug=0 collects concurrently, with a short stop.
//   - debug=2 grows with the number of goroutines (about 0.5-1 KB each, so
//     100,000 goroutines are 50-100 MB, past the output cap); debug=0 is
//     already grouped by stack, so 100,000 goroutines parked in one place
//     are one record.
//   - debug=0 is what `go tool pprof` opens, so the raw download stays useful.
// The state is read from the stack instead: a goroutine parked in
// runtime.chanrecv is in "chan receive", in internal/poll.runtime_pollWait in
// "IO wait", and so on (see waitStates). What is lost is the wait duration.

// MaxStackFrames bounds the frames kept per group; deeper stacks are cut
// from the outer end and marked.
const MaxStackFrames = 64

// Frame is one line of a stack, innermost first.
type Frame struct {
	Function string `json:"function"`
	File     string `json:"file,omitempty"`
	Line     int64  `json:"line,omitempty"`
}

// GoroutineGroup is every goroutine with an identical stack (same functions
// at the same lines).
type GoroutineGroup struct {
	Count int64 `json:"count"`
	// State is what the goroutines wait on, read from the stack: "running"
	// (on CPU or runnable), "chan receive", "chan send", "select",
	// "IO wait", "sync.Mutex.Lock", "sleep", "syscall", … or "waiting"
	// when parked somewhere not recognised.
	State string `json:"state"`
	// Top is the innermost frame outside the runtime and standard
	// synchronisation packages: where the program's own code stands.
	Top   string  `json:"top"`
	Stack []Frame `json:"stack"`
	// StackCut says frames beyond MaxStackFrames were dropped.
	StackCut bool `json:"stackCut,omitempty"`
	// Labels are the pprof labels seen on these goroutines ("key=value"),
	// sorted, at most 10.
	Labels []string `json:"labels,omitempty"`
}

// StateCount is how many goroutines are in one state.
type StateCount struct {
	State string `json:"state"`
	Count int64  `json:"count"`
}

// GoroutineSummary groups a goroutine profile.
type GoroutineSummary struct {
	Total int64 `json:"total"`
	// Groups holds the largest groups, biggest first.
	Groups []GoroutineGroup `json:"groups"`
	// GroupCount is the number of distinct stacks; OtherGoroutines are the
	// goroutines in groups beyond the ones kept.
	GroupCount      int          `json:"groupCount"`
	OtherGoroutines int64        `json:"otherGoroutines"`
	ByState         []StateCount `json:"byState"`
}

// ParseGoroutines groups a goroutine profile (/debug/pprof/goroutine,
// debug=0) by identical stack. opts.Top bounds the groups kept.
func ParseGoroutines(data []byte, opts Options) (*GoroutineSummary, error) {
	p, err := parseProfile(data, opts)
	if err != nil {
		return nil, fmt.Errorf("goroutine profile: %w", err)
	}
	vi := sampleIndex(p, "goroutine", "count")
	if vi < 0 {
		return nil, fmt.Errorf("goroutine profile: %w: no goroutine/count samples (sample types: %s)", ErrWrongProfile, sampleTypes(p))
	}
	// Per location, once: its frames and a number for each distinct
	// (function, file, line), so a stack's key is a short byte string of
	// those numbers and no frame is built per goroutine.
	lineID := map[Frame]uint32{}
	locFrames := make([][]Frame, len(p.Location))
	locIDs := make([][]uint32, len(p.Location))
	for li, loc := range p.Location {
		frames := locationFrames(loc)
		ids := make([]uint32, len(frames))
		for i, f := range frames {
			id, ok := lineID[f]
			if !ok {
				id = uint32(len(lineID))
				lineID[f] = id
			}
			ids[i] = id
		}
		locFrames[li], locIDs[li] = frames, ids
	}
	pos := newLocPos(p)
	stackOf := func(s *profile.Sample) stackFrames { return stackFrames{s: s, pos: pos, frames: locFrames} }

	type group struct {
		count  int64
		sample *profile.Sample
		labels map[string]bool
	}
	groups := map[string]*group{}
	var key []byte
	var total int64
	for _, s := range p.Sample {
		v := s.Value[vi]
		if v <= 0 {
			continue
		}
		total += v
		key = key[:0]
		for _, loc := range s.Location {
			for _, id := range locIDs[pos.of(loc)] {
				key = binary.LittleEndian.AppendUint32(key, id)
			}
		}
		g := groups[string(key)]
		if g == nil {
			g = &group{sample: s}
			groups[string(key)] = g
		}
		g.count += v
		for k, vs := range s.Label {
			for _, lv := range vs {
				if g.labels == nil {
					g.labels = map[string]bool{}
				}
				if len(g.labels) < 10 {
					g.labels[k+"="+lv] = true
				}
			}
		}
	}
	sorted := make([]*group, 0, len(groups))
	for _, g := range groups {
		sorted = append(sorted, g)
	}
	sum := &GoroutineSummary{Total: total, GroupCount: len(groups)}
	states := map[string]int64{}
	// Every group's state is counted; only the top ones keep their stacks.
	full := make([]GoroutineGroup, len(sorted))
	for i, g := range sorted {
		st := stackOf(g.sample)
		full[i] = GoroutineGroup{Count: g.count, State: waitState(st), Top: ownTop(st)}
		states[full[i].State] += g.count
	}
	order := make([]int, len(full))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool {
		ga, gb := full[order[a]], full[order[b]]
		if ga.Count != gb.Count {
			return ga.Count > gb.Count
		}
		return ga.Top < gb.Top
	})
	n := opts.top()
	for rank, i := range order {
		if rank >= n {
			sum.OtherGoroutines += full[i].Count
			continue
		}
		gg := full[i]
		gg.Stack, gg.StackCut = stackOf(sorted[i].sample).collect(MaxStackFrames)
		for l := range sorted[i].labels {
			gg.Labels = append(gg.Labels, l)
		}
		sort.Strings(gg.Labels)
		sum.Groups = append(sum.Groups, gg)
	}
	for st, c := range states {
		sum.ByState = append(sum.ByState, StateCount{State: st, Count: c})
	}
	sort.Slice(sum.ByState, func(a, b int) bool {
		if sum.ByState[a].Count != sum.ByState[b].Count {
			return sum.ByState[a].Count > sum.ByState[b].Count
		}
		return sum.ByState[a].State < sum.ByState[b].State
	})
	return sum, nil
}

func locationFrames(loc *profile.Location) []Frame {
	if len(loc.Line) == 0 {
		return []Frame{{Function: fmt.Sprintf("0x%x", loc.Address)}}
	}
	out := make([]Frame, len(loc.Line))
	for i, ln := range loc.Line {
		f := Frame{Function: "?", Line: ln.Line}
		if ln.Function != nil {
			f.Function, f.File = ln.Function.Name, ln.Function.Filename
		}
		out[i] = f
	}
	return out
}

// stackFrames walks a sample's frames, innermost first, from the
// per-location cache.
type stackFrames struct {
	s      *profile.Sample
	pos    *locPos
	frames [][]Frame
}

// each calls f for each frame until f returns false.
func (sf stackFrames) each(f func(Frame) bool) {
	for _, loc := range sf.s.Location {
		for _, fr := range sf.frames[sf.pos.of(loc)] {
			if !f(fr) {
				return
			}
		}
	}
}

// collect copies at most n frames and says whether any were left out.
func (sf stackFrames) collect(n int) ([]Frame, bool) {
	var out []Frame
	cut := false
	sf.each(func(fr Frame) bool {
		if len(out) == n {
			cut = true
			return false
		}
		out = append(out, fr)
		return true
	})
	return out, cut
}

// waitStates maps the function a parked goroutine waits in to the state
// name the runtime uses in its text dumps (debug=2). The outermost match
// among the leading runtime/library frames wins, so a goroutine in
// sync.(*Mutex).Lock reads as that rather than the semaphore beneath it.
var waitStates = map[string]string{
	"runtime.chanrecv":                                 "chan receive",
	"runtime.chanrecv1":                                "chan receive",
	"runtime.chanrecv2":                                "chan receive",
	"runtime.chansend":                                 "chan send",
	"runtime.chansend1":                                "chan send",
	"runtime.selectgo":                                 "select",
	"runtime.block":                                    "select (no cases)",
	"runtime.semacquire1":                              "semacquire",
	"sync.runtime_Semacquire":                          "semacquire",
	"sync.(*Mutex).Lock":                               "sync.Mutex.Lock",
	"internal/sync.(*Mutex).Lock":                      "sync.Mutex.Lock",
	"sync.(*RWMutex).Lock":                             "sync.RWMutex.Lock",
	"sync.(*RWMutex).RLock":                            "sync.RWMutex.RLock",
	"sync.(*WaitGroup).Wait":                           "sync.WaitGroup.Wait",
	"sync.(*Cond).Wait":                                "sync.Cond.Wait",
	"internal/poll.runtime_pollWait":                   "IO wait",
	"time.Sleep":                                       "sleep",
	"syscall.Syscall":                                  "syscall",
	"syscall.Syscall6":                                 "syscall",
	"syscall.RawSyscall":                               "syscall",
	"syscall.syscall":                                  "syscall",
	"internal/runtime/syscall.Syscall6":                "syscall",
	"runtime.gopark":                                   "waiting",
	"runtime.goparkunlock":                             "waiting",
	"runtime/pprof.writeGoroutine":                     "running",
	"runtime/pprof.runtime_goroutineProfileWithLabels": "running",
}

// libraryFrame says a frame belongs to the runtime or the standard
// synchronisation, time and syscall packages: the layer a wait happens in.
func libraryFrame(fn string) bool {
	for _, p := range []string{"runtime.", "runtime/", "internal/", "sync.", "time.", "syscall."} {
		if strings.HasPrefix(fn, p) {
			return true
		}
	}
	return false
}

// waitState reads a goroutine's state from its stack (innermost first).
func waitState(frames stackFrames) string {
	state := ""
	frames.each(func(f Frame) bool {
		if !libraryFrame(f.Function) {
			return false
		}
		if st, ok := waitStates[f.Function]; ok && (state == "" || st != "waiting") {
			state = st
		}
		return true
	})
	if state == "" {
		return "running"
	}
	return state
}

// ownTop is the innermost frame outside the runtime and standard
// synchronisation packages, or the innermost frame when there is none.
func ownTop(frames stackFrames) string {
	top, first := "", ""
	frames.each(func(f Frame) bool {
		if first == "" {
			first = f.Function
		}
		if !libraryFrame(f.Function) {
			top = f.Function
			return false
		}
		return true
	})
	if top == "" {
		return first
	}
	return top
}
