package jvm

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/jvm/jvmtest"
)

const mib = 1 << 20

// cgroupFiles writes a fake cgroup mount: files relative to the returned root.
func cgroupFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, body := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// bytesOf is a cgroup file's line holding n.
func bytesOf(n int64) string { return strconv.FormatInt(n, 10) + "\n" }

// TestToolRoom: a dump tool's JVM is started only when the container's working set leaves room
// for it under the memory limit, on cgroup v2 and v1 as mounted inside a container, in every
// shell the probe supports; unreadable or unlimited means no objection.
func TestToolRoom(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		room  bool
	}{
		{"no cgroup files", nil, true},
		{"v2 without a limit", map[string]string{"memory.max": "max\n", "memory.current": bytesOf(900 * mib)}, true},
		{"v2 near the limit", map[string]string{"memory.max": bytesOf(512 * mib), "memory.current": bytesOf(500 * mib),
			"memory.stat": "anon 480000000\nfile 20000000\ninactive_file 0\n"}, false},
		{"v2 near the limit in page cache only", map[string]string{"memory.max": bytesOf(512 * mib), "memory.current": bytesOf(500 * mib),
			"memory.stat": "anon 100000000\ninactive_file " + bytesOf(300*mib) + "active_file 0\n"}, true},
		{"v2 far from the limit", map[string]string{"memory.max": bytesOf(2048 * mib), "memory.current": bytesOf(500 * mib)}, true},
		{"v2 over the limit", map[string]string{"memory.max": bytesOf(256 * mib), "memory.current": bytesOf(300 * mib)}, false},
		{"v1 without a limit", map[string]string{"memory/memory.limit_in_bytes": "9223372036854771712\n",
			"memory/memory.usage_in_bytes": bytesOf(900 * mib)}, true},
		{"v1 near the limit", map[string]string{"memory/memory.limit_in_bytes": bytesOf(256 * mib),
			"memory/memory.usage_in_bytes": bytesOf(250 * mib), "memory/memory.stat": "cache 0\ntotal_inactive_file 1048576\n"}, false},
		{"v1 with room", map[string]string{"memory/memory.limit_in_bytes": bytesOf(1024 * mib),
			"memory/memory.usage_in_bytes": bytesOf(250 * mib)}, true},
		{"garbage", map[string]string{"memory.max": "lots\n", "memory.current": "-1\n"}, true},
		{"a limit past 64-bit arithmetic", map[string]string{"memory/memory.limit_in_bytes": "18446744073709551615\n",
			"memory/memory.usage_in_bytes": bytesOf(900 * mib)}, true},
	}
	for _, shell := range []string{"dash", "bash --posix", "busybox sh"} {
		argv := strings.Fields(shell)
		if _, err := exec.LookPath(argv[0]); err != nil {
			if argv[0] == "busybox" {
				t.Logf("busybox is not installed (the test command installs it): skipped")
				continue
			}
			t.Fatalf("%s is required: %v", argv[0], err)
		}
		for _, tc := range tests {
			t.Run(argv[0]+"/"+tc.name, func(t *testing.T) {
				root := cgroupFiles(t, tc.files)
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				script := string(toolRoomScript) + "\nif tool_room; then echo room; else echo \"none: $_why\"; fi\n"
				cmd := exec.CommandContext(ctx, argv[0], append(argv[1:], "-c", script)...)
				cmd.Env = []string{"PATH=/usr/bin:/bin", "STACKCAPTURE_CGROUP_ROOT=" + root}
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("%v\n%s", err, out)
				}
				got := strings.TrimSpace(string(out))
				if tc.room && got != "room" || !tc.room && (!strings.HasPrefix(got, "none: the container uses ") || !strings.Contains(got, "OOM-killed")) {
					t.Fatalf("got %q, want room=%v", got, tc.room)
				}
			})
		}
	}
}

// TestProbeScriptsIncludeToolRoom: both scripts as sent define tool_room (a placeholder left in
// would make every probe think there is no room).
func TestProbeScriptsIncludeToolRoom(t *testing.T) {
	s := ProbeScript()
	if bytes.Contains(s, []byte(toolRoomPlaceholder)) || !bytes.Contains(s, []byte("tool_room() {")) {
		t.Fatal("ProbeScript does not define tool_room")
	}
}

// TestProbeLiveNoMemoryRoom: with the container near its memory limit, the probe starts no dump
// tool (neither its client nor jcmd) and takes the dump with kill -3, saying why.
func TestProbeLiveNoMemoryRoom(t *testing.T) {
	classDir := jvmtest.Compile(t)
	jvm := jvmtest.Start(t, filepath.Join(jvmtest.JDK17Home, "bin", "java"), classDir)
	root := cgroupFiles(t, map[string]string{"memory.max": bytesOf(512 * mib), "memory.current": bytesOf(480 * mib)})
	before := attachClientDirs(t)
	out, _ := probeRun{path: jvmtest.ToolPath(t, attachTools...), env: []string{"STACKCAPTURE_CGROUP_ROOT=" + root},
		pids: []int{jvm.PID}}.run(t)
	rec := onlyJVM(t, out, jvm.PID)
	if !rec.SigquitSent || !strings.Contains(rec.SigquitReason, "480 MiB of its 512 MiB memory limit") || len(rec.Errors) > 0 {
		t.Fatalf("sigquit %v reason %q errors %q, want kill -3 for lack of memory", rec.SigquitSent, rec.SigquitReason, rec.Errors)
	}
	if left := newEntries(attachClientDirs(t), before); len(left) > 0 {
		t.Errorf("the attach client was set up: %v", left)
	}
	deadline := time.Now().Add(liveTimeout)
	for {
		b, _ := os.ReadFile(jvm.Stdout)
		if text, complete := DumpFromLog(string(b)); complete {
			assertSpinnerFirst(t, rec, Analyze(rec, mustParseDump(t, text), 3), jvm)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no complete dump in the JVM's log:\n%s", clip(string(b), 2000))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
