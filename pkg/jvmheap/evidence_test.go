package jvmheap

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The jvm-heap summary is stored and shown to every Viewer of the org (the view puts the
// command line in a tooltip), so it keeps the JVM's command line only as masked as a thread
// capture keeps it: no value of the secret classes reaches the stored JSON.
func TestSummarizeMasksSecretsInTheCommand(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "heap-jdk17-g1-full.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out, err := ParseProbeOutput(f)
	if err != nil || len(out.JVMs) != 1 {
		t.Fatalf("fixture: %v, %d JVMs", err, len(out.JVMs))
	}
	tests := []struct {
		name, command, secret, kept string
	}{
		{"system property password", "java -Ddb.password=hunter2 -cp app.jar Main", "hunter2", "-Ddb.password=***"},
		{"camelCase key store password", "java -Djavax.net.ssl.keyStorePassword=s3cr3t -jar a.jar", "s3cr3t", "-jar a.jar"},
		{"option with a secret word", "java -jar a.jar --spring.datasource.password=pw123456", "pw123456", "--spring.datasource.password=***"},
		{"token as the next argument", "java -jar a.jar --token abcdef123", "abcdef123", "--token ***"},
		{"password in a URL", "java -Ddb.url=jdbc:postgresql://app:letmein@db:5432/shop -jar a.jar", "letmein", "jdbc:postgresql://app:***@db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := *out.JVMs[0]
			j.Command = tt.command
			ev := Summarize(&j, out.Mode, 10, out.Complete)
			stored, err := json.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(stored), tt.secret) {
				t.Errorf("the stored summary holds the secret %q: command %q", tt.secret, ev.Command)
			}
			if !strings.Contains(ev.Command, tt.kept) {
				t.Errorf("command %q, want it to keep %q", ev.Command, tt.kept)
			}
			if ev.Heap == nil || ev.Histogram == nil {
				t.Errorf("masking lost the heap evidence: heap %v histogram %v", ev.Heap != nil, ev.Histogram != nil)
			}
		})
	}
}

// TestSummarizeNoMemoryRoom: the heap probe started no jcmd because the container is near its
// memory limit: the piece says so with its own reason, not as an attach failure.
func TestSummarizeNoMemoryRoom(t *testing.T) {
	msg := "the container uses 480 MiB of its 512 MiB memory limit: a dump tool's JVM (about 50 MiB) could get the workload OOM-killed, so none was started"
	ev := Summarize(&JVMOutput{PID: 7, Errors: []string{msg}}, HistogramAll, 10, true)
	if len(ev.Failures) != 1 || ev.Failures[0].Reason != ReasonMemoryHeadroom || ev.Failures[0].Part != "all" || ev.Failures[0].Message != msg {
		t.Fatalf("failures %+v, want one memory-headroom failure carrying the probe's message", ev.Failures)
	}
}
