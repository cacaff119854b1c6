package jvmheap

import (
	"strings"

	"github.com/seed/stackcapture/pkg/jvm"
)

// Evidence is the "jvm-heap" evidence for one JVM (see pkg/pprof/doc.go for the shape
// every evidence kind follows). Parts that could not be read are nil and say why in
// Failures; the rest is kept: partial evidence is not a failure.
type Evidence struct {
	PID          int           `json:"pid"`
	Command      string        `json:"command,omitempty"`
	Mode         HistogramMode `json:"histogramMode"`
	Heap         *HeapInfo     `json:"heap,omitempty"`
	Histogram    *Histogram    `json:"histogram,omitempty"`
	Metaspace    *Metaspace    `json:"metaspace,omitempty"`
	NativeMemory *NativeMemory `json:"nativeMemory,omitempty"`
	Failures     []Failure     `json:"failures,omitempty"`
}

// Failure says why one part of the evidence is missing.
type Failure struct {
	Part    string `json:"part"`   // heap, histogram, metaspace, native-memory, or all
	Reason  string `json:"reason"` // one of the Reason* constants
	Message string `json:"message"`
}

// Reasons a part is missing, a closed set the UI can branch on.
const (
	ReasonNoJcmd         = "no-jcmd"         // JRE-only image: the kill -3 heap summary is all there is
	ReasonAttachUnsafe   = "attach-unsafe"   // -Xrs JVM without attach socket: attaching would kill it
	ReasonAttachFailed   = "attach-failed"   // jcmd could not attach (other user, /tmp not shared, exited)
	ReasonMemoryHeadroom = "memory-headroom" // the container is too near its memory limit to start jcmd's JVM
	ReasonTimeout        = "timeout"         // the tool ran over its timeout
	ReasonNMTOff         = "nmt-off"         // the JVM runs without -XX:NativeMemoryTracking
	ReasonNotTaken       = "not-taken"       // the mode says so (histogram "none")
	ReasonCommandFailed  = "command-failed"  // jcmd answered, but not with what was asked
	ReasonTruncated      = "truncated"       // the output was cut before this part
)

// Summarize turns one JVM's script output into evidence, keeping top histogram rows.
// complete is whether the script's output reached "@sc done". The JVM's command line is
// masked as the thread capture's is (jvm.MaskSecrets): the summary is stored and every
// Viewer of the org sees it, so a -Ddb.password=… must not reach it.
func Summarize(j *JVMOutput, mode HistogramMode, top int, complete bool) *Evidence {
	ev := &Evidence{PID: j.PID, Command: jvm.MaskSecrets(j.Command), Mode: mode}
	fail := func(part, reason, msg string) {
		ev.Failures = append(ev.Failures, Failure{Part: part, Reason: reason, Message: msg})
	}
	for _, e := range j.Errors {
		switch {
		case strings.Contains(e, "no jcmd"):
			fail("all", ReasonNoJcmd, "no jcmd in the image (JRE only): the heap summary the JVM prints after a kill -3 thread dump is shown instead; use a JDK image for the class histogram")
		case strings.Contains(e, "memory limit"):
			fail("all", ReasonMemoryHeadroom, e)
		case strings.Contains(e, "-Xrs"):
			fail("all", ReasonAttachUnsafe, "the JVM runs with -Xrs and has no attach socket: attaching would terminate it, so no heap evidence was taken")
		default:
			fail("all", ReasonAttachFailed, e)
		}
	}
	cmds := map[string]CommandOutput{}
	for _, c := range j.Commands {
		cmds[c.Name] = c
	}
	if len(j.Errors) > 0 && len(j.Commands) == 0 {
		return ev
	}
	missing := func(part, name string) bool {
		c, ok := cmds[name]
		if !ok {
			if !complete {
				fail(part, ReasonTruncated, "the heap probe's output ended before "+name)
			}
			return true
		}
		if strings.HasPrefix(c.Text, "timed out after") {
			fail(part, ReasonTimeout, "jcmd "+name+" "+firstLine(c.Text))
			return true
		}
		return false
	}
	if !missing("heap", "heap_info") {
		if hi, ok := ParseHeapInfo(cmds["heap_info"].Text); ok {
			ev.Heap = &hi
			ev.Metaspace = hi.Metaspace
		} else {
			fail("heap", commandReason(cmds["heap_info"]), "GC.heap_info: "+firstLines(cmds["heap_info"].Text))
		}
	}
	if ev.Metaspace == nil {
		if c, ok := cmds["metaspace"]; ok {
			if hi, ok := ParseHeapInfo(c.Text); ok && hi.Metaspace != nil {
				ev.Metaspace = hi.Metaspace
			} else {
				fail("metaspace", commandReason(c), "VM.metaspace: "+firstLines(c.Text))
			}
		} else if ev.Heap != nil {
			fail("metaspace", ReasonCommandFailed, "neither GC.heap_info nor VM.metaspace reported Metaspace")
		}
	}
	if mode == HistogramNone {
		fail("histogram", ReasonNotTaken, "class histogram mode is none: no heap walk was done")
	} else if !missing("histogram", "class_histogram") {
		c := cmds["class_histogram"]
		if h, ok := ParseHistogram(c.Text, top); ok {
			h.All = mode == HistogramAll
			ev.Histogram = &h
		} else {
			fail("histogram", commandReason(c), "GC.class_histogram: "+firstLines(c.Text))
		}
	}
	if !missing("native-memory", "native_memory") {
		c := cmds["native_memory"]
		nm, enabled, ok := ParseNativeMemory(c.Text)
		switch {
		case ok && !enabled:
			fail("native-memory", ReasonNMTOff, "the JVM runs without native memory tracking; start it with -XX:NativeMemoryTracking=summary (about 5% overhead) to see where its non-heap memory goes")
		case ok:
			ev.NativeMemory = &nm
		default:
			fail("native-memory", commandReason(c), "VM.native_memory summary: "+firstLines(c.Text))
		}
	}
	return ev
}

func commandReason(c CommandOutput) string {
	if strings.Contains(c.Text, "AttachNotSupportedException") || strings.Contains(c.Text, "Unable to open socket") {
		return ReasonAttachFailed
	}
	return ReasonCommandFailed
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// firstLines is the start of a tool's answer for a failure message, without jcmd's "PID:" line.
func firstLines(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 0 && strings.HasSuffix(lines[0], ":") {
		lines = lines[1:]
	}
	out := strings.Join(lines[:min(len(lines), 3)], " / ")
	if len(out) > 300 {
		out = out[:300] + "…"
	}
	if out == "" {
		return "no output"
	}
	return out
}
