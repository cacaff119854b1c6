package pprof

import (
	"fmt"
	"time"
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
