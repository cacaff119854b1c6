package pprof_test

import (
	"fmt"
	"testing"
	"time"

	sc "github.com/seed/stackcapture/pkg/pprof"
)

// checkFlame verifies the nested-set invariants of a flame tree and returns, per node,
// its parent (-1 for the root): one root "total" at level 0 whose value is total, levels
// that step down by at most one, every value equal to its self plus its children's
// values, no negative self.
func checkFlame(t *testing.T, f *sc.FlameTree, total int64) []int {
	t.Helper()
	n := len(f.Levels)
	if n == 0 || len(f.Values) != n || len(f.Selfs) != n || len(f.Labels) != n {
		t.Fatalf("flame columns: %d levels, %d values, %d selfs, %d labels", n, len(f.Values), len(f.Selfs), len(f.Labels))
	}
	if f.Levels[0] != 0 || f.Labels[0] != "total" || f.Values[0] != total || f.Unit != "nanoseconds" {
		t.Fatalf("root = level %d %q value %d unit %q, want level 0 \"total\" value %d nanoseconds", f.Levels[0], f.Labels[0], f.Values[0], f.Unit, total)
	}
	parents := make([]int, n)
	childSum := make([]int64, n)
	var path []int // the ancestors of the current node, by level
	for i := range n {
		lvl := f.Levels[i]
		if i > 0 && (lvl < 1 || lvl > f.Levels[i-1]+1) {
			t.Fatalf("node %d (%s) at level %d after level %d", i, f.Labels[i], lvl, f.Levels[i-1])
		}
		path = append(path[:lvl], i)
		parents[i] = -1
		if lvl > 0 {
			parents[i] = path[lvl-1]
			childSum[parents[i]] += f.Values[i]
		}
		if f.Selfs[i] < 0 || f.Values[i] <= 0 {
			t.Fatalf("node %d (%s): value %d self %d", i, f.Labels[i], f.Values[i], f.Selfs[i])
		}
	}
	for i := range n {
		if f.Values[i] != f.Selfs[i]+childSum[i] {
			t.Fatalf("node %d (%s): value %d != self %d + children %d", i, f.Labels[i], f.Values[i], f.Selfs[i], childSum[i])
		}
	}
	return parents
}

// widestLeafPath follows the heaviest child from the root down, stopping at a node whose
// own time outweighs each of its children, and returns the labels.
func widestLeafPath(f *sc.FlameTree, parents []int) []string {
	path := []string{f.Labels[0]}
	cur := 0
	for {
		best := -1
		for i := cur + 1; i < len(f.Levels) && f.Levels[i] > f.Levels[cur]; i++ {
			if parents[i] == cur && (best < 0 || f.Values[i] > f.Values[best]) {
				best = i
			}
		}
		if best < 0 || f.Selfs[cur] > f.Values[best] {
			return path
		}
		path = append(path, f.Labels[best])
		cur = best
	}
}

func TestFlameTree(t *testing.T) {
	ms := int64(time.Millisecond)
	p := build(cpuTypes, 2*time.Second, []stack{
		{frames: []string{"main.hot", "main.loop", "main.main"}, values: []int64{100, 1000 * ms}},
		{frames: []string{"main.walk", "main.walk", "main.walk", "main.main"}, values: []int64{30, 300 * ms}},
		{frames: []string{"main.inner|main.outer", "main.main"}, values: []int64{20, 200 * ms}},
		{frames: []string{"main.loop", "main.main"}, values: []int64{10, 100 * ms}},
		{frames: []string{"main.hot", "main.loop", "main.main"}, values: []int64{5, 50 * ms}},
		{frames: []string{"runtime.gcBgMarkWorker"}, values: []int64{7, 70 * ms}},
	})
	data := encode(t, p)
	s, err := sc.ParseCPU(data, sc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	parents := checkFlame(t, s.Flame, int64(s.Total))
	var got []string
	for i, l := range s.Flame.Labels {
		got = append(got, fmt.Sprintf("%d:%s=%d/%d", s.Flame.Levels[i], l, s.Flame.Values[i]/ms, s.Flame.Selfs[i]/ms))
	}
	// Depth-first, siblings by label; recursion nests, the inlined frame sits below its
	// caller, equal stacks merge.
	want := []string{
		"0:total=1720/0",
		"1:main.main=1650/0",
		"2:main.loop=1150/100", "3:main.hot=1050/1050",
		"2:main.outer=200/0", "3:main.inner=200/200",
		"2:main.walk=300/0", "3:main.walk=300/0", "4:main.walk=300/300",
		"1:runtime.gcBgMarkWorker=70/70",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("flame\n got %v\nwant %v", got, want)
	}
	if path := widestLeafPath(s.Flame, parents); fmt.Sprint(path) != "[total main.main main.loop main.hot]" {
		t.Errorf("widest path %v", path)
	}
	if s.Flame.Folded != 0 {
		t.Errorf("folded %d, want 0", s.Flame.Folded)
	}

	// A bound below the tree's size folds the lightest subtrees into their parents.
	for _, bound := range []int{1, 2, 3, 5} {
		b, err := sc.ParseCPU(data, sc.Options{FlameNodes: bound})
		if err != nil {
			t.Fatal(err)
		}
		checkFlame(t, b.Flame, int64(b.Total))
		if len(b.Flame.Levels) != bound || b.Flame.Folded == 0 {
			t.Errorf("bound %d: %d nodes, %d folded: %v", bound, len(b.Flame.Levels), b.Flame.Folded, b.Flame.Labels)
		}
	}
	none, err := sc.ParseCPU(data, sc.Options{FlameNodes: -1})
	if err != nil || none.Flame != nil {
		t.Errorf("FlameNodes -1: flame %v, err %v", none.Flame, err)
	}
}

// TestFlameBoundOnManyStacks: 100,000 distinct random stacks stay within the bound and
// keep every nanosecond.
func TestFlameBoundOnManyStacks(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a profile of 100,000 stacks")
	}
	p := syntheticProfile(cpuTypes, 5000, 20_000, 100_000, 7)
	s, err := sc.ParseCPU(encode(t, p), sc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkFlame(t, s.Flame, int64(s.Total))
	if n := len(s.Flame.Levels); n != sc.DefaultFlameNodes || s.Flame.Folded == 0 {
		t.Errorf("%d nodes (bound %d), %d folded", n, sc.DefaultFlameNodes, s.Flame.Folded)
	}
}
