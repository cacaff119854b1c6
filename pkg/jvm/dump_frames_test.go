package jvm

import (
	"slices"
	"testing"
)

// The parser keeps all frames of a dump in one backing array; a caller appending to one
// thread's frames must not overwrite the next thread's.
func TestThreadFramesDoNotShareCapacity(t *testing.T) {
	d, err := ParseThreadDump(threadDumpFixture(t, "jdk17-jcmd-threadprint.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var withFrames []int
	for i, th := range d.Threads {
		if len(th.Frames) > 0 {
			withFrames = append(withFrames, i)
		}
	}
	if len(withFrames) < 2 {
		t.Fatalf("%d threads with frames, want two or more", len(withFrames))
	}
	first, second := &d.Threads[withFrames[0]], d.Threads[withFrames[1]]
	want := slices.Clone(second.Frames)
	first.Frames = append(first.Frames, Frame{Method: "appended.by.Caller"})
	if !slices.Equal(d.Threads[withFrames[1]].Frames, want) {
		t.Errorf("appending to %q's frames changed %q's: %v", first.Name, second.Name, d.Threads[withFrames[1]].Frames)
	}
	if got := first.Frames[len(first.Frames)-1].Method; got != "appended.by.Caller" {
		t.Errorf("append lost: %q", got)
	}
}
