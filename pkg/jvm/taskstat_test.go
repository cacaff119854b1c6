package jvm

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// statLine builds a stat line in the kernel's layout: "tid (comm) state" then fields 4..52.
func statLine(tid, comm string, utime, stime, starttime string) string {
	f := make([]string, 50) // fields 3..52
	for i := range f {
		f[i] = "0"
	}
	f[0] = "S"
	f[statFieldUTime-statFieldState] = utime
	f[statFieldSTime-statFieldState] = stime
	f[statFieldStartTime-statFieldState] = starttime
	return tid + " (" + comm + ") " + strings.Join(f, " ")
}

func TestParseTaskStat(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		want    TaskStat
		wantErr bool
	}{
		{"plain", statLine("11789", "java", "326", "12", "5000"), TaskStat{TID: 11789, Comm: "java", State: "S", UTime: 326, STime: 12, StartTime: 5000}, false},
		{"comm with spaces", statLine("7", "VM Thread", "1", "2", "3"), TaskStat{TID: 7, Comm: "VM Thread", State: "S", UTime: 1, STime: 2, StartTime: 3}, false},
		{"comm with parens", statLine("8", "a) (b) S 1 2", "40", "2", "9"), TaskStat{TID: 8, Comm: "a) (b) S 1 2", State: "S", UTime: 40, STime: 2, StartTime: 9}, false},
		{"comm ends in paren", statLine("9", "x)", "5", "6", "7"), TaskStat{TID: 9, Comm: "x)", State: "S", UTime: 5, STime: 6, StartTime: 7}, false},
		{"empty comm", statLine("10", "", "5", "6", "7"), TaskStat{TID: 10, State: "S", UTime: 5, STime: 6, StartTime: 7}, false},
		{"trailing newline", statLine("11", "C2 CompilerThre", "5", "6", "7") + "\n", TaskStat{TID: 11, Comm: "C2 CompilerThre", State: "S", UTime: 5, STime: 6, StartTime: 7}, false},
		{"empty", "", TaskStat{}, true},
		{"no parens", "123 java S 1 2 3", TaskStat{}, true},
		{"close before open", "123 )java( S 1 2 3", TaskStat{}, true},
		{"bad tid", statLine("x1", "java", "1", "2", "3"), TaskStat{}, true},
		{"zero tid", statLine("0", "java", "1", "2", "3"), TaskStat{}, true},
		{"cut short", statLine("12", "java", "1", "2", "3")[:40], TaskStat{}, true},
		{"bad utime", statLine("13", "java", "-1", "2", "3"), TaskStat{}, true},
		{"bad starttime", statLine("14", "java", "1", "2", "1e3"), TaskStat{}, true},
		{"only comm", "15 (java)", TaskStat{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTaskStat(tc.line)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ParseTaskStat(%q) error = %v, want error %v", tc.line, err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("ParseTaskStat(%q) = %+v, want %+v", tc.line, got, tc.want)
			}
		})
	}
}

// TestParseTaskStatLive reads this test process's own threads: real kernel lines.
func TestParseTaskStatLive(t *testing.T) {
	paths, err := filepath.Glob("/proc/self/task/*/stat")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no /proc/self/task/*/stat: %v", err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // the thread ended
		}
		st, err := ParseTaskStat(string(b))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if want := filepath.Base(filepath.Dir(p)); st.TID <= 0 || want != strconv.Itoa(st.TID) {
			t.Errorf("%s parsed tid %d", p, st.TID)
		}
		if st.StartTime == 0 || st.Comm == "" {
			t.Errorf("%s: %+v, want a start time and a comm", p, st)
		}
	}
}

func FuzzParseTaskStat(f *testing.F) {
	f.Add(statLine("11789", "java", "326", "12", "5000"))
	f.Add(statLine("8", "a) (b) S 1 2", "40", "2", "9"))
	if b, err := os.ReadFile("/proc/self/stat"); err == nil {
		f.Add(string(b)) // a real kernel line
	}
	f.Add("1 (x")
	f.Add(")(")
	f.Fuzz(func(t *testing.T, line string) {
		st, err := ParseTaskStat(line)
		if err == nil && (st.TID <= 0 || !strings.Contains(line, "("+st.Comm+")")) {
			t.Fatalf("ParseTaskStat(%q) = %+v without error", line, st)
		}
	})
}
