package capture

import (
	"context"
	"fmt"
	"sync"
)

// limiter bounds how many captures run at once on each node and overall.
//
// Slots are taken node first, then global: a capture waiting for its busy node must not
// sit on a global slot that a capture for an idle node could use.
type limiter struct {
	perNode int
	global  chan struct{}

	mu    sync.Mutex
	nodes map[string]*nodeSlots // shared by every caller; entries live while anyone holds or waits
	peak  map[string]int        // highest running count seen per node, for tests and benchmarks
}

type nodeSlots struct {
	slots   chan struct{}
	users   int // holders plus waiters; the entry is deleted when it drops to zero
	running int
}

func newLimiter(perNode, global int) *limiter {
	return &limiter{
		perNode: perNode,
		global:  make(chan struct{}, global),
		nodes:   make(map[string]*nodeSlots),
		peak:    make(map[string]int),
	}
}

// acquire waits for a slot on node and a global slot. The returned release must be called once.
func (l *limiter) acquire(ctx context.Context, node string) (release func(), err error) {
	l.mu.Lock()
	n := l.nodes[node]
	if n == nil {
		n = &nodeSlots{slots: make(chan struct{}, l.perNode)}
		l.nodes[node] = n
	}
	n.users++
	l.mu.Unlock()

	leave := func() {
		l.mu.Lock()
		n.users--
		if n.users == 0 {
			delete(l.nodes, node)
		}
		l.mu.Unlock()
	}

	select {
	case n.slots <- struct{}{}:
	case <-ctx.Done():
		leave()
		return nil, fmt.Errorf("no free capture slot on node %q (%d captures already running there): %w", node, l.perNode, ctx.Err())
	}
	select {
	case l.global <- struct{}{}:
	case <-ctx.Done():
		<-n.slots
		leave()
		return nil, fmt.Errorf("no free capture slot (%d captures already running in all): %w", cap(l.global), ctx.Err())
	}

	l.mu.Lock()
	n.running++
	if n.running > l.peak[node] {
		l.peak[node] = n.running
	}
	l.mu.Unlock()

	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			n.running--
			l.mu.Unlock()
			<-l.global
			<-n.slots
			leave()
		})
	}, nil
}

// peaks returns the highest number of captures seen running at once per node.
func (l *limiter) peaks() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]int, len(l.peak))
	for k, v := range l.peak {
		out[k] = v
	}
	return out
}

// idle reports whether no node entry is held or awaited (no leak of per-node state).
func (l *limiter) idle() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.nodes) == 0 && len(l.global) == 0
}
