package capture

import (
	"sync"
	"time"
)

// cooldown allows one capture per container per period. A capture of a whole pod (container
// unknown) counts for every container of it, and any container's capture blocks a whole-pod one.
type cooldown struct {
	period time.Duration // the default period, for reserve

	mu        sync.Mutex
	last      map[podKey]map[string]time.Time // pod → container ("" = whole pod) → time of the last capture
	lastPrune time.Time
	// keep is the longest period any reservation asked for: entries live that long, so
	// managers with different periods (one per org) sharing this cooldown all see them.
	keep time.Duration
}

type podKey struct{ namespace, pod string }

func newCooldown(period time.Duration) *cooldown {
	return &cooldown{period: period, keep: period, last: make(map[podKey]map[string]time.Time)}
}

// reserve records a capture of (namespace, pod, container) at now, unless one ran within the
// period: then it returns false and when the next capture is allowed.
func (c *cooldown) reserve(namespace, pod, container string, now time.Time) (ok bool, nextAllowed time.Time) {
	return c.reserveFor(namespace, pod, container, now, c.period)
}

// reserveFor is reserve with the caller's period. Captures made under a shorter period
// still count for callers with a longer one: one cluster's cooldown holds across orgs.
func (c *cooldown) reserveFor(namespace, pod, container string, now time.Time, period time.Duration) (ok bool, nextAllowed time.Time) {
	key := podKey{namespace, pod}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.keep = max(c.keep, period)
	if c.keep <= 0 {
		return true, time.Time{}
	}
	containers := c.last[key]
	for name, at := range containers {
		if container != "" && name != "" && name != container {
			continue // another container of the same pod
		}
		if next := at.Add(period); now.Before(next) && next.After(nextAllowed) {
			nextAllowed = next
		}
	}
	if !nextAllowed.IsZero() {
		return false, nextAllowed
	}
	if containers == nil {
		containers = make(map[string]time.Time)
		c.last[key] = containers
	}
	containers[container] = now
	c.prune(now)
	return true, time.Time{}
}

// record marks containers as captured at a time without checking, e.g. the containers
// a whole-pod capture resolved to, or captures found in the store after a restart.
func (c *cooldown) record(namespace, pod, container string, at time.Time) {
	key := podKey{namespace, pod}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keep <= 0 {
		return
	}
	if c.last[key] == nil {
		c.last[key] = make(map[string]time.Time)
	}
	if at.After(c.last[key][container]) {
		c.last[key][container] = at
	}
}

// restore records a capture made at `at` before this process started (read back from the
// store), for a caller whose period is period. It raises keep to that period first: a shared
// cooldown starts with keep 0, and record keeps nothing until some period asks for it, so
// without this a restart would forget every capture made just before it.
func (c *cooldown) restore(namespace, pod, container string, at time.Time, period time.Duration) {
	c.mu.Lock()
	c.keep = max(c.keep, period)
	c.mu.Unlock()
	c.record(namespace, pod, container, at)
}

// release forgets a reservation that did not turn into a capture.
func (c *cooldown) release(namespace, pod, container string, at time.Time) {
	key := podKey{namespace, pod}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last[key][container].Equal(at) {
		delete(c.last[key], container)
		if len(c.last[key]) == 0 {
			delete(c.last, key)
		}
	}
}

// prune drops entries whose period has passed, so the map holds only pods captured recently.
// Called with mu held, on reservations only: a cost proportional to the map, amortised by
// pruning at most once per period/8.
func (c *cooldown) prune(now time.Time) {
	if now.Sub(c.lastPrune) < c.keep/8 {
		return
	}
	c.lastPrune = now
	for key, containers := range c.last {
		for name, at := range containers {
			if !now.Before(at.Add(c.keep)) {
				delete(containers, name)
			}
		}
		if len(containers) == 0 {
			delete(c.last, key)
		}
	}
}

// size is the number of pods with a live entry, for tests.
func (c *cooldown) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.last)
}
