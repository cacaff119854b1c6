package pprof

import (
	"fmt"
	"time"

	"github.com/google/pprof/profile"
)

// CPUFunc is a function's CPU time over the profile's window. Shares are of
// one core over the window (1.0 = one core busy the whole window), the way
// JVM threads are shown, so a function that keeps two cores busy reads 2.0.
type CPUFunc struct {
	Function  string        `json:"function"`
	File      string        `json:"file,omitempty"`
	Flat      time.Duration `json:"flatNanos"`
	Cum       time.Duration `json:"cumNanos"`
	FlatShare float64       `json:"flatShare"`
	CumShare  float64       `json:"cumShare"`
}

// CPUSummary is what a CPU profile says, in a size independent of the
// profile's: the busiest functions by own time (flat) and with callees (cum).
type CPUSummary struct {
	// Window is how long the profile ran (its duration).
	Window time.Duration `json:"windowNanos"`
	// Total is the CPU time sampled over the window, all goroutines.
	Total time.Duration `json:"totalNanos"`
	// TotalShare is Total over Window, in cores.
	TotalShare float64 `json:"totalShare"`
	Samples    int64   `json:"samples"`
	// Functions is how many distinct functions were seen.
	Functions int       `json:"functions"`
	TopFlat   []CPUFunc `json:"topFlat"`
	TopCum    []CPUFunc `json:"topCum"`
	// Flame is the bounded call tree (Options.FlameNodes), for Grafana's flame graph.
	Flame *FlameTree `json:"flame,omitempty"`
}

// ParseCPU summarises a CPU profile (net/http/pprof's /debug/pprof/profile).
func ParseCPU(data []byte, opts Options) (*CPUSummary, error) {
	p, err := parseProfile(data, opts)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	vi := sampleIndex(p, "cpu", "nanoseconds")
	if vi < 0 {
		return nil, fmt.Errorf("cpu profile: %w: no cpu/nanoseconds samples (sample types: %s)", ErrWrongProfile, sampleTypes(p))
	}
	si := sampleIndex(p, "samples", "count")
	foldPreemption(p)
	r := rank(p, vi)
	s := &CPUSummary{
		Window:    time.Duration(p.DurationNanos),
		Total:     time.Duration(r.total),
		Functions: len(r.funcs),
	}
	if si >= 0 {
		for _, smp := range p.Sample {
			s.Samples += smp.Value[si]
		}
	}
	share := func(d int64) float64 {
		if p.DurationNanos <= 0 {
			return 0
		}
		return float64(d) / float64(p.DurationNanos)
	}
	s.TotalShare = share(r.total)
	conv := func(fs []FuncStat) []CPUFunc {
		out := make([]CPUFunc, len(fs))
		for i, f := range fs {
			out[i] = CPUFunc{
				Function: f.Function, File: f.File,
				Flat: time.Duration(f.Flat), Cum: time.Duration(f.Cum),
				FlatShare: share(f.Flat), CumShare: share(f.Cum),
			}
		}
		return out
	}
	s.TopFlat = conv(r.top(opts.top(), false))
	s.TopCum = conv(r.top(opts.top(), true))
	if n := opts.flameNodes(); n > 0 {
		s.Flame = buildFlame(p, vi, n)
	}
	return s, nil
}

// preemptFunc is the frame the Go runtime pushes onto a goroutine it preempts asynchronously
// (a signal, every 10 ms of running without a safepoint). A CPU sample taken there is time
// of the interrupted function: on a busy machine a tight loop is preempted so often that
// the runtime's frame would otherwise outrank the loop it interrupted.
const preemptFunc = "runtime.asyncPreempt"

// foldPreemption drops runtime.asyncPreempt from the leaf of every sample that has a caller,
// so its time counts as the interrupted function's own, in the rankings and the flame tree.
func foldPreemption(p *profile.Profile) {
	for _, s := range p.Sample {
		if len(s.Location) < 2 {
			continue
		}
		if lines := s.Location[0].Line; len(lines) == 1 && lines[0].Function != nil && lines[0].Function.Name == preemptFunc {
			s.Location = s.Location[1:]
		}
	}
}
