package pprof

import (
	"container/heap"
	"fmt"
	"slices"
	"strings"

	"github.com/google/pprof/profile"
)

// DefaultFlameNodes bounds the call tree a CPU summary carries: enough for the hot paths
// of a large program, small enough to store with every capture (about 100 KB of JSON).
const DefaultFlameNodes = 2000

// FlameTree is a call tree in the nested-set form of Grafana's flame graph data frame
// (fields level, value, self, label): one entry per node in depth-first order, root first
// at level 0, a node's children following it at level+1. Value is the node's total
// (itself and below), Self its own time. The root is "total" and its value the profile's
// total. Siblings are ordered by label.
//
// A frame is a function without its line (inlined functions are frames of their own, as
// go tool pprof shows them), so the tree is stable across builds. When the profile has
// more distinct call paths than the bound, the lightest subtrees are folded into their
// parent's self: no time is dropped, every node's value is still its self plus its
// children's values.
type FlameTree struct {
	Levels []int    `json:"levels"`
	Values []int64  `json:"values"`
	Selfs  []int64  `json:"selfs"`
	Labels []string `json:"labels"`
	Unit   string   `json:"unit"`
	// Folded counts the subtrees folded into their parent's self to respect the bound.
	Folded int `json:"folded,omitempty"`
}

// flameRoot is the root's label, as Grafana and pyroscope name it.
const flameRoot = "total"

// flameCandidate is a node not yet kept: a range of the sample permutation that shares
// the node's call path down to depth.
type flameCandidate struct {
	lo, hi int
	depth  int
	parent int // index into kept nodes; -1 for the root
	fn     int32
	value  int64
}

type candidateHeap []flameCandidate

func (h candidateHeap) Len() int { return len(h) }
func (h candidateHeap) Less(i, j int) bool {
	if h[i].value != h[j].value {
		return h[i].value > h[j].value
	}
	if h[i].depth != h[j].depth {
		return h[i].depth < h[j].depth
	}
	return h[i].fn < h[j].fn
}
func (h candidateHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *candidateHeap) Push(x any)   { *h = append(*h, x.(flameCandidate)) }
func (h *candidateHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

type flameNode struct {
	parent   int
	fn       int32
	value    int64
	self     int64
	children []int
}

// buildFlame builds the bounded call tree of sample value vi. Because a child never
// weighs more than its parent, the heaviest maxNodes call paths form a tree rooted at
// the total: it is grown heaviest first, and what is left when the bound is reached is
// added to the self of the node it hangs from. Work is one pass per depth over the
// samples (each kept node groups its own samples by their next frame), memory one
// function number per frame of each sample.
func buildFlame(p *profile.Profile, vi, maxNodes int) *FlameTree {
	if maxNodes < 1 {
		maxNodes = DefaultFlameNodes
	}
	// Function names, numbered; per location its frames outermost first.
	names := []string{}
	index := map[string]int32{}
	intern := func(name string) int32 {
		id, ok := index[name]
		if !ok {
			id = int32(len(names))
			index[name] = id
			names = append(names, name)
		}
		return id
	}
	locFrames := make([][]int32, len(p.Location))
	lines := 0
	for _, loc := range p.Location {
		lines += max(len(loc.Line), 1)
	}
	locBacking := make([]int32, 0, lines)
	for li, loc := range p.Location {
		from := len(locBacking)
		for i := len(loc.Line) - 1; i >= 0; i-- { // Line[0] is the innermost (inlined) frame
			name := "?"
			if f := loc.Line[i].Function; f != nil {
				name = f.Name
			}
			locBacking = append(locBacking, intern(name))
		}
		if len(loc.Line) == 0 {
			locBacking = append(locBacking, intern(fmt.Sprintf("0x%x", loc.Address)))
		}
		locFrames[li] = locBacking[from:len(locBacking):len(locBacking)]
	}
	pos := newLocPos(p)
	// Each sample's stack, root first, as function numbers (slices of one backing array);
	// and its weight.
	counted := func(s *profile.Sample) bool { return vi < len(s.Value) && s.Value[vi] != 0 }
	frames := 0
	for _, s := range p.Sample {
		if counted(s) {
			for _, loc := range s.Location {
				frames += len(locFrames[pos.of(loc)])
			}
		}
	}
	backing := make([]int32, 0, frames)
	stacks := make([][]int32, 0, len(p.Sample))
	weights := make([]int64, 0, len(p.Sample))
	var total int64
	for _, s := range p.Sample {
		if !counted(s) {
			continue
		}
		from := len(backing)
		for i := len(s.Location) - 1; i >= 0; i-- {
			backing = append(backing, locFrames[pos.of(s.Location[i])]...)
		}
		stacks = append(stacks, backing[from:len(backing):len(backing)])
		weights = append(weights, s.Value[vi])
		total += s.Value[vi]
	}
	perm := make([]int, len(stacks))
	for i := range perm {
		perm[i] = i
	}
	// frameAt is a sample's frame at depth, or -1 when its stack ends above.
	frameAt := func(sample, depth int) int32 {
		if depth < len(stacks[sample]) {
			return stacks[sample][depth]
		}
		return -1
	}

	// Per frame number + 1 (0: the stack ended): samples and weight in the range being
	// grouped, and where its group starts; reset after each node.
	counts := make([]int, len(names)+1)
	sums := make([]int64, len(names)+1)
	starts := make([]int, len(names)+1)
	scratch := make([]int, len(perm))
	var touched []int32

	var nodes []flameNode
	h := &candidateHeap{{lo: 0, hi: len(perm), depth: 0, parent: -1, fn: -1, value: total}}
	for h.Len() > 0 && len(nodes) < maxNodes {
		c := heap.Pop(h).(flameCandidate)
		id := len(nodes)
		nodes = append(nodes, flameNode{parent: c.parent, fn: c.fn, value: c.value})
		if c.parent >= 0 {
			nodes[c.parent].children = append(nodes[c.parent].children, id)
		}
		// The candidate's samples share its call path, frames 0..depth-1 (none for the
		// root): group them by their frame at depth.
		next := c.depth
		// A counting sort by frame (bucket 0: stacks that end here), linear in the range.
		rng := perm[c.lo:c.hi]
		touched = touched[:0]
		for _, smp := range rng {
			k := frameAt(smp, next) + 1
			if counts[k] == 0 {
				touched = append(touched, k)
			}
			counts[k]++
			sums[k] += weights[smp]
		}
		slices.Sort(touched)
		off := 0
		for _, k := range touched {
			starts[k] = off
			off += counts[k]
		}
		for _, smp := range rng {
			k := frameAt(smp, next) + 1
			scratch[starts[k]] = smp
			starts[k]++
		}
		copy(rng, scratch[:len(rng)])
		off = 0
		for _, k := range touched {
			n, v := counts[k], sums[k]
			counts[k], sums[k] = 0, 0
			if k == 0 {
				nodes[id].self += v
			} else {
				heap.Push(h, flameCandidate{lo: c.lo + off, hi: c.lo + off + n, depth: next + 1, parent: id, fn: k - 1, value: v})
			}
			off += n
		}
	}
	folded := h.Len()
	for _, c := range *h {
		nodes[c.parent].self += c.value
	}

	t := &FlameTree{Unit: "nanoseconds", Folded: folded}
	if len(nodes) == 0 {
		return t
	}
	label := func(n flameNode) string {
		if n.fn < 0 {
			return flameRoot
		}
		return names[n.fn]
	}
	// Depth-first, siblings by label; an explicit stack, since call paths may be deep.
	type visit struct{ node, level int }
	stack := []visit{{0, 0}}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := nodes[v.node]
		t.Levels = append(t.Levels, v.level)
		t.Values = append(t.Values, n.value)
		t.Selfs = append(t.Selfs, n.self)
		t.Labels = append(t.Labels, label(n))
		kids := slices.Clone(n.children)
		slices.SortFunc(kids, func(a, b int) int { return strings.Compare(label(nodes[b]), label(nodes[a])) })
		for _, k := range kids { // pushed in reverse label order: popped in label order
			stack = append(stack, visit{k, v.level + 1})
		}
	}
	return t
}
