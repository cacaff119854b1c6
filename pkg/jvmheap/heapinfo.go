package jvmheap

import (
	"strconv"
	"strings"
)

// HeapInfo is what GC.heap_info (or the heap summary after a kill -3 dump) says about
// the Java heap. Sizes are bytes; zero means the collector does not report it.
type HeapInfo struct {
	Collector      string      `json:"collector"` // G1, Parallel, Serial, Z, Shenandoah, or "" when unknown
	UsedBytes      int64       `json:"usedBytes"`
	CommittedBytes int64       `json:"committedBytes"`
	MaxBytes       int64       `json:"maxBytes,omitempty"`
	Spaces         []HeapSpace `json:"spaces,omitempty"`
	Metaspace      *Metaspace  `json:"metaspace,omitempty"`
}

// HeapSpace is one generation or region set the collector reports (e.g. PSYoungGen).
type HeapSpace struct {
	Name           string `json:"name"`
	UsedBytes      int64  `json:"usedBytes"`
	CommittedBytes int64  `json:"committedBytes"`
}

// Metaspace is class metadata outside the Java heap: what fills it when a JVM keeps
// loading classes (generated proxies, redeploys).
type Metaspace struct {
	UsedBytes           int64 `json:"usedBytes"`
	CommittedBytes      int64 `json:"committedBytes"`
	ReservedBytes       int64 `json:"reservedBytes"`
	ClassUsedBytes      int64 `json:"classUsedBytes"`
	ClassCommittedBytes int64 `json:"classCommittedBytes"`
}

// collectorOf maps the names the collectors print onto the collector.
var collectorOf = map[string]string{
	"garbage-first heap": "G1",
	"PSYoungGen":         "Parallel",
	"ParOldGen":          "Parallel",
	"def new generation": "Serial",
	"tenured generation": "Serial",
	"DefNew":             "Serial",
	"Tenured":            "Serial",
	"ZHeap":              "Z",
	"Shenandoah Heap":    "Shenandoah",
}

// ParseHeapInfo reads GC.heap_info's text (the jcmd "PID:" line may lead) or the block
// after "Heap" in a kill -3 dump, for every collector of JDK 17 and 25. Lines it does not
// know (region maps, eden/from/to detail) are skipped. ok is false when nothing was
// recognised, so a caller can say the text was not a heap summary.
func ParseHeapInfo(text string) (info HeapInfo, ok bool) {
	for _, raw := range strings.Split(text, "\n") {
		line := strings.TrimSpace(raw)
		switch {
		case strings.HasPrefix(line, "Metaspace ") && strings.Contains(line, "used "):
			ms := metaspaceOf(&info)
			ms.UsedBytes, ms.CommittedBytes, ms.ReservedBytes = sizeAfter(line, "used "), sizeAfter(line, "committed "), sizeAfter(line, "reserved ")
			ok = true
		case strings.HasPrefix(line, "class space ") && strings.Contains(line, "used "):
			ms := metaspaceOf(&info)
			ms.ClassUsedBytes, ms.ClassCommittedBytes = sizeAfter(line, "used "), sizeAfter(line, "committed ")
		case line == "Shenandoah Heap":
			info.Collector = "Shenandoah"
			ok = true
		case info.Collector == "Shenandoah" && strings.Contains(line, " soft max, ") && strings.HasSuffix(line, " used"):
			// "98304K max, 98304K soft max, 98304K committed, 71745K used"
			for _, part := range strings.Split(line, ", ") {
				val, what, _ := strings.Cut(part, " ")
				switch what {
				case "max":
					info.MaxBytes = parseSize(val)
				case "committed":
					info.CommittedBytes = parseSize(val)
				case "used":
					info.UsedBytes = parseSize(val)
				}
			}
		case strings.HasPrefix(line, "ZHeap "):
			// "ZHeap           used 76M, capacity 96M, max capacity 96M"
			info.Collector = "Z"
			info.UsedBytes = sizeAfter(line, "used ")
			info.CommittedBytes = sizeAfter(line, ", capacity ")
			info.MaxBytes = sizeAfter(line, "max capacity ")
			ok = true
		case strings.Contains(line, " total ") && strings.Contains(line, ", used "):
			// "garbage-first heap   total reserved 131072K, committed 131072K, used 98446K [...]"
			// "PSYoungGen      total 28672K, used 24693K [...]"
			name := strings.TrimSpace(line[:strings.Index(line, " total ")])
			collector, known := collectorOf[name]
			if !known {
				continue
			}
			info.Collector = collector
			committed := sizeAfter(line, "committed ")
			if committed == 0 {
				committed = sizeAfter(line, " total ")
			}
			sp := HeapSpace{Name: name, UsedBytes: sizeAfter(line, ", used "), CommittedBytes: committed}
			info.Spaces = append(info.Spaces, sp)
			info.UsedBytes += sp.UsedBytes
			info.CommittedBytes += sp.CommittedBytes
			ok = true
		}
	}
	return info, ok
}

func metaspaceOf(info *HeapInfo) *Metaspace {
	if info.Metaspace == nil {
		info.Metaspace = &Metaspace{}
	}
	return info.Metaspace
}

// sizeAfter parses the size that follows key in line ("used 98446K" → 98446 KiB), 0 if none.
func sizeAfter(line, key string) int64 {
	i := strings.Index(line, key)
	if i < 0 {
		return 0
	}
	rest := line[i+len(key):]
	end := strings.IndexAny(rest, " ,[)")
	if end >= 0 {
		rest = rest[:end]
	}
	return parseSize(rest)
}

// parseSize reads the JVM's sizes: "131072K", "76M", "1G", "512B", "4096" (bytes); KB/MB/GB too.
func parseSize(s string) int64 {
	s = strings.TrimSuffix(strings.TrimSpace(s), "B")
	mult := int64(1)
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'K', 'k':
			mult, s = 1<<10, s[:n-1]
		case 'M', 'm':
			mult, s = 1<<20, s[:n-1]
		case 'G', 'g':
			mult, s = 1<<30, s[:n-1]
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return 0
	}
	return v * mult
}

// ParseSigquitHeap finds the heap summary a JVM prints after the threads of a kill -3
// dump (the only heap evidence from a JRE-only image, where there is no jcmd) in the
// container log text. The last "Heap" line starts it; it ends at the next thread dump,
// or 64 lines later (the Shenandoah summary has blank lines inside).
func ParseSigquitHeap(logText string) (HeapInfo, bool) {
	lines := strings.Split(logText, "\n")
	start := -1
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.TrimRight(lines[i], "\r ") == "Heap" {
			start = i + 1
			break
		}
	}
	if start < 0 {
		return HeapInfo{}, false
	}
	end := min(start+64, len(lines))
	for i := start; i < end; i++ {
		if strings.HasPrefix(lines[i], "Full thread dump") || strings.HasPrefix(lines[i], `"`) {
			end = i
			break
		}
	}
	return ParseHeapInfo(strings.Join(lines[start:end], "\n"))
}
