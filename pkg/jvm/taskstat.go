package jvm

import (
	"fmt"
	"strconv"
	"strings"
)

// TaskStat is what the probe needs from one /proc/<pid>/task/<tid>/stat line.
type TaskStat struct {
	TID       int
	Comm      string // the kernel's thread name (15 bytes at most)
	State     string // R, S, D, ...
	UTime     uint64 // field 14, clock ticks
	STime     uint64 // field 15, clock ticks
	StartTime uint64 // field 22, clock ticks after boot: tells a reused tid from the old thread
}

// Fields after the comm, counted from field 3 (state).
const (
	statFieldState     = 3
	statFieldUTime     = 14
	statFieldSTime     = 15
	statFieldStartTime = 22
)

// ParseTaskStat parses one /proc/<pid>/task/<tid>/stat line. The comm field is in
// parentheses and may itself hold spaces and parentheses, so it ends at the LAST ')'.
func ParseTaskStat(line string) (TaskStat, error) {
	line = strings.TrimRight(line, "\r\n")
	open := strings.IndexByte(line, '(')
	closing := strings.LastIndexByte(line, ')')
	if open < 0 || closing < open {
		return TaskStat{}, fmt.Errorf("task stat %q: no (comm)", clip(line, 80))
	}
	tid, err := strconv.Atoi(strings.TrimSpace(line[:open]))
	if err != nil || tid <= 0 {
		return TaskStat{}, fmt.Errorf("task stat %q: bad tid", clip(line, 80))
	}
	rest := strings.Fields(line[closing+1:])
	// rest[0] is field 3.
	at := func(field int) string { return rest[field-statFieldState] }
	if len(rest) < statFieldStartTime-statFieldState+1 {
		return TaskStat{}, fmt.Errorf("task stat of tid %d: %d fields after comm, want at least %d",
			tid, len(rest), statFieldStartTime-statFieldState+1)
	}
	st := TaskStat{TID: tid, Comm: line[open+1 : closing], State: at(statFieldState)}
	for _, f := range []struct {
		field int
		dst   *uint64
	}{{statFieldUTime, &st.UTime}, {statFieldSTime, &st.STime}, {statFieldStartTime, &st.StartTime}} {
		v, err := strconv.ParseUint(at(f.field), 10, 64)
		if err != nil {
			return TaskStat{}, fmt.Errorf("task stat of tid %d: field %d: %w", tid, f.field, err)
		}
		*f.dst = v
	}
	return st, nil
}

// clip shortens s for error messages.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
