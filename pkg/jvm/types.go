// Package jvm holds the in-container probe script and turns what it prints
// (/proc task stats and HotSpot thread dumps) into ranked threads.
package jvm

// DumpSource says how a thread dump was obtained.
type DumpSource string

// The ways a dump is taken, in the order the probe tries them.
const (
	SourceAttach  DumpSource = "attach"  // the probe's attach client: Thread.print -l over the attach socket
	SourceJcmd    DumpSource = "jcmd"    // jcmd <pid> Thread.print -l
	SourceJstack  DumpSource = "jstack"  // jstack -l <pid>
	SourceSigquit DumpSource = "sigquit" // kill -3, dump read back from the container log
)

// Process is one JVM found in a container, with its busiest threads.
type Process struct {
	PID         int        `json:"pid"`
	Container   string     `json:"container,omitempty"`
	Command     string     `json:"command,omitempty"`    // /proc/<pid>/cmdline, NULs as spaces, capped
	JVM         string     `json:"jvm,omitempty"`        // the dump's banner, e.g. "OpenJDK 64-Bit Server VM (17.0.15+6 ...)"
	DumpSource  DumpSource `json:"dumpSource,omitempty"` // how the dump was taken
	WindowMs    int64      `json:"windowMs"`             // measured sampling window
	ThreadCount int        `json:"threadCount"`          // threads seen in /proc at the end of the window
	CPUPercent  float64    `json:"cpuPercent"`           // whole process over the window; 100 = one core
	Threads     []Thread   `json:"threads"`              // top N by CPU, busiest first
	Deadlocks   []string   `json:"deadlocks,omitempty"`  // "Found one Java-level deadlock" sections, verbatim
	Truncated   bool       `json:"truncated,omitempty"`  // output was cut at maxOutputBytes
	Error       string     `json:"error,omitempty"`      // why this process has no (complete) result
	Raw         string     `json:"-"`                    // the whole raw thread dump, stored compressed
}

// Thread is one thread of a JVM: CPU from /proc joined with its stack from the dump by native id.
type Thread struct {
	Name       string  `json:"name"`
	NativeID   int     `json:"nid"`              // the kernel tid: nid=0x2d5c (JDK ≤ 20) or nid=11789 (JDK 21+)
	JavaID     int64   `json:"javaId,omitempty"` // "#12"; absent for VM-internal threads
	Daemon     bool    `json:"daemon,omitempty"`
	Priority   int     `json:"priority,omitempty"`
	CPUPercent float64 `json:"cpuPercent"`          // over the window; 100 = one core
	CPUMs      int64   `json:"cpuMs"`               // user+system CPU over the window
	State      string  `json:"state,omitempty"`     // java.lang.Thread.State, e.g. RUNNABLE; empty for VM threads
	StateInfo  string  `json:"stateInfo,omitempty"` // "(sleeping)", "(on object monitor)", ...
	Frames     []Frame `json:"frames,omitempty"`
	Locks      []Lock  `json:"locks,omitempty"`      // per-frame lock lines: waiting on / locked / parking
	OwnedSyncs []Lock  `json:"ownedSyncs,omitempty"` // "Locked ownable synchronizers"
	InDump     bool    `json:"inDump"`               // false: seen in /proc only (the thread ended, or is not a Java thread)
}

// Frame is one "at ..." line of a stack.
type Frame struct {
	Method string `json:"method"`           // java.lang.Thread.sleep
	Source string `json:"source,omitempty"` // java.base@17.0.15/Native Method, Workload.java:18
}

// Lock is a monitor or synchronizer a thread holds or waits for.
type Lock struct {
	Kind  string `json:"kind"`            // "waiting on", "locked", "waiting to lock", "parking to wait for", "waiting to re-lock", "owned"
	ID    string `json:"id"`              // 0x000000069ec30e90
	Class string `json:"class,omitempty"` // java.lang.Object
	Frame int    `json:"frame"`           // index of the frame the line follows; -1 for owned synchronizers
}
