// Package metrics holds the plugin's Prometheus metrics, served by the SDK at Grafana's
// /api/plugins/<id>/metrics (the SDK gathers prometheus.DefaultGatherer).
package metrics

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Metrics counts and times captures. Create one per process; it is safe for concurrent use.
type Metrics struct {
	captures *prometheus.CounterVec
	slotWait prometheus.Histogram
	phase    *prometheus.HistogramVec
	stored   *prometheus.CounterVec
}

// UsedBytesFunc reports the database's size in bytes; it is called at scrape time.
type UsedBytesFunc func(ctx context.Context) (int64, error)

// New creates the metrics and registers them on reg. A collector already registered there
// (a second New in one process) is reused instead of failing, so New never panics.
// usedBytes may be nil: no database size gauge then.
func New(reg prometheus.Registerer, usedBytes UsedBytesFunc) (*Metrics, error) {
	m := &Metrics{
		captures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stackcapture_captures_total",
			Help: "Captures finished, by outcome (done, failed, skipped) and reason class.",
		}, []string{"outcome", "reason"}),
		slotWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "stackcapture_slot_wait_seconds",
			Help:    "Time captures waited for a slot on their node (per-node and global limits).",
			Buckets: []float64{0.001, 0.01, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60},
		}),
		phase: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "stackcapture_capture_phase_seconds",
			Help:    "Time a capture spent in each phase: lookup, exec (sample and dump inside it, on the container's clock), parse, store.",
			Buckets: []float64{0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"phase"}),
		stored: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stackcapture_stored_bytes_total",
			Help: "Bytes captures handed to the store (raw output and summaries, before compression), by kind of evidence.",
		}, []string{"kind"}),
	}
	var err error
	if m.captures, err = register(reg, m.captures); err != nil {
		return nil, err
	}
	if m.slotWait, err = register(reg, m.slotWait); err != nil {
		return nil, err
	}
	if m.phase, err = register(reg, m.phase); err != nil {
		return nil, err
	}
	if m.stored, err = register(reg, m.stored); err != nil {
		return nil, err
	}
	if usedBytes != nil {
		size := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "stackcapture_database_bytes",
			Help: "Bytes the capture database uses (what retention holds under its cap).",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			n, err := usedBytes(ctx)
			if err != nil {
				return -1
			}
			return float64(n)
		})
		if _, err := register[prometheus.Collector](reg, size); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// register registers c, or returns the collector already registered under its name.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var already prometheus.AlreadyRegisteredError
	if errors.As(err, &already) {
		if existing, ok := already.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, fmt.Errorf("register metric: %w", err)
}

// Finished counts a finished capture by outcome and the class of its reason.
func (m *Metrics) Finished(outcome, reason string) {
	m.captures.WithLabelValues(outcome, ReasonClass(outcome, reason)).Inc()
}

// SlotWait observes how long a capture waited for a slot.
func (m *Metrics) SlotWait(d time.Duration) { m.slotWait.Observe(d.Seconds()) }

// Phase observes how long a phase of a capture took.
func (m *Metrics) Phase(phase string, d time.Duration) {
	m.phase.WithLabelValues(phase).Observe(d.Seconds())
}

// Stored counts the bytes a capture stored of one kind of evidence.
func (m *Metrics) Stored(kind string, bytes int64) {
	if bytes > 0 {
		m.stored.WithLabelValues(kind).Add(float64(bytes))
	}
}

// reasonClasses maps words of a reason to its class, first match wins. The reasons are the
// capture package's own sentences; the order puts the specific before the general.
var reasonClasses = [...]struct{ class, word string }{
	{"cooldown", "cooldown:"},
	{"queue_full", "capture queue full"},
	{"budget", "capture output budget"},
	{"timeout", "captureTimeout"},
	{"timeout", "timed out"},
	{"forbidden", "forbidden"},
	{"forbidden", "cannot get pods"},
	{"not_found", "not found"},
	{"no_jvm", "no JVM"},
	{"no_shell", "no /bin/sh"},
	{"namespace", "Namespaces setting"},
	{"restarted", "plugin restarted"},
	{"cluster", "cluster"},
}

// ReasonClass is the bounded label for a reason: one of cooldown, queue_full, namespace,
// cluster, not_found, forbidden, timeout, no_jvm, no_shell, budget, restarted, other; "none"
// for a capture that is done.
func ReasonClass(outcome, reason string) string {
	if outcome == "done" && reason == "" {
		return "none"
	}
	for _, rc := range reasonClasses {
		if strings.Contains(reason, rc.word) {
			return rc.class
		}
	}
	return "other"
}

// CaptureCounts reads stackcapture_captures_total from gathered metrics as counts by
// "outcome/reason", for tests and diagnostics.
func CaptureCounts(mfs []*dto.MetricFamily) map[string]float64 {
	counts := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "stackcapture_captures_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			var outcome, reason string
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "outcome":
					outcome = l.GetValue()
				case "reason":
					reason = l.GetValue()
				}
			}
			counts[outcome+"/"+reason] += m.GetCounter().GetValue()
		}
	}
	return counts
}
