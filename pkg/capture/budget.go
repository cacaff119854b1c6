package capture

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrBudgetTooSmall is returned by Budget.Reserve for a reservation larger than the whole budget:
// waiting would never help.
var ErrBudgetTooSmall = errors.New("larger than the whole memory budget")

// Budget bounds the bytes of capture output the process holds at once: the probe's output, the
// thread dump parsed from it and its compressed copy, from the exec until the capture is
// stored. It is shared by every capture of the process (every org's instance), because memory
// is the process's, not an instance's.
//
// A capture reserves what it may hold (its output cap) before the exec and gives it back after
// storing. Waiters are served in order, so a large reservation is not starved by small ones.
// The limit may change while reservations are held (settings saved): holders keep what they
// have, and waiters are served against the new limit.
type Budget struct {
	mu      sync.Mutex
	limit   int64
	used    int64
	peak    int64      // highest used seen, for tests and benchmarks
	waiters *list.List // of *budgetWaiter, oldest first
}

type budgetWaiter struct {
	n       int64
	ready   chan struct{} // closed when the bytes are reserved for this waiter, or it is refused
	refused bool          // the limit shrank below n: the waiter got nothing
}

// NewBudget returns a budget of limit bytes.
func NewBudget(limit int64) *Budget {
	return &Budget{limit: limit, waiters: list.New()}
}

// SetLimit changes the budget's size; waiters that now fit are served.
func (b *Budget) SetLimit(limit int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.limit = limit
	b.serveLocked()
}

// Limit is the budget's size in bytes.
func (b *Budget) Limit() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.limit
}

// Peak is the highest number of bytes reserved at once so far.
func (b *Budget) Peak() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.peak
}

// Used is the number of bytes reserved now.
func (b *Budget) Used() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// Reserve waits until n bytes fit in the budget, or ctx ends. The returned release gives them
// back; it must be called once (further calls do nothing).
func (b *Budget) Reserve(ctx context.Context, n int64) (release func(), err error) {
	r, err := b.reserve(ctx, n)
	if err != nil {
		return nil, err
	}
	return r.release, nil
}

// reservation is bytes held of a budget, part of which may be given back before the rest:
// what a room turned out not to need once it returned.
type reservation struct {
	b    *Budget
	mu   sync.Mutex
	held int64
}

// size is what is held now.
func (r *reservation) size() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.held
}

// shrinkTo gives back what is held beyond n (nothing when n is not smaller).
func (r *reservation) shrinkTo(n int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n = max(n, 0)
	if n >= r.held || r.b == nil {
		return
	}
	r.b.mu.Lock()
	r.b.used -= r.held - n
	r.b.serveLocked()
	r.b.mu.Unlock()
	r.held = n
}

// release gives back everything; further calls do nothing.
func (r *reservation) release() { r.shrinkTo(0) }

// reserve is Reserve returning a reservation that may shrink.
func (b *Budget) reserve(ctx context.Context, n int64) (*reservation, error) {
	if n <= 0 {
		return &reservation{}, nil
	}
	b.mu.Lock()
	if n > b.limit {
		limit := b.limit
		b.mu.Unlock()
		return nil, fmt.Errorf("%d bytes: %w of %d bytes", n, ErrBudgetTooSmall, limit)
	}
	if b.waiters.Len() == 0 && b.used+n <= b.limit {
		b.takeLocked(n)
		b.mu.Unlock()
		return &reservation{b: b, held: n}, nil
	}
	w := &budgetWaiter{n: n, ready: make(chan struct{})}
	elem := b.waiters.PushBack(w)
	b.mu.Unlock()

	select {
	case <-w.ready:
		if w.refused {
			return nil, fmt.Errorf("%d bytes: %w (it shrank while waiting)", n, ErrBudgetTooSmall)
		}
		return &reservation{b: b, held: n}, nil
	case <-ctx.Done():
		b.mu.Lock()
		select {
		case <-w.ready:
			// Served while ctx ended: the bytes are ours, give them back.
			if !w.refused {
				b.used -= n
			}
		default:
			b.waiters.Remove(elem)
		}
		// A large waiter leaving may let smaller ones behind it through.
		b.serveLocked()
		held, limit := b.used, b.limit
		b.mu.Unlock()
		return nil, fmt.Errorf("%d bytes not free within the wait (%d of %d held by other captures): %w", n, held, limit, ctx.Err())
	}
}

func (b *Budget) takeLocked(n int64) {
	b.used += n
	b.peak = max(b.peak, b.used)
}

// serveLocked hands bytes to waiters in order while the first one fits.
func (b *Budget) serveLocked() {
	for e := b.waiters.Front(); e != nil; e = b.waiters.Front() {
		w := e.Value.(*budgetWaiter)
		switch {
		case w.n > b.limit:
			w.refused = true
		case b.used+w.n > b.limit:
			return
		default:
			b.takeLocked(w.n)
		}
		b.waiters.Remove(e)
		close(w.ready)
	}
}
