package jvm

import (
	"math"
	"sort"
	"strings"
)

// defaultClkTck is USER_HZ on every Linux architecture Kubernetes runs on; the probe
// reports the real value when the container has getconf.
const defaultClkTck = 100

// Analyze joins a JVM's /proc samples with its thread dump (nil when none was taken) and
// returns the topN busiest threads (all when topN <= 0), busiest first.
//
// A thread's CPU is its utime+stime delta over the window measured between the two
// /proc/uptime readings. Threads that ended during the window are dropped; threads born
// during it (or whose tid was reused, seen by a new start time) count from zero. Threads
// in /proc but not in the dump (not Java threads, or the dump failed) keep their kernel
// name with InDump false. Dump threads missing from the end sample have no CPU figure and
// are left out.
func Analyze(rec *JVMRecord, dump *Dump, topN int) Process {
	// The command line is stored and shown to every viewer of the capture: secrets in it
	// (-Ddb.password=…, --token=…) are masked here, where it enters the result.
	p := Process{PID: rec.PID, Command: MaskSecrets(rec.Command), DumpSource: rec.DumpSource, Truncated: rec.Truncated}
	errs := append([]string(nil), rec.Errors...)
	if dump != nil && dump.ambiguous && rec.End != nil {
		// The text alone could not tell every thread header from header-like text in thread
		// names (no SMR list: JDK 8); the tids the probe saw in /proc can.
		// Both samples: a thread that ended after the dump is still one of the JVM's.
		tids := make(map[int]bool, len(rec.End.Tasks))
		for _, st := range rec.End.Tasks {
			tids[st.TID] = true
		}
		if rec.Start != nil {
			for _, st := range rec.Start.Tasks {
				tids[st.TID] = true
			}
		}
		if again, err := ParseThreadDumpTIDs(dump.Raw, tids); err == nil {
			dump = again
		}
	}
	if dump != nil {
		errs = append(errs, dump.Problems...)
		p.JVM = dump.JVM
		p.Deadlocks = dump.Deadlocks
		p.Raw = dump.Raw
		if !dump.Complete {
			errs = append(errs, "thread dump incomplete")
		}
	}

	byNID := map[int]*Thread{}
	if dump != nil {
		for i := range dump.Threads {
			byNID[dump.Threads[i].NativeID] = &dump.Threads[i]
		}
	}

	var threads []Thread
	ticks := map[int]uint64{} // per-thread CPU ticks over the window, for exact ordering
	switch {
	case rec.Start == nil || rec.End == nil:
		errs = append(errs, "no complete CPU sample")
		if dump != nil {
			threads = append(threads, dump.Threads...)
		}
	default:
		window := rec.End.Uptime - rec.Start.Uptime
		if window <= 0 {
			errs = append(errs, "CPU sample window is not positive")
			window = math.NaN()
		}
		clk := rec.ClkTck
		if clk <= 0 {
			clk = defaultClkTck
		}
		start := make(map[int]TaskStat, len(rec.Start.Tasks))
		for _, st := range rec.Start.Tasks {
			start[st.TID] = st
		}
		var total uint64
		for _, end := range rec.End.Tasks {
			used := end.UTime + end.STime
			if before, ok := start[end.TID]; ok && before.StartTime == end.StartTime {
				used = cpuDelta(before, end)
			}
			total += used
			var t Thread
			if dt, ok := byNID[end.TID]; ok {
				t = *dt
			} else {
				t = Thread{Name: end.Comm, NativeID: end.TID}
			}
			t.CPUMs = int64(used * 1000 / uint64(clk))
			t.CPUPercent = percent(used, clk, window)
			ticks[end.TID] = used
			threads = append(threads, t)
		}
		p.ThreadCount = len(rec.End.Tasks)
		p.CPUPercent = percent(total, clk, window)
		if !math.IsNaN(window) {
			p.WindowMs = int64(math.Round(window * 1000))
		}
		sort.SliceStable(threads, func(i, j int) bool {
			a, b := threads[i], threads[j]
			if ta, tb := ticks[a.NativeID], ticks[b.NativeID]; ta != tb {
				return ta > tb
			}
			if a.Name != b.Name {
				return a.Name < b.Name
			}
			return a.NativeID < b.NativeID
		})
	}
	if topN > 0 && len(threads) > topN {
		threads = threads[:topN]
	}
	p.Threads = threads
	if dump == nil {
		switch {
		case rec.SigquitSent:
			errs = append(errs, "SIGQUIT sent but no thread dump found in the container log")
		case len(errs) == 0:
			errs = append(errs, "no thread dump")
		}
	}
	p.Error = strings.Join(errs, "; ")
	return p
}

// cpuDelta is the CPU a thread used between two samples; never negative.
func cpuDelta(before, after TaskStat) uint64 {
	b, a := before.UTime+before.STime, after.UTime+after.STime
	if a < b {
		return 0
	}
	return a - b
}

// percent turns ticks over window seconds into percent of one core, two decimals.
func percent(ticks uint64, clk int, window float64) float64 {
	if math.IsNaN(window) || window <= 0 {
		return 0
	}
	return math.Round(float64(ticks)/float64(clk)/window*100*100) / 100
}
