package plugin

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// Recovery at start fails only the captures of processes that are gone (RecoverOrphans with
// ownerAlive): another plugin process still running on the same database file keeps its
// captures, and a pid reused by an unrelated process does not pass for the one that wrote them.
func TestOwnerAlive(t *testing.T) {
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	// Another live process on this host: its pid and start time, as its processOwner says.
	other := exec.Command("sleep", "600")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Process.Kill(); _ = other.Wait() })
	otherStart := procStart(other.Process.Pid)
	if otherStart == "" {
		t.Fatalf("no start time for pid %d", other.Process.Pid)
	}
	// A process that has ended (and been reaped).
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	goneOwner := fmt.Sprintf("%s/%d/%s", host, gone.Process.Pid, procStart(os.Getpid()))

	tests := []struct {
		name  string
		owner string
		alive bool
	}{
		{"this process", processOwner(), true},
		{"another live process on this host", fmt.Sprintf("%s/%d/%s", host, other.Process.Pid, otherStart), true},
		{"a live pid that started at another time (reused)", fmt.Sprintf("%s/%d/%s1", host, other.Process.Pid, otherStart), false},
		{"a process that ended", goneOwner, false},
		{"another host's process (a previous pod)", fmt.Sprintf("%s-before/%d/%s", host, os.Getpid(), procStart(os.Getpid())), false},
		{"no start time recorded", fmt.Sprintf("%s/%d/", host, os.Getpid()), false},
		{"empty (written before owners were recorded)", "", false},
		{"not a pid", host + "/x/1", false},
		{"pid 0", host + "/0/1", false},
		{"too few parts", host + "/1", false},
	}
	for _, tt := range tests {
		if got := ownerAlive(tt.owner); got != tt.alive {
			t.Errorf("%s: ownerAlive(%q) = %v, want %v", tt.name, tt.owner, got, tt.alive)
		}
	}
}
