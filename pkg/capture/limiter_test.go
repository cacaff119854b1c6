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
