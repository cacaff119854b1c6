package capture

import (
	"fmt"
	"testing"
	"time"
)

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

// A cluster's shared cooldown starts empty, with no period of its own (each org's manager asks
// with its own): captures read back from the store after a restart still hold it, for the
// period of the manager that restored them.
func TestCooldownRestoredIntoASharedCooldown(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	period := 10 * time.Minute
	c := NewShared(1, 1, 0).cooldown
	c.restore("shop", "p", "app", t0, period)
	if ok, next := c.reserveFor("shop", "p", "app", t0.Add(time.Minute), period); ok || !next.Equal(t0.Add(period)) {
		t.Errorf("right after a restored capture: ok %v, next %v; want refused until %v", ok, next, t0.Add(period))
	}
	if ok, _ := c.reserveFor("shop", "p", "app", t0.Add(period), period); !ok {
		t.Error("refused once the restored capture's period ended")
	}
}
