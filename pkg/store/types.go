// Package store keeps captures in a SQLite file (modernc.org/sqlite, no cgo).
package store

import (
	"errors"
	"time"

	"github.com/seed/stackcapture/pkg/alert"
	"github.com/seed/stackcapture/pkg/evidence"
	"github.com/seed/stackcapture/pkg/jvm"
)

// Status is where a capture is in its lifecycle: queued → running → done | failed | skipped.
type Status string

// The statuses; done, failed and skipped are final.
const (
	StatusQueued  Status = "queued"
	StatusRunning Status = "running"
	StatusDone    Status = "done"
	StatusFailed  Status = "failed"
	StatusSkipped Status = "skipped"
)

// Valid reports whether s is one of the known statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusQueued, StatusRunning, StatusDone, StatusFailed, StatusSkipped:
		return true
	}
	return false
}

// Trigger says what asked for a capture.
type Trigger string

// The triggers: Grafana's contact point, or a person's Capture now.
const (
	TriggerAlert  Trigger = "alert"
	TriggerManual Trigger = "manual"
)

// ErrNotFound is returned for a capture id that does not exist.
var ErrNotFound = errors.New("capture not found")

// Capture is one attempt to capture the busiest threads of one container.
type Capture struct {
	ID      int64
	OrgID   int64  // Grafana org; 0 is stored as 1 (the Main Org)
	Cluster string // server-configured cluster name; empty for captures from before clusters
	// Owner names the process running the capture (see the plugin's process id); crash
	// recovery fails only captures whose owner is dead.
	Owner string
	// Deadline is when a queued or running capture is overdue: the sweep fails it then.
	Deadline    time.Time
	Status      Status
	Trigger     Trigger
	RequestedBy string // Grafana login for manual captures, or the contact point's service account
	Namespace   string
	Pod         string
	Container   string // empty while the container is not yet resolved
	Node        string
	CreatedAt   time.Time
	StartedAt   time.Time // zero until running
	FinishedAt  time.Time // zero until done, failed or skipped
	Error       string    // the reason for failed and skipped
	// NextAllowedAt is, for a capture skipped by the cooldown, when the next capture of that container may run.
	NextAllowedAt time.Time
	Truncated     bool
	WindowMs      int64
	Alert         *alert.Alert // nil for manual captures, and in lists
	// What lists show of the alert, from columns of their own: empty for manual captures.
	AlertName    string
	DashboardUID string
	PanelID      int64
	Processes    []jvm.Process
	// TopThread is the busiest thread of all processes; filled by List and Get.
	TopThread *jvm.Thread
	// Focus is what the alert asked the capture to look at; empty is stored as cpu, and
	// captures from before foci read cpu.
	Focus evidence.Focus
	// EvidenceKinds are the kinds the capture holds something of (jvm-threads when it has
	// threads, then each piece's kind once, a failed piece only when it kept a summary), in
	// the order taken; filled by List and Get from a column of their own.
	EvidenceKinds []evidence.Kind
	// TopFunction is the hottest Go function of the capture's CPU profiles or, for a memory
	// capture (or one with no CPU answer), what fills its heap; filled by List and Get.
	TopFunction *TopFunction
	// Evidence are the pieces of evidence besides the JVM threads, without their raw bytes
	// (see StreamEvidenceRaw); filled by Get only.
	Evidence []Evidence
	// Workload is what runs the pod (SetWorkload); zero when unknown.
	Workload Workload
}

// TopFunction is a capture's one-line answer besides TopThread. For a CPU answer (Kind
// TopCPU) it is the function with the most flat CPU over the window of its go-cpu pieces:
// what TopThread is for JVMs. For a heap answer (Kind TopHeap) it is what fills the heap:
// the top class of a JVM's class histogram (jvm-heap) or the Go function with the most
// in-use bytes (go-heap).
type TopFunction struct {
	Kind      TopKind
	Name      string
	Container string
	Share     float64 // TopCPU: flat CPU over the window, 1 = one core
	Bytes     int64   // TopHeap: bytes in use
}

// TopKind says what a TopFunction measures.
type TopKind string

// The kinds of TopFunction.
const (
	TopCPU  TopKind = "cpu"
	TopHeap TopKind = "heap"
)

// Evidence is one stored piece of evidence of a capture. Piece.Raw is nil on reads.
type Evidence struct {
	ID int64
	evidence.Piece
	// RawBytes is the length of the raw evidence as downloaded; 0 when none was kept.
	RawBytes int64
}

// Filter selects captures for List. Zero values match everything.
type Filter struct {
	OrgID        int64 // 0 matches every org: only internal callers; routes always set it
	Cluster      string
	Namespace    string
	Pod          string
	Container    string
	Node         string
	Status       Status
	From, To     time.Time // on CreatedAt, inclusive
	DashboardUID string
	PanelID      int64
	Limit        int    // 1..500; 0 means 50
	Cursor       string // opaque, from a previous Page.Next
}

// Page is one page of List results, newest first.
type Page struct {
	Captures []Capture // without Processes' stacks: List fills TopThread only
	Next     string    // cursor for the next page; empty on the last page
}

// RawDump is the raw thread dump of one JVM process of a capture.
type RawDump struct {
	PID       int
	Container string
	Text      string
}
