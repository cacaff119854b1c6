package pprof

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/google/pprof/profile"
)

// DefaultMaxUncompressed bounds a profile's size once decompressed. A
// 10 MB gzipped CPU profile expands to about 4× that; the bound stops a
// small gzip bomb from taking the plugin's memory.
const DefaultMaxUncompressed = 256 << 20

// DefaultTop is how many functions or groups a summary keeps per list.
const DefaultTop = 25

// ErrTooLarge means the profile decompresses beyond the allowed size.
var ErrTooLarge = errors.New("profile too large once decompressed")

// ErrWrongProfile means the bytes are a valid profile of another kind (for
// example a heap profile where a CPU profile was expected).
var ErrWrongProfile = errors.New("not the expected kind of profile")

// Options bound parsing and summaries. The zero value uses the defaults.
type Options struct {
	// MaxUncompressed caps the decompressed size; 0 means DefaultMaxUncompressed.
	MaxUncompressed int64
	// Top is the length of each ranked list; 0 means DefaultTop.
	Top int
	// FlameNodes bounds the CPU summary's call tree; 0 means DefaultFlameNodes, a
	// negative value leaves the tree out.
	FlameNodes int
}

func (o Options) flameNodes() int {
	switch {
	case o.FlameNodes < 0:
		return 0
	case o.FlameNodes == 0:
		return DefaultFlameNodes
	}
	return o.FlameNodes
}

func (o Options) maxUncompressed() int64 {
	if o.MaxUncompressed > 0 {
		return o.MaxUncompressed
	}
	return DefaultMaxUncompressed
}

func (o Options) top() int {
	if o.Top > 0 {
		return o.Top
	}
	return DefaultTop
}

// parseProfile decodes pprof bytes (gzipped protobuf as served by
// net/http/pprof, plain protobuf, or a legacy text format) within the size
// bound. A panic inside the decoder on hostile bytes becomes an error.
func parseProfile(data []byte, opts Options) (p *profile.Profile, err error) {
	if len(data) == 0 {
		return nil, errors.New("parse profile: empty")
	}
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("parse profile: gzip header: %w", err)
		}
		limit := opts.maxUncompressed()
		raw, err := io.ReadAll(io.LimitReader(zr, limit+1))
		if err != nil {
			return nil, fmt.Errorf("parse profile: decompress (%d bytes in): %w", len(data), err)
		}
		if int64(len(raw)) > limit {
			return nil, fmt.Errorf("parse profile: %w: more than %d bytes from %d gzipped", ErrTooLarge, limit, len(data))
		}
		data = raw
	} else if int64(len(data)) > opts.maxUncompressed() {
		return nil, fmt.Errorf("parse profile: %w: %d bytes, limit %d", ErrTooLarge, len(data), opts.maxUncompressed())
	}
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("parse profile: decoder panicked: %v", r)
		}
	}()
	p, err = profile.ParseData(data)
	if err != nil {
		return nil, fmt.Errorf("parse profile: %w", err)
	}
	return p, nil
}

// sampleIndex finds the sample type named typ (and unit, when not empty).
func sampleIndex(p *profile.Profile, typ, unit string) int {
	for i, st := range p.SampleType {
		if st.Type == typ && (unit == "" || st.Unit == unit) {
			return i
		}
	}
	return -1
}

func sampleTypes(p *profile.Profile) string {
	var b bytes.Buffer
	for i, st := range p.SampleType {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(st.Type + "/" + st.Unit)
	}
	return b.String()
}

// FuncStat is one function's weight in a profile. Flat counts samples whose
// innermost frame is the function; Cum counts samples with the function
// anywhere on the stack (once per sample, however often it recurses).
type FuncStat struct {
	Function string `json:"function"`
	File     string `json:"file,omitempty"`
	Flat     int64  `json:"flat"`
	Cum      int64  `json:"cum"`
}

// ranking is the flat and cumulative weight of every function for one
// sample value, from a single pass over the samples.
type ranking struct {
	funcs []FuncStat
	total int64
}

// locPos maps a sample's location to its position in p.Location. The
// runtime numbers locations 1..N in order, so the position is ID-1; other
// writers fall back to a map built once.
type locPos struct {
	locs   []*profile.Location
	sparse map[*profile.Location]int
}

func newLocPos(p *profile.Profile) *locPos {
	lp := &locPos{locs: p.Location}
	for i, loc := range p.Location {
		if loc.ID != uint64(i+1) {
			lp.sparse = make(map[*profile.Location]int, len(p.Location))
			for j, l := range p.Location {
				lp.sparse[l] = j
			}
			break
		}
	}
	return lp
}

func (lp *locPos) of(loc *profile.Location) int {
	if lp.sparse == nil {
		return int(loc.ID - 1)
	}
	return lp.sparse[loc]
}

// rank aggregates sample value vi by function name. Inlined frames count as
// their own functions, as go tool pprof shows them. Memory is one entry per
// distinct function plus one small slice per location; time one step per
// frame.
func rank(p *profile.Profile, vi int) ranking {
	index := make(map[string]int, len(p.Function))
	var funcs []FuncStat
	intern := func(name, file string) int32 {
		i, ok := index[name]
		if !ok {
			i = len(funcs)
			index[name] = i
			funcs = append(funcs, FuncStat{Function: name, File: file})
		}
		return int32(i)
	}
	// locFuncs holds, per location, the indexes of its functions
	// (innermost first); unsymbolized locations count by address.
	locFuncs := make([][]int32, len(p.Location))
	for li, loc := range p.Location {
		ids := make([]int32, 0, max(len(loc.Line), 1))
		for _, ln := range loc.Line {
			name, file := "?", ""
			if ln.Function != nil {
				name, file = ln.Function.Name, ln.Function.Filename
			}
			ids = append(ids, intern(name, file))
		}
		if len(ids) == 0 {
			ids = append(ids, intern(fmt.Sprintf("0x%x", loc.Address), ""))
		}
		locFuncs[li] = ids
	}
	pos := newLocPos(p)
	// Dense arrays rather than the FuncStat structs keep the hot loop in
	// cache. seen[i] == sample number + 1 when function i was already
	// counted in that sample's cumulative value.
	flat := make([]int64, len(funcs))
	cum := make([]int64, len(funcs))
	seen := make([]int32, len(funcs))
	var total int64
	for si, s := range p.Sample {
		if vi >= len(s.Value) {
			continue
		}
		v := s.Value[vi]
		if v == 0 {
			continue
		}
		total += v
		mark := int32(si + 1)
		for li, loc := range s.Location {
			ids := locFuncs[pos.of(loc)]
			if li == 0 {
				flat[ids[0]] += v
			}
			for _, id := range ids {
				if seen[id] != mark {
					seen[id] = mark
					cum[id] += v
				}
			}
		}
	}
	for i := range funcs {
		funcs[i].Flat, funcs[i].Cum = flat[i], cum[i]
	}
	return ranking{funcs: funcs, total: total}
}

// top returns the n heaviest functions by flat (byCum false) or cumulative
// weight, ties broken by name so the order is stable.
func (r ranking) top(n int, byCum bool) []FuncStat {
	key := func(f FuncStat) int64 {
		if byCum {
			return f.Cum
		}
		return f.Flat
	}
	out := make([]FuncStat, 0, len(r.funcs))
	for _, f := range r.funcs {
		if key(f) > 0 {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if key(out[i]) != key(out[j]) {
			return key(out[i]) > key(out[j])
		}
		return out[i].Function < out[j].Function
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}
