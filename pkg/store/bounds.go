package store

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"unicode/utf8"

	"github.com/seed/stackcapture/pkg/alert"
)

// What one capture row may hold of text that comes from outside (alerts, reasons that quote
// them, thread names chosen by application code). Lists read the row's columns for up to 500
// captures at once, so each column a list shows is bounded, and the stored alert as a whole.
const (
	maxStoredReason     = 4 << 10  // error: a reason is read by people; a longer one repeats input
	maxStoredName       = 1 << 10  // alertname and top_thread_name columns
	maxStoredAlertBytes = 64 << 10 // alert_json
	maxStoredAlertValue = 1 << 10  // a label or annotation value, once the alert is too large
	maxStoredAlertField = 4 << 10  // summary, alert name, ids, once the alert is too large
	maxStoredAlertItems = 200      // labels, and values, once the alert is too large
)

// cutLabel is the label a reduced alert carries to say so.
const cutLabel = "stackcapture_cut"

// clip cuts s to at most limit bytes on a UTF-8 boundary, saying how long it was.
func clip(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	note := fmt.Sprintf("… (cut from %d bytes)", len(s))
	keep := limit - len(note)
	for keep > 0 && !utf8.RuneStart(s[keep]) {
		keep--
	}
	return s[:max(keep, 0)] + note
}

// boundAlert returns the alert to store: a as is when its JSON fits maxStoredAlertBytes, else
// a copy with long values cut, URLs longer than a field dropped (a cut link misleads), and
// labels and values beyond maxStoredAlertItems left out, with the cutLabel label saying so.
func boundAlert(a *alert.Alert) (*alert.Alert, error) {
	if a == nil {
		return nil, nil
	}
	js, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("encode alert: %w", err)
	}
	if len(js) <= maxStoredAlertBytes {
		return a, nil
	}
	b := *a
	b.AlertName = clip(a.AlertName, maxStoredAlertField)
	b.RuleUID = clip(a.RuleUID, maxStoredAlertField)
	b.Fingerprint = clip(a.Fingerprint, maxStoredAlertField)
	b.Summary = clip(a.Summary, maxStoredAlertField)
	b.DashboardUID = clip(a.DashboardUID, maxStoredAlertField)
	for _, u := range []*string{&b.GeneratorURL, &b.DashboardURL, &b.PanelURL} {
		if len(*u) > maxStoredAlertField {
			*u = ""
		}
	}
	dropped := 0
	if a.Labels != nil {
		b.Labels = make(map[string]string, min(len(a.Labels), maxStoredAlertItems)+1)
		for i, k := range labelOrder(a.Labels) {
			if i >= maxStoredAlertItems || len(k) > maxStoredAlertValue {
				dropped++
				continue
			}
			b.Labels[k] = clip(a.Labels[k], maxStoredAlertValue)
		}
	}
	if a.Values != nil {
		b.Values = make(map[string]float64, min(len(a.Values), maxStoredAlertItems))
		for i, k := range slices.Sorted(maps.Keys(a.Values)) {
			if i >= maxStoredAlertItems || len(k) > maxStoredAlertValue {
				dropped++
				continue
			}
			b.Values[k] = a.Values[k]
		}
	}
	if b.Labels == nil {
		b.Labels = map[string]string{}
	}
	b.Labels[cutLabel] = fmt.Sprintf("the alert's %d bytes were cut to fit %d: long values shortened, %d labels or values left out",
		len(js), maxStoredAlertBytes, dropped)
	return &b, nil
}

// labelOrder is the order labels are kept in when not all can be: the ones that name the
// target and the alert first, then the others by name.
func labelOrder(labels map[string]string) []string {
	keptFirst := []string{"alertname", "namespace", "pod", "container", "node", "cluster"}
	keys := make([]string, 0, len(labels))
	for _, k := range keptFirst {
		if _, ok := labels[k]; ok {
			keys = append(keys, k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		if !slices.Contains(keptFirst, k) {
			keys = append(keys, k)
		}
	}
	return keys
}
