package jvmheap

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Safepoint is one line of a JVM's -Xlog:safepoint output (JDK 17 and 25 share it):
//
//	[4.944s][info][safepoint] Safepoint "GC_HeapInspection", Time since last: …, Total: 212073082 ns
type Safepoint struct {
	Op    string        // the VM operation, e.g. "GC_HeapInspection" (a class histogram)
	Total time.Duration // how long application threads were stopped, reaching included
}

// HeapInspectionOp is the VM operation GC.class_histogram runs at a safepoint, in both modes.
const HeapInspectionOp = "GC_HeapInspection"

// ParseSafepointLog reads -Xlog:safepoint lines; other lines are skipped. It returns the
// pauses in log order, or a read error.
func ParseSafepointLog(r io.Reader) ([]Safepoint, error) {
	var out []Safepoint
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		if sp, ok := parseSafepointLine(sc.Text()); ok {
			out = append(out, sp)
		}
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("read safepoint log: %w", err)
	}
	return out, nil
}

func parseSafepointLine(line string) (Safepoint, bool) {
	_, rest, ok := strings.Cut(line, `Safepoint "`)
	if !ok {
		return Safepoint{}, false
	}
	op, rest, ok := strings.Cut(rest, `"`)
	if !ok {
		return Safepoint{}, false
	}
	_, total, ok := strings.Cut(rest, "Total: ")
	if !ok {
		return Safepoint{}, false
	}
	ns, _, ok := strings.Cut(total, " ns")
	if !ok {
		return Safepoint{}, false
	}
	n, err := strconv.ParseInt(ns, 10, 64)
	if err != nil || n < 0 {
		return Safepoint{}, false
	}
	return Safepoint{Op: op, Total: time.Duration(n)}, true
}
