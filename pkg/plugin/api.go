package plugin

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/seed/stackcapture/pkg/alert"
	"github.com/seed/stackcapture/pkg/jvm"
	"github.com/seed/stackcapture/pkg/store"
)

// The JSON the resource routes answer. These types are the contract with the frontend:
// contract/*.json holds one example of each, the Go tests check the API against them and
// the Jest tests render every view from them.

// SubmitResponse answers POST /webhook and POST /captures.
type SubmitResponse struct {
	Accepted []AcceptedCapture `json:"accepted"`
	Skipped  []alert.Skipped   `json:"skipped"`
}

// AcceptedCapture is a capture queued by a request.
type AcceptedCapture struct {
	ID        int64  `json:"id"`
	Cluster   string `json:"cluster"`
	Namespace string `json:"namespace"`
	Pod       string `json:"pod"`
	Container string `json:"container"`
}

// ListResponse answers GET /captures.
type ListResponse struct {
	Captures   []CaptureSummary `json:"captures"`
	NextCursor string           `json:"nextCursor"`
}

// TopThread is the busiest thread of a capture, for lists.
type TopThread struct {
	Name       string  `json:"name"`
	NativeID   int     `json:"nid"`
	CPUPercent float64 `json:"cpuPercent"`
}

// CaptureSummary is one row of a list. Times are epoch milliseconds, null when not reached.
type CaptureSummary struct {
	ID            int64      `json:"id"`
	Status        string     `json:"status"`
	Trigger       string     `json:"trigger"`
	Cluster       string     `json:"cluster"`
	Namespace     string     `json:"namespace"`
	Pod           string     `json:"pod"`
	Container     string     `json:"container"`
	Node          string     `json:"node"`
	CreatedAt     int64      `json:"createdAt"`
	StartedAt     *int64     `json:"startedAt"`
	FinishedAt    *int64     `json:"finishedAt"`
	Error         string     `json:"error"`
	NextAllowedAt *int64     `json:"nextAllowedAt"`
	Truncated     bool       `json:"truncated"`
	WindowMs      int64      `json:"windowMs"`
	AlertName     string     `json:"alertname"`
	DashboardUID  string     `json:"dashboardUid"`
	PanelID       int64      `json:"panelId"`
	TopThread     *TopThread `json:"topThread"`
	// Focus is what the capture looked at: "cpu", "memory" or "all" (captures from before foci
	// read "cpu"). Always set by the backend; omitempty lets contract/detail-done.json stay the
	// example of a capture as the frontend knew it before kinds of evidence.
	Focus string `json:"focus,omitempty"`
	// EvidenceKinds are the kinds of evidence the capture holds something of, in the order
	// taken ("jvm-threads" when it has threads); never null.
	EvidenceKinds []string `json:"evidenceKinds"`
	// TopFunction is the hottest Go function of its CPU profiles, like TopThread for JVMs, or
	// what fills the heap of a memory capture.
	TopFunction *TopFunction `json:"topFunction"`
	// Workload is what runs the pod (Deployment shop); omitted when unknown.
	Workload *Workload `json:"workload,omitempty"`
}

// TopFunction is a capture's answer besides its top thread, for lists: the Go function with
// the most CPU ("cpu"), or for a memory capture, or one with no CPU answer, what fills the
// heap ("heap"): a JVM's top class or the Go function with the most bytes in use.
type TopFunction struct {
	// Kind is "cpu" or "heap": which of CPUPercent and Bytes it carries.
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Container string `json:"container"`
	// CPUPercent is its flat CPU over the window; 100 = one core, as for threads. Kind "cpu" only.
	CPUPercent *float64 `json:"cpuPercent,omitempty"`
	// Bytes are its bytes in use on the heap. Kind "heap" only.
	Bytes *int64 `json:"bytes,omitempty"`
}

// Evidence is one piece of evidence of a capture besides its JVM threads.
type Evidence struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	Container string     `json:"container"`
	Source    string     `json:"source"`
	Path      string     `json:"path"`
	StartedAt *time.Time `json:"startedAt"` // RFC 3339; null when the room did not say
	TookMs    int64      `json:"tookMs"`
	Truncated bool       `json:"truncated"`
	Failure   *Failure   `json:"failure"`
	// Summary is the kind's own JSON (see contract/evidence/<kind>.json), or null.
	Summary  json.RawMessage `json:"summary"`
	RawBytes int64           `json:"rawBytes"`
	// RawURL is where the raw bytes download, relative to the plugin's resources; omitted
	// when none were kept.
	RawURL string `json:"rawUrl,omitempty"`
}

// Failure says why a piece of evidence could not be taken.
type Failure struct {
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// CaptureDetail answers GET /captures/{id}.
type CaptureDetail struct {
	CaptureSummary
	RequestedBy string        `json:"requestedBy"`
	Alert       *alert.Alert  `json:"alert"`
	Processes   []jvm.Process `json:"processes"`
	Evidence    []Evidence    `json:"evidence"`
}

func epochMs(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	ms := t.UnixMilli()
	return &ms
}

func summaryOf(c *store.Capture) CaptureSummary {
	s := CaptureSummary{
		ID:            c.ID,
		Status:        string(c.Status),
		Trigger:       string(c.Trigger),
		Cluster:       c.Cluster,
		Namespace:     c.Namespace,
		Pod:           c.Pod,
		Container:     c.Container,
		Node:          c.Node,
		CreatedAt:     c.CreatedAt.UnixMilli(),
		StartedAt:     epochMs(c.StartedAt),
		FinishedAt:    epochMs(c.FinishedAt),
		Error:         c.Error,
		NextAllowedAt: epochMs(c.NextAllowedAt),
		Truncated:     c.Truncated,
		WindowMs:      c.WindowMs,
		// From the capture's own columns: a list does not read the stored alert.
		AlertName:    c.AlertName,
		DashboardUID: c.DashboardUID,
		PanelID:      c.PanelID,
		Workload:     workloadOf(c),
	}
	if c.TopThread != nil {
		s.TopThread = &TopThread{Name: c.TopThread.Name, NativeID: c.TopThread.NativeID, CPUPercent: c.TopThread.CPUPercent}
	}
	s.Focus = string(c.Focus)
	s.EvidenceKinds = make([]string, 0, len(c.EvidenceKinds))
	for _, k := range c.EvidenceKinds {
		s.EvidenceKinds = append(s.EvidenceKinds, string(k))
	}
	if f := c.TopFunction; f != nil {
		s.TopFunction = &TopFunction{Kind: string(f.Kind), Name: f.Name, Container: f.Container}
		if f.Kind == store.TopHeap {
			b := f.Bytes
			s.TopFunction.Bytes = &b
		} else {
			cpu := f.Share * 100
			s.TopFunction.Kind, s.TopFunction.CPUPercent = string(store.TopCPU), &cpu
		}
	}
	return s
}

// rawURL is the download route of a piece's raw bytes.
func rawURL(captureID, evidenceID int64) string {
	return fmt.Sprintf("captures/%d/evidence/%d/raw", captureID, evidenceID)
}

func evidenceOf(captureID int64, e store.Evidence) Evidence {
	out := Evidence{
		ID:        e.ID,
		Kind:      string(e.Kind),
		Container: e.Container,
		Source:    e.Source,
		Path:      e.Path,
		TookMs:    e.Took.Milliseconds(),
		Truncated: e.Truncated,
		Summary:   e.Summary,
		RawBytes:  e.RawBytes,
	}
	if !e.Started.IsZero() {
		at := e.Started.UTC()
		out.StartedAt = &at
	}
	if e.Failure != nil {
		out.Failure = &Failure{Reason: e.Failure.Reason, Message: e.Failure.Message}
	}
	if len(out.Summary) == 0 {
		out.Summary = nil
	}
	if e.RawBytes > 0 {
		out.RawURL = rawURL(captureID, e.ID)
	}
	return out
}

func detailOf(c *store.Capture) CaptureDetail {
	d := CaptureDetail{
		CaptureSummary: summaryOf(c),
		RequestedBy:    c.RequestedBy,
		Alert:          c.Alert,
		Processes:      c.Processes,
	}
	if d.Processes == nil {
		d.Processes = []jvm.Process{}
	}
	d.Evidence = make([]Evidence, 0, len(c.Evidence))
	for _, e := range c.Evidence {
		d.Evidence = append(d.Evidence, evidenceOf(c.ID, e))
	}
	return d
}
