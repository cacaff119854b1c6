package alert

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/seed/stackcapture/pkg/evidence"
)

// PayloadVersion is the only version of Grafana's webhook payload this package reads.
const PayloadVersion = "1"

// ErrNotWebhook marks a body that is JSON but not a Grafana webhook payload.
var ErrNotWebhook = errors.New("not a Grafana webhook payload")

// Webhook is the subset of Grafana's webhook contact point payload (version "1") that matters here.
type Webhook struct {
	Receiver string         `json:"receiver"`
	Status   string         `json:"status"`
	Version  string         `json:"version"`
	OrgID    int64          `json:"orgId"`
	Alerts   []WebhookAlert `json:"alerts"`
}

// WebhookAlert is one alert of a webhook payload.
type WebhookAlert struct {
	Status       string             `json:"status"`
	Labels       map[string]string  `json:"labels"`
	Annotations  map[string]string  `json:"annotations"`
	StartsAt     time.Time          `json:"startsAt"`
	EndsAt       time.Time          `json:"endsAt"`
	GeneratorURL string             `json:"generatorURL"`
	Fingerprint  string             `json:"fingerprint"`
	DashboardURL string             `json:"dashboardURL"`
	PanelURL     string             `json:"panelURL"`
	RuleUID      string             `json:"ruleUID"`
	Values       map[string]float64 `json:"values"`
	OrgID        int64              `json:"orgId"`
}

// Decode parses a webhook body. The error says what is wrong in words a Grafana admin can act on;
// it wraps ErrNotWebhook when the JSON is well-formed but is not Grafana's payload.
func Decode(body []byte) (*Webhook, error) {
	// A first pass into raw fields tells "not JSON" apart from "JSON of another shape",
	// and lets the check below say which field is missing instead of guessing.
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errors.New("empty body: expected the JSON of Grafana's webhook contact point")
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, fmt.Errorf("malformed JSON: %w", describeJSONError(body, err))
	}
	if _, ok := probe["alerts"]; !ok {
		return nil, fmt.Errorf("%w: no \"alerts\" field", ErrNotWebhook)
	}
	rawVersion, ok := probe["version"]
	if !ok {
		return nil, fmt.Errorf("%w: no \"version\" field", ErrNotWebhook)
	}
	var version string
	if err := json.Unmarshal(rawVersion, &version); err != nil || version != PayloadVersion {
		return nil, fmt.Errorf("%w: payload version %s, want %q (Grafana's webhook contact point)",
			ErrNotWebhook, strings.TrimSpace(string(rawVersion)), PayloadVersion)
	}
	var w Webhook
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotWebhook, describeJSONError(body, err))
	}
	return &w, nil
}

// describeJSONError adds the byte offset of a syntax error, which encoding/json keeps out of the message.
func describeJSONError(body []byte, err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Errorf("%v at byte %d of %d", syn, syn.Offset, len(body))
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		field := typ.Field
		if field == "" {
			field = "(top level)"
		}
		return fmt.Errorf("field %s: got JSON %s, want %s", field, typ.Value, typ.Type)
	}
	return err
}

// LabelNames says which alert labels name the namespace, pod, container and node.
type LabelNames struct {
	Namespace string `json:"namespace"`
	Pod       string `json:"pod"`
	Container string `json:"container"`
	Node      string `json:"node"`
}

// DefaultLabelNames are the label names of cAdvisor and kube-state-metrics series.
func DefaultLabelNames() LabelNames {
	return LabelNames{Namespace: "namespace", Pod: "pod", Container: "container", Node: "node"}
}

// Alternates are label names tried, in order, after the configured one. exported_* come first among
// them because Prometheus writes the series' own value there when a scrape target's label collided.
func alternates(field string) []string {
	switch field {
	case "namespace":
		return []string{"exported_namespace", "namespace", "kubernetes_namespace"}
	case "pod":
		return []string{"exported_pod", "pod", "kubernetes_pod_name", "pod_name"}
	case "container":
		return []string{"exported_container", "container", "kubernetes_container_name", "container_name"}
	case "node":
		return []string{"exported_node", "node", "kubernetes_node", "instance_node"}
	}
	return nil
}

// lookup returns the first non-empty value among the configured label and its alternates.
// A label name the admin configured wins; the default name takes its place among the alternates,
// behind exported_*, so a kube-state-metrics series names its pod, not the exporter's.
func lookup(labels map[string]string, configured, field string) string {
	if configured != "" && configured != field {
		if v := strings.TrimSpace(labels[configured]); v != "" {
			return v
		}
	}
	for _, name := range alternates(field) {
		if v := strings.TrimSpace(labels[name]); v != "" {
			return v
		}
	}
	return ""
}

// grafanaMetaAlerts are alerts Grafana raises about a rule itself: they carry the rule's
// labels but say nothing about the pod, so capturing on them would blame the workload.
var grafanaMetaAlerts = map[string]string{
	"DatasourceError":  "Grafana DatasourceError alert: the rule's query failed, it says nothing about the pod",
	"DatasourceNoData": "Grafana DatasourceNoData alert: the rule's query returned no data, it says nothing about the pod",
}

// Targets turns a webhook into capture targets and the alerts skipped, each with a reason.
// Identical targets are captured once; the first alert naming a target is kept with it.
func Targets(w *Webhook, names LabelNames) ([]Target, []Skipped) {
	var (
		targets []Target
		skipped []Skipped
		seen    = make(map[[3]string]int) // target → its index in targets
	)
	for _, a := range w.Alerts {
		alertName := capValue(a.Labels["alertname"], MaxLabelValueBytes)
		ns := lookup(a.Labels, names.Namespace, "namespace")
		pod := lookup(a.Labels, names.Pod, "pod")
		container := lookup(a.Labels, names.Container, "container")
		if container == "POD" { // cAdvisor's pause container: never a JVM; probe the pod instead
			container = ""
		}
		node := validNode(lookup(a.Labels, names.Node, "node"))
		// Names are checked before anything else, so no path below (skip records, reasons,
		// logs) ever carries a label value that is not a Kubernetes name.
		invalid := validateFound(ns, pod, container)
		if invalid != nil {
			// The raw values may be anything; the record keeps the bounded reason, not the names.
			ns, pod, container = "", "", ""
		}
		skip := func(reason string, record bool) {
			s := Skipped{Namespace: ns, Pod: pod, Container: container, AlertName: alertName, Reason: reason, Record: record}
			if record {
				s.Alert = keep(a, w.OrgID, names)
			}
			skipped = append(skipped, s)
		}
		if a.Status != "firing" {
			skip(fmt.Sprintf("alert is %s, only firing alerts are captured", orUnknown(a.Status)), false)
			continue
		}
		if reason, meta := grafanaMetaAlerts[a.Labels["alertname"]]; meta {
			skip(reason, true)
			continue
		}
		if invalid != nil {
			skip(invalid.Error(), true)
			continue
		}
		// A node alert (a node label and no pod) is about the node itself: its kubelet.
		nodeAlert := pod == "" && node != ""
		if (ns == "" || pod == "") && !nodeAlert {
			skip(missingLabels(names, ns == "", pod == ""), true)
			continue
		}
		focus, err := focusOf(a.Labels)
		if err != nil {
			skip(err.Error(), true)
			continue
		}
		key := [3]string{ns, pod, container}
		if nodeAlert {
			key = [3]string{"", "node/" + node, ""}
		}
		if i, dup := seen[key]; dup {
			// One capture of the target takes what both alerts ask for.
			targets[i].Focus = unionFocus(targets[i].Focus, focus)
			skip("duplicate of an earlier alert in the same notification", false)
			continue
		}
		seen[key] = len(targets)
		targets = append(targets, Target{
			Namespace: ns,
			Pod:       pod,
			Container: container,
			Node:      node,
			Alert:     keep(a, w.OrgID, names),
			Focus:     focus,
		})
	}
	return targets, skipped
}

// legacyFoci are capture label values from before foci, read as the focus they meant: the
// provisioned rules of earlier versions carry capture=threads (and route on it).
var legacyFoci = map[string]evidence.Focus{"threads": evidence.FocusCPU}

// focusOf reads the alert's capture label: empty when absent (the org's defaultCapture
// applies), an error naming the valid values when it is not one.
func focusOf(labels map[string]string) (evidence.Focus, error) {
	v := strings.TrimSpace(labels[evidence.FocusLabel])
	if v == "" {
		return "", nil
	}
	if f, ok := legacyFoci[strings.ToLower(v)]; ok {
		return f, nil
	}
	f, err := evidence.ParseFocus(v)
	if err != nil {
		names := make([]string, 0, len(evidence.Foci()))
		for _, f := range evidence.Foci() {
			names = append(names, string(f))
		}
		return "", fmt.Errorf("unknown %s label %s: use one of %s, or leave the label out for the app's defaultCapture setting",
			evidence.FocusLabel, QuoteBounded(v), strings.Join(names, ", "))
	}
	return f, nil
}

// unionFocus is what one capture takes for two alerts on the same target: their common focus,
// else all (a label-less alert's default is not known here, so it may differ too).
func unionFocus(a, b evidence.Focus) evidence.Focus {
	if a == b {
		return a
	}
	return evidence.FocusAll
}

// validateFound checks the names an alert carries; missing ones are reported elsewhere.
func validateFound(ns, pod, container string) error {
	if ns == "" || pod == "" {
		// Check what is there with a placeholder for what is not, so a huge value in the one
		// label present is still refused before its skip record is built.
		if ns == "" {
			ns = "placeholder"
		}
		if pod == "" {
			pod = "placeholder"
		}
	}
	return ValidateNames(ns, pod, container)
}

func orUnknown(s string) string {
	if s == "" {
		return "without status"
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return "of status " + QuoteBounded(s) // not Grafana's: quoted and bounded
		}
	}
	if len(s) > 32 {
		return "of status " + QuoteBounded(s)
	}
	return s
}

func missingLabels(names LabelNames, noNamespace, noPod bool) string {
	var missing []string
	if noNamespace {
		missing = append(missing, fmt.Sprintf("namespace (label %q)", names.Namespace))
	}
	if noPod {
		missing = append(missing, fmt.Sprintf("pod (label %q)", names.Pod))
	}
	return "alert has no " + strings.Join(missing, " and no ") +
		": keep these labels in the rule's query, or map them in the app's label settings"
}

// keep copies what a capture stores of an alert: only http(s) URLs, and labels, values and
// texts within the caps of sanitize.go.
func keep(a WebhookAlert, orgID int64, names LabelNames) *Alert {
	kept := &Alert{
		AlertName:    capValue(a.Labels["alertname"], MaxLabelValueBytes),
		RuleUID:      capValue(a.RuleUID, MaxIDBytes),
		Fingerprint:  capValue(a.Fingerprint, MaxIDBytes),
		StartsAt:     a.StartsAt.UTC(),
		Labels:       capLabels(a.Labels, names),
		Summary:      capValue(a.Annotations["summary"], MaxSummaryBytes),
		Values:       capValues(a.Values),
		GeneratorURL: SafeURL(a.GeneratorURL),
		DashboardURL: SafeURL(a.DashboardURL),
		PanelURL:     SafeURL(a.PanelURL),
		OrgID:        a.OrgID,
	}
	if kept.OrgID == 0 {
		kept.OrgID = orgID
	}
	kept.DashboardUID, kept.PanelID = PanelRef(kept.DashboardURL, kept.PanelURL)
	// Older Grafana versions and Alertmanager-routed alerts may still carry the annotations.
	if uid := a.Annotations["__dashboardUid__"]; uid != "" && kept.DashboardUID == "" {
		kept.DashboardUID = capValue(uid, MaxIDBytes)
	}
	if id, err := strconv.ParseInt(a.Annotations["__panelId__"], 10, 64); err == nil && kept.PanelID == 0 {
		kept.PanelID = id
	}
	return kept
}

// PanelRef finds the dashboard UID and panel id in the dashboardURL and panelURL of an alert:
// ".../d/<uid>[/<slug>]?...&viewPanel=<id>" (Grafana 12 scenes may write viewPanel=panel-<id>).
// Grafana may serve under a sub-path, so the "d" segment is searched for, not assumed first.
func PanelRef(dashboardURL, panelURL string) (dashboardUID string, panelID int64) {
	for _, raw := range []string{panelURL, dashboardURL} {
		if raw == "" {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil {
			continue
		}
		if dashboardUID == "" {
			segments := strings.Split(strings.Trim(u.Path, "/"), "/")
			for i := 0; i+1 < len(segments); i++ {
				if segments[i] == "d" && segments[i+1] != "" {
					dashboardUID = segments[i+1]
					break
				}
			}
		}
		if panelID == 0 {
			view := strings.TrimPrefix(u.Query().Get("viewPanel"), "panel-")
			if id, err := strconv.ParseInt(view, 10, 64); err == nil && id > 0 {
				panelID = id
			}
		}
	}
	return dashboardUID, panelID
}
