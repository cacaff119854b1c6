package plugin

import (
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
	// Workload is what runs the pod (Deployment shop); omitted when unknown.
	Workload *Workload `json:"workload,omitempty"`
}

// CaptureDetail answers GET /captures/{id}.
type CaptureDetail struct {
	CaptureSummary
	RequestedBy string        `json:"requestedBy"`
	Alert       *alert.Alert  `json:"alert"`
	Processes   []jvm.Process `json:"processes"`
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
	return s
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
	return d
}
