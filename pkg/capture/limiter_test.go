package capture

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestLimiterHoldsPerNodeAndGlobalLimits fires hundreds of concurrent acquisitions over a few
// nodes and measures, independently of the limiter's own counters, how many run at once.
func TestLimiterHoldsPerNodeAndGlobalLimits(t *testing.T) {
	const (
		perNode = 3
		global  = 7
		nodes   = 5
		workers = 400
	)
	l := newLimiter(perNode, global)

	var (
		mu          sync.Mutex
		running     = map[string]int{}
		peakNode    = map[string]int{}
		total, peak int
	)
	var wg sync.WaitGroup
	for i := range workers {
		node := fmt.Sprintf("node-%d", i%nodes)
		wg.Add(1)
		go func() {
			defer wg.Done()
			release, err := l.acquire(context.Background(), node)
			if err != nil {
				t.Errorf("acquire: %v", err)
				return
			}
			mu.Lock()
			running[node]++
			total++
			peakNode[node] = max(peakNode[node], running[node])
			peak = max(peak, total)
			mu.Unlock()
			time.Sleep(time.Millisecond) // hold the slot so that others pile up behind it
			mu.Lock()
			running[node]--
			total--
			mu.Unlock()
			release()
		}()
	}
	wg.Wait()

	if peak > global {
		t.Errorf("peak overall concurrency %d exceeds the global limit %d", peak, global)
	}
	if peak < 2 {
		t.Errorf("peak overall concurrency %d: the test did not run captures in parallel", peak)
	}
	for node, p := range peakNode {
		if p > perNode {
			t.Errorf("node %s: peak concurrency %d exceeds the per-node limit %d", node, p, perNode)
		}
	}
	for node, p := range l.peaks() {
		if p > perNode || p < 1 {
			t.Errorf("limiter's own peak for %s = %d, want 1..%d", node, p, perNode)
		}
	}
	if !l.idle() {
		t.Errorf("limiter keeps per-node state after every capture released")
	}
}

func TestLimiterWaitEndsWithContext(t *testing.T) {
	l := newLimiter(1, 10)
	release, err := l.acquire(context.Background(), "busy")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := l.acquire(ctx, "busy"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second acquire on a full node: err = %v, want deadline exceeded", err)
	}
	// Another node is not blocked by the busy one.
	other, err := l.acquire(context.Background(), "idle")
	if err != nil {
		t.Fatalf("acquire on another node: %v", err)
	}
	other()
	release()
	release() // a second call is harmless
	if !l.idle() {
		t.Errorf("limiter not idle after releases")
	}
}

func TestLimiterGlobalWaitGivesBackTheNodeSlot(t *testing.T) {
	l := newLimiter(5, 1)
	hold, err := l.acquire(context.Background(), "a")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := l.acquire(ctx, "b"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("acquire with the global slot taken: err = %v", err)
	}
	hold()
	if !l.idle() {
		t.Fatalf("a timed-out global wait leaked its node slot")
	}
}

func TestCooldown(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	period := 10 * time.Minute
	type step struct {
		container string
		at        time.Duration // after t0
		wantOK    bool
		wantNext  time.Duration // after t0, when !wantOK
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"repeat within the period is refused until it ends", []step{
			{"app", 0, true, 0},
			{"app", time.Minute, false, period},
			{"app", period, true, 0},
		}},
		{"other containers of the pod are independent", []step{
			{"app", 0, true, 0},
			{"sidecar", time.Second, true, 0},
		}},
		{"a whole-pod capture blocks each container", []step{
			{"", 0, true, 0},
			{"app", time.Minute, false, period},
		}},
		{"any container blocks a whole-pod capture", []step{
			{"app", 0, true, 0},
			{"sidecar", 2 * time.Minute, true, 0},
			{"", 3 * time.Minute, false, 2*time.Minute + period},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCooldown(period)
			for i, s := range tt.steps {
				ok, next := c.reserve("shop", "web-0", s.container, t0.Add(s.at))
				if ok != s.wantOK {
					t.Fatalf("step %d (%q at +%s): ok = %v, want %v", i, s.container, s.at, ok, s.wantOK)
				}
				if !ok && !next.Equal(t0.Add(s.wantNext)) {
					t.Errorf("step %d: next allowed %s, want %s", i, next, t0.Add(s.wantNext))
				}
			}
		})
	}
}

func TestCooldownReleaseAndPrune(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	c := newCooldown(time.Minute)
	if ok, _ := c.reserve("a", "p", "c", t0); !ok {
		t.Fatal("first reserve refused")
	}
	c.release("a", "p", "c", t0)
	if ok, _ := c.reserve("a", "p", "c", t0.Add(time.Second)); !ok {
		t.Fatal("reserve after release refused")
	}
	for i := range 100 {
		c.reserve("a", fmt.Sprintf("p-%d", i), "c", t0.Add(2*time.Second))
	}
	// Long after every period ended, a reservation prunes the stale pods.
	c.reserve("b", "q", "c", t0.Add(time.Hour))
	if n := c.size(); n != 1 {
		t.Errorf("cooldown holds %d pods after pruning, want 1", n)
	}
}

func TestCooldownZeroPeriodNeverRefuses(t *testing.T) {
	c := newCooldown(0)
	now := time.Now()
	for range 3 {
		if ok, _ := c.reserve("a", "p", "c", now); !ok {
			t.Fatal("refused with a zero cooldown")
		}
	}
}
