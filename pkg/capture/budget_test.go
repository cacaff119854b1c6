package capture

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestBudgetNeverExceeded has hundreds of goroutines reserve random sizes at once and
// measures, apart from the budget's own counters, how many bytes are held at any moment.
func TestBudgetNeverExceeded(t *testing.T) {
	const limit, workers = 1000, 300
	b := NewBudget(limit)
	var held, peak atomic.Int64
	var wg sync.WaitGroup
	for i := range workers {
		n := int64(1 + rand.IntN(limit))
		if i%10 == 0 {
			n = limit // whole-budget reservations must not starve behind small ones
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			release, err := b.Reserve(context.Background(), n)
			if err != nil {
				t.Errorf("reserve %d: %v", n, err)
				return
			}
			now := held.Add(n)
			for p := peak.Load(); now > p && !peak.CompareAndSwap(p, now); p = peak.Load() {
			}
			time.Sleep(100 * time.Microsecond)
			held.Add(-n)
			release()
			release() // a second call gives nothing back twice
		}()
	}
	wg.Wait()
	if p := peak.Load(); p > limit {
		t.Errorf("%d bytes held at once, budget %d", p, limit)
	}
	if b.Peak() > limit {
		t.Errorf("budget's own peak %d exceeds %d", b.Peak(), limit)
	}
	if u := b.Used(); u != 0 {
		t.Errorf("%d bytes still reserved after every release", u)
	}
}

func TestBudgetRefusesAndTimesOut(t *testing.T) {
	b := NewBudget(100)
	if _, err := b.Reserve(context.Background(), 101); !errors.Is(err, ErrBudgetTooSmall) {
		t.Fatalf("reserve above the limit: %v, want ErrBudgetTooSmall", err)
	}
	release, err := b.Reserve(context.Background(), 80)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := b.Reserve(ctx, 30); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("reserve while full: %v, want a deadline error", err)
	}
	// The waiter that gave up left nothing behind: a fitting reservation goes straight through.
	small, err := b.Reserve(context.Background(), 20)
	if err != nil {
		t.Fatal(err)
	}
	small()
	release()
	if u := b.Used(); u != 0 {
		t.Errorf("%d bytes reserved after releasing everything", u)
	}
}

func TestBudgetServesInOrderAndFollowsItsLimit(t *testing.T) {
	b := NewBudget(100)
	first, err := b.Reserve(context.Background(), 50)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan int64, 3)
	wait := func(n int64) {
		go func() {
			release, err := b.Reserve(context.Background(), n)
			if err != nil {
				got <- -n
				return
			}
			got <- n
			release()
		}()
	}
	wait(90)
	waitForWaiters(t, b, 1)
	wait(10) // would fit beside the 50 held, but queues behind the 90: no overtaking
	waitForWaiters(t, b, 2)
	select {
	case n := <-got:
		t.Fatalf("reservation of %d served before the one queued ahead of it", n)
	case <-time.After(20 * time.Millisecond):
	}
	first()
	if a, c := <-got, <-got; a+c != 100 {
		t.Errorf("served %d and %d, want 90 and 10", a, c)
	}

	// A waiter larger than a shrunk limit is refused, not left waiting forever.
	hold, err := b.Reserve(context.Background(), 50)
	if err != nil {
		t.Fatal(err)
	}
	wait(80)
	waitForWaiters(t, b, 1)
	b.SetLimit(60)
	if n := <-got; n != -80 {
		t.Errorf("waiter of 80 after the limit shrank to 60: got %d, want refused", n)
	}
	hold()
	b.SetLimit(200)
	if release, err := b.Reserve(context.Background(), 200); err != nil {
		t.Errorf("reserve the grown limit: %v", err)
	} else {
		release()
	}
}

func waitForWaiters(t *testing.T, b *Budget, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b.mu.Lock()
		k := b.waiters.Len()
		b.mu.Unlock()
		if k == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d waiters, want %d", k, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestReservationShrinks: a reservation gives back part of its bytes early, which serves a
// waiter, and never gives back more than it holds.
func TestReservationShrinks(t *testing.T) {
	b := NewBudget(100)
	r, err := b.reserve(context.Background(), 80)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() {
		release, err := b.Reserve(context.Background(), 50)
		if err == nil {
			defer release()
		}
		served <- err
	}()
	select {
	case err := <-served:
		t.Fatalf("a waiter for 50 of 100 was served while 80 were held: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	r.shrinkTo(30)
	select {
	case err := <-served:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("shrinking to 30 did not serve the waiter for 50")
	}
	r.shrinkTo(60) // growing is not shrinking: nothing changes
	if r.size() != 30 {
		t.Fatalf("size %d after shrinkTo(60), want 30", r.size())
	}
	r.release()
	r.release()
	if b.Used() != 0 {
		t.Fatalf("used %d after every release, want 0", b.Used())
	}
}
