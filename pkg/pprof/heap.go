package pprof

import "fmt"

// HeapSummary is what a heap profile says: the functions that allocated the
// memory still live (in use) and everything allocated since the program
// started, by bytes and by objects. The runtime samples allocations (one
// per runtime.MemProfileRate bytes, 512 KiB by default) and scales them, so
// small numbers are estimates; the state is as of the last GC.
type HeapSummary struct {
	InUseBytes   int64 `json:"inUseBytes"`
	InUseObjects int64 `json:"inUseObjects"`
	AllocBytes   int64 `json:"allocBytes"`
	AllocObjects int64 `json:"allocObjects"`
	// Top lists rank functions by flat (allocated right there) and carry
	// cum (allocated below them).
	TopInUseBytes   []FuncStat `json:"topInUseBytes"`
	TopInUseObjects []FuncStat `json:"topInUseObjects"`
	TopAllocBytes   []FuncStat `json:"topAllocBytes"`
	TopAllocObjects []FuncStat `json:"topAllocObjects"`
}

// ParseHeap summarises a heap profile (/debug/pprof/heap or /allocs; both
// carry the same four sample values).
func ParseHeap(data []byte, opts Options) (*HeapSummary, error) {
	p, err := parseProfile(data, opts)
	if err != nil {
		return nil, fmt.Errorf("heap profile: %w", err)
	}
	idx := map[string]int{}
	for _, t := range []struct{ typ, unit string }{
		{"inuse_space", "bytes"}, {"inuse_objects", "count"}, {"alloc_space", "bytes"}, {"alloc_objects", "count"},
	} {
		i := sampleIndex(p, t.typ, t.unit)
		if i < 0 {
			return nil, fmt.Errorf("heap profile: %w: no %s/%s samples (sample types: %s)", ErrWrongProfile, t.typ, t.unit, sampleTypes(p))
		}
		idx[t.typ] = i
	}
	s := &HeapSummary{}
	one := func(typ string) ([]FuncStat, int64) {
		r := rank(p, idx[typ])
		return r.top(opts.top(), false), r.total
	}
	s.TopInUseBytes, s.InUseBytes = one("inuse_space")
	s.TopInUseObjects, s.InUseObjects = one("inuse_objects")
	s.TopAllocBytes, s.AllocBytes = one("alloc_space")
	s.TopAllocObjects, s.AllocObjects = one("alloc_objects")
	return s, nil
}
