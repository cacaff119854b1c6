package jvmtest

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// clockTick is the resolution of /proc's per-thread CPU times (USER_HZ = 100).
const clockTick = 10 * time.Millisecond

// RankingWindow is the sampling window of tests that rank threads by CPU. Long enough that
// a spinning thread collects many clock ticks even when it gets a small share of a core on a
// loaded machine (CFS gives it about cores/runnable), short enough to keep the suite quick.
const RankingWindow = 2 * time.Second

// CheckSpinnerMeasurable states the property a ranking test relies on: over the window, the
// spinning thread took measurably more CPU than the next busiest thread of its JVM — at least
// two clock ticks, and more than twice the next one plus a tick. The idle threads sleep, so
// this holds however busy the machine is, as long as the spinner ran at all. When it did not
// (a saturated machine can starve it for a whole window), the test is skipped with the
// machine's load, because then the ranking means nothing; it never fails for a busy machine.
func CheckSpinnerMeasurable(t testing.TB, hotMs, nextMs, windowMs int64) {
	t.Helper()
	tick := clockTick.Milliseconds()
	if hotMs >= 2*tick && hotMs > 2*nextMs+tick {
		return
	}
	if load, ok := loadAverage(); ok && load >= float64(2*runtime.NumCPU()) {
		t.Skipf("the spinner got %d ms of CPU in a %d ms window (next thread %d ms) while the machine's load is %.1f on %d cores: too busy for a CPU ranking to mean anything",
			hotMs, windowMs, nextMs, load, runtime.NumCPU())
	}
	t.Errorf("spinner %d ms of CPU in a %d ms window, next thread %d ms: want at least %d ms and more than twice the next (+1 tick)",
		hotMs, windowMs, nextMs, 2*tick)
}

// loadAverage returns the one-minute load average.
func loadAverage() (float64, bool) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0, false
	}
	fields := strings.Fields(string(b))
	if len(fields) == 0 {
		return 0, false
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	return v, err == nil
}
