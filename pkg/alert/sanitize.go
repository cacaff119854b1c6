package alert

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"unicode"
)

// Caps on what a capture keeps of an alert. An alert's labels are whatever its rule's query
// returned and its annotations whatever its template produced, so the stored copy is bounded:
// a 420 KB label value is not kept verbatim in every capture it causes.
const (
	// MaxLabelValueBytes bounds one kept label value; a longer one is cut and marked.
	MaxLabelValueBytes = 1024
	// MaxLabelNameBytes bounds one kept label name (Prometheus names are short identifiers).
	MaxLabelNameBytes = 256
	// MaxLabels bounds how many labels are kept; the rest are counted in CutLabelsKey.
	MaxLabels = 64
	// MaxSummaryBytes bounds the kept summary annotation.
	MaxSummaryBytes = 4096
	// MaxURLBytes bounds a kept URL; Grafana's own links are far shorter.
	MaxURLBytes = 4096
	// MaxIDBytes bounds identifiers (rule UID, fingerprint).
	MaxIDBytes = 256

	// CutLabelsKey is the label added when labels were left out, saying how many.
	CutLabelsKey = "__stackcapture_labels_cut__"
)

// cutMarker is appended to a value that was cut, with the original length, so a reader sees
// that the value is not whole and how big it was.
func cutMarker(n int) string { return fmt.Sprintf("… [cut, %d bytes]", n) }

// capValue returns s when it fits in limit bytes, else a prefix (whole runes) with the cut marker.
func capValue(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	return cutAtRune(s, limit) + cutMarker(len(s))
}

// SafeURL returns raw when it is an absolute http or https URL, else "". Only such URLs are
// kept from an alert: they become link targets in the browser, and a javascript:, data: or
// vbscript: URL there runs in the Grafana page of whoever clicks it. Browsers strip leading
// whitespace and control characters and ignore tabs and newlines inside a scheme, so a URL
// holding any of them is refused outright rather than judged by how Go would read it.
func SafeURL(raw string) string {
	if raw == "" || len(raw) > MaxURLBytes {
		return ""
	}
	for _, r := range raw {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == '\\' {
			return ""
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return ""
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return raw
	}
	return ""
}

// capLabels copies labels within the caps. Labels that name the target, and alertname, are
// kept first; the others in name order, so the same alert always keeps the same labels.
// Values over MaxLabelValueBytes are cut and marked; labels beyond MaxLabels are counted in
// CutLabelsKey.
func capLabels(labels map[string]string, names LabelNames) map[string]string {
	if labels == nil {
		return nil
	}
	priority := map[string]int{"alertname": 0}
	for i, n := range []string{names.Namespace, names.Pod, names.Container, names.Node} {
		if _, ok := priority[n]; n != "" && !ok {
			priority[n] = 1 + i
		}
	}
	for _, field := range []string{"namespace", "pod", "container", "node"} {
		for _, n := range alternates(field) {
			if _, ok := priority[n]; !ok {
				priority[n] = 10
			}
		}
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		pi, iok := priority[keys[i]]
		pj, jok := priority[keys[j]]
		if iok != jok {
			return iok
		}
		if iok && pi != pj {
			return pi < pj
		}
		return keys[i] < keys[j]
	})
	kept := make(map[string]string, min(len(keys), MaxLabels+1))
	cut := 0
	for _, k := range keys {
		if len(kept) >= MaxLabels {
			cut++
			continue
		}
		kept[capValue(k, MaxLabelNameBytes)] = capValue(labels[k], MaxLabelValueBytes)
	}
	if cut > 0 {
		kept[CutLabelsKey] = fmt.Sprintf("%d of %d labels not kept (at most %d are)", cut, len(labels), MaxLabels)
	}
	return kept
}

// capValues bounds the alert's values map like its labels: at most MaxLabels, names capped.
func capValues(values map[string]float64) map[string]float64 {
	if values == nil {
		return nil
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	kept := make(map[string]float64, min(len(keys), MaxLabels))
	for _, k := range keys[:min(len(keys), MaxLabels)] {
		kept[capValue(k, MaxLabelNameBytes)] = values[k]
	}
	return kept
}
