package jvmheap

import (
	"strings"
)

// NativeMemory is VM.native_memory summary: where the JVM's own memory goes (heap, class
// metadata, threads, code cache, GC structures), which the kernel counts against the
// container's limit and the heap numbers do not show.
type NativeMemory struct {
	ReservedBytes  int64           `json:"reservedBytes"`
	CommittedBytes int64           `json:"committedBytes"`
	Categories     []NativeSegment `json:"categories"`
}

// NativeSegment is one NMT category ("Java Heap", "Class", "Thread", …).
type NativeSegment struct {
	Name           string `json:"name"`
	ReservedBytes  int64  `json:"reservedBytes"`
	CommittedBytes int64  `json:"committedBytes"`
}

// nmtOffAnswer is what jcmd prints when the JVM runs without -XX:NativeMemoryTracking.
const nmtOffAnswer = "Native memory tracking is not enabled"

// ParseNativeMemory reads VM.native_memory summary (JDK 17 and 25). enabled is false when
// the JVM answered that tracking is off; ok is false when the text is neither.
func ParseNativeMemory(text string) (nm NativeMemory, enabled, ok bool) {
	if strings.Contains(text, nmtOffAnswer) {
		return NativeMemory{}, false, true
	}
	for _, raw := range strings.Split(text, "\n") {
		line := strings.TrimSpace(raw)
		if rest, found := strings.CutPrefix(line, "Total: "); found {
			nm.ReservedBytes, nm.CommittedBytes = sizeAfter(rest, "reserved="), sizeAfter(rest, "committed=")
			ok = true
			continue
		}
		// "-                 Java Heap (reserved=131072KB, committed=131072KB)"
		rest, found := strings.CutPrefix(line, "-")
		if !found {
			continue
		}
		name, vals, found := strings.Cut(rest, "(reserved=")
		if !found {
			continue
		}
		nm.Categories = append(nm.Categories, NativeSegment{
			Name:           strings.TrimSpace(name),
			ReservedBytes:  parseSize(strings.TrimSuffix(strings.SplitN(vals, ",", 2)[0], "B")),
			CommittedBytes: sizeAfter(vals, "committed="),
		})
	}
	return nm, ok, ok
}
