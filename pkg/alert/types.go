// Package alert turns the JSON that Grafana's webhook contact point sends into capture targets.
package alert

import (
	"time"

	"github.com/seed/stackcapture/pkg/evidence"
)

// Alert is what a capture keeps of the alert that caused it.
type Alert struct {
	AlertName    string             `json:"alertname"`
	RuleUID      string             `json:"ruleUID,omitempty"`
	Fingerprint  string             `json:"fingerprint,omitempty"`
	StartsAt     time.Time          `json:"startsAt"`
	Labels       map[string]string  `json:"labels,omitempty"`
	Summary      string             `json:"summary,omitempty"`
	Values       map[string]float64 `json:"values,omitempty"`
	GeneratorURL string             `json:"generatorURL,omitempty"`
	DashboardURL string             `json:"dashboardURL,omitempty"`
	PanelURL     string             `json:"panelURL,omitempty"`
	// DashboardUID and PanelID come from DashboardURL and PanelURL: Grafana strips the
	// __dashboardUid__ and __panelId__ labels from webhook payloads.
	DashboardUID string `json:"dashboardUid,omitempty"`
	PanelID      int64  `json:"panelId,omitempty"`
	OrgID        int64  `json:"orgId,omitempty"`
}

// Target is one container to capture. Container may be empty: then every container
// of the pod is probed and each that runs a JVM is captured. Pod is empty for a node alert
// (a node label and no pod): then the node itself (its kubelet) is the target.
type Target struct {
	Namespace string
	Pod       string
	Container string
	Node      string // may be empty: then the pod's spec.nodeName
	Alert     *Alert
	// Focus is what to look at, from the alert's capture label; empty: the org's
	// defaultCapture (the capture takes cpu when that too is unset).
	Focus evidence.Focus
}

// Skipped is an alert that yields no capture, with the reason.
type Skipped struct {
	Namespace string `json:"namespace"`
	Pod       string `json:"pod"`
	Container string `json:"container"`
	AlertName string `json:"alertname"`
	Reason    string `json:"reason"`
	// Record says the skip belongs in the capture history, so a misconfigured rule shows up
	// where people look for captures. Resolved alerts and in-payload duplicates are not recorded:
	// every firing alert resolves once, and that is not news.
	Record bool   `json:"-"`
	Alert  *Alert `json:"-"`
}
