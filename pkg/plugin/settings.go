package plugin

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/seed/stackcapture/pkg/alert"
	"github.com/seed/stackcapture/pkg/evidence"
	"github.com/seed/stackcapture/pkg/settingspec"
)

// PluginID is the app's id in plugin.json.
const PluginID = "seed-stackcapture-app"

// Settings are one org's jsonData, with defaults applied and every value checked. They may
// only narrow what the server configuration (ServerConfig) allows.
type Settings struct {
	Clusters          []string         // the server's clusters this org may use; empty = all of them
	AllowedNamespaces []string         // empty = every namespace the server allows
	DeniedNamespaces  []string         // wins over AllowedNamespaces
	SampleWindow      time.Duration    // how long per-thread CPU is sampled
	TopThreads        int              // threads kept with stacks per JVM
	Cooldown          time.Duration    // one capture per container per cooldown (at least the server's min_cooldown)
	CaptureTimeout    time.Duration    // hard limit on one capture, exec included
	MaxOutputBytes    int64            // probe output beyond this is cut, capture marked truncated
	Retention         time.Duration    // this org's captures older than this are deleted
	Labels            alert.LabelNames // which alert labels name the target
	ClusterLabel      string           // which alert label names the cluster
	MaxBodyBytes      int64            // webhook bodies above this answer 413
	// DefaultCapture is the focus of captures whose alert has no capture label, and of
	// Capture now without one.
	DefaultCapture evidence.Focus
	// Ignored lists keys that used to be org settings and are now the server admin's
	// (serverKeyOf says which); they have no effect and the health check says so.
	Ignored []string
}

// rawSettings is jsonData as provisioning or the config page writes it. Durations are Go
// duration strings ("2s", "10m", "336h"); pointers tell "absent" from "zero".
type rawSettings struct {
	Clusters          []string          `json:"clusters"`
	AllowedNamespaces []string          `json:"allowedNamespaces"`
	DeniedNamespaces  *[]string         `json:"deniedNamespaces"`
	SampleWindow      string            `json:"sampleWindow"`
	TopThreads        *int              `json:"topThreads"`
	Cooldown          string            `json:"cooldown"`
	CaptureTimeout    string            `json:"captureTimeout"`
	MaxOutputBytes    *int64            `json:"maxOutputBytes"`
	Retention         string            `json:"retention"`
	Labels            map[string]string `json:"labels"`
	MaxBodyBytes      *int64            `json:"maxBodyBytes"`
	DefaultCapture    string            `json:"defaultCapture"`

	ignored []string // server keys present in jsonData
}

// serverKeyOf maps the jsonData keys that moved to the server configuration to their
// grafana.ini key. An old jsonData carrying them still loads; they are ignored.
func serverKeyOf() map[string]string {
	return map[string]string{
		"kubeconfig":       "cluster_<name>_kubeconfig",
		"kubeContext":      "cluster_<name>_context",
		"databasePath":     "database_path",
		"perNodeLimit":     "per_node_limit",
		"globalLimit":      "global_limit",
		"maxDatabaseBytes": "max_database_bytes",
	}
}

// SettingKeys are the jsonData keys the backend reads; provisioning and the config page use these.
func SettingKeys() []string {
	t := reflect.TypeOf(rawSettings{})
	keys := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		if tag := t.Field(i).Tag.Get("json"); tag != "" {
			keys = append(keys, strings.Split(tag, ",")[0])
		}
	}
	sort.Strings(keys)
	return keys
}

// dataDirFunc finds Grafana's data directory for the default database path; a field, not a global, so tests can swap it.
type dataDirFunc func() (string, error)

// ParseSettings reads jsonData. Every invalid value is reported, joined, and nothing silently
// falls back. Keys that are now server settings are listed in Ignored, never used.
func ParseSettings(jsonData []byte) (Settings, error) {
	var raw rawSettings
	if len(strings.TrimSpace(string(jsonData))) > 0 {
		dec := json.NewDecoder(strings.NewReader(string(jsonData)))
		if err := dec.Decode(&raw); err != nil {
			return Settings{}, fmt.Errorf("app settings (jsonData) are not valid: %w", err)
		}
		var all map[string]json.RawMessage
		if err := json.Unmarshal(jsonData, &all); err == nil {
			for key := range serverKeyOf() {
				if v, ok := all[key]; ok && !emptyJSON(v) {
					raw.ignored = append(raw.ignored, key)
				}
			}
			sort.Strings(raw.ignored)
		}
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	// Defaults and bounds come from pkg/settingspec/settings.json, which the config page and
	// the README read too.
	spec, err := settingspec.Load()
	if err != nil {
		return Settings{}, fmt.Errorf("settings spec: %w", err)
	}
	denied, err := defaultDenied(spec)
	if err != nil {
		return Settings{}, fmt.Errorf("settings spec: %w", err)
	}

	s := Settings{
		Clusters:          raw.Clusters,
		AllowedNamespaces: raw.AllowedNamespaces,
		DeniedNamespaces:  denied,
		Ignored:           raw.ignored,
		ClusterLabel:      "cluster",
	}
	if raw.DeniedNamespaces != nil {
		s.DeniedNamespaces = *raw.DeniedNamespaces
	}
	for _, c := range s.Clusters {
		if problems := validation.IsDNS1123Label(c); len(problems) > 0 {
			bad("clusters: %q is not a cluster name: %s", c, strings.Join(problems, "; "))
		}
	}
	for _, list := range []struct {
		key string
		ns  []string
	}{{"allowedNamespaces", s.AllowedNamespaces}, {"deniedNamespaces", s.DeniedNamespaces}} {
		for _, ns := range list.ns {
			if problems := validation.IsDNS1123Label(ns); len(problems) > 0 {
				bad("%s: %q is not a namespace name: %s", list.key, ns, strings.Join(problems, "; "))
			}
		}
	}

	duration := func(key, value string) time.Duration {
		def, lo, hi, err := orgDurationBounds(spec, key)
		if err != nil {
			bad("%s: %v", key, err)
			return 0
		}
		if value == "" {
			return def
		}
		d, err := time.ParseDuration(value)
		if err != nil {
			bad("%s: %q is not a duration like %q", key, value, def.String())
			return def
		}
		if d < lo || d > hi {
			bad("%s: %s is outside %s to %s", key, d, settingspec.FormatDuration(lo), settingspec.FormatDuration(hi))
		}
		return d
	}
	s.SampleWindow = duration("sampleWindow", raw.SampleWindow)
	s.Cooldown = duration("cooldown", raw.Cooldown)
	s.CaptureTimeout = duration("captureTimeout", raw.CaptureTimeout)
	s.Retention = duration("retention", raw.Retention)
	if s.CaptureTimeout <= s.SampleWindow {
		bad("captureTimeout (%s) must be longer than sampleWindow (%s): the dump is taken after the window", s.CaptureTimeout, s.SampleWindow)
	}

	// whole reads an int or bytes setting; unit says how the value and bound are written in
	// the error.
	whole := func(key string, value *int64, unit, bound func(int64) string) int64 {
		def, lo, hi, err := orgIntBounds(spec, key)
		if err != nil {
			bad("%s: %v", key, err)
			return 0
		}
		if value == nil {
			return def
		}
		if *value < lo || *value > hi {
			bad("%s: %s is outside %s to %s", key, unit(*value), bound(lo), bound(hi))
		}
		return *value
	}
	plain := func(n int64) string { return strconv.FormatInt(n, 10) }
	bytes := func(n int64) string { return plain(n) + " bytes" }
	var topThreads *int64
	if raw.TopThreads != nil {
		n := int64(*raw.TopThreads)
		topThreads = &n
	}
	s.TopThreads = int(whole("topThreads", topThreads, plain, plain))
	s.MaxOutputBytes = whole("maxOutputBytes", raw.MaxOutputBytes, bytes, settingspec.FormatBytes)
	// The SDK's gRPC receive cap is 16 MiB: a larger body never reaches the plugin.
	s.MaxBodyBytes = whole("maxBodyBytes", raw.MaxBodyBytes, bytes, settingspec.FormatBytes)

	s.DefaultCapture = defaultFocus(spec, raw.DefaultCapture, bad)

	s.Labels = alert.DefaultLabelNames()
	for key, name := range raw.Labels {
		name = strings.TrimSpace(name)
		if name == "" {
			bad("labels.%s: empty label name", key)
			continue
		}
		switch key {
		case "namespace":
			s.Labels.Namespace = name
		case "pod":
			s.Labels.Pod = name
		case "container":
			s.Labels.Container = name
		case "node":
			s.Labels.Node = name
		case "cluster":
			s.ClusterLabel = name
		default:
			bad("labels: unknown key %q (want namespace, pod, container, node or cluster)", key)
		}
	}
	return s, errors.Join(errs...)
}

// defaultFocus reads defaultCapture: the spec's default when absent, else one of the foci.
func defaultFocus(spec settingspec.Spec, value string, bad func(string, ...any)) evidence.Focus {
	st, err := spec.OrgSetting("defaultCapture")
	if err != nil {
		bad("defaultCapture: %v", err)
		return evidence.FocusCPU
	}
	var def string
	if err := json.Unmarshal(st.Default, &def); err != nil {
		bad("defaultCapture: default in the spec: %v", err)
		return evidence.FocusCPU
	}
	if strings.TrimSpace(value) == "" {
		value = def
	}
	f, err := evidence.ParseFocus(value)
	if err != nil {
		bad("defaultCapture: %q is not a focus: use one of %s", value, focusNames())
		return evidence.FocusCPU
	}
	return f
}

// focusNames lists the foci for messages: "cpu, memory, all".
func focusNames() string {
	names := make([]string, 0, len(evidence.Foci()))
	for _, f := range evidence.Foci() {
		names = append(names, string(f))
	}
	return strings.Join(names, ", ")
}

// emptyJSON is a value that says nothing: null, "", or an empty list.
func emptyJSON(v json.RawMessage) bool {
	switch strings.TrimSpace(string(v)) {
	case "null", `""`, "[]", "{}":
		return true
	}
	return false
}

// GrafanaDataDir finds Grafana's data directory as a backend plugin sees it. Grafana passes only
// proxy variables to plugin processes, so GF_PATHS_DATA is read if present but usually is not.
// The official image and the Helm chart both keep plugins in <data>/plugins/<id>/, with <data>
// (/var/lib/grafana) on the persistent volume, so the executable's location names the directory.
func GrafanaDataDir() (string, error) {
	if dir := os.Getenv("GF_PATHS_DATA"); dir != "" {
		return dir, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("locate the plugin executable: %w", err)
	}
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}
	return dataDirFromExecutable(exe)
}

func dataDirFromExecutable(exe string) (string, error) {
	pluginDir := filepath.Dir(exe)        // <data>/plugins/<id>
	pluginsDir := filepath.Dir(pluginDir) // <data>/plugins
	if filepath.Base(pluginsDir) != "plugins" {
		return "", fmt.Errorf("the plugin runs from %s, not from a Grafana plugins directory", pluginDir)
	}
	return filepath.Dir(pluginsDir), nil
}

// orgDurationBounds are a jsonData duration's default, min and max from the spec.
func orgDurationBounds(spec settingspec.Spec, key string) (def, lo, hi time.Duration, err error) {
	st, err := spec.OrgSetting(key)
	if err != nil {
		return 0, 0, 0, err
	}
	return st.DurationBounds()
}

// orgIntBounds are a jsonData whole number's or size's default, min and max from the spec.
func orgIntBounds(spec settingspec.Spec, key string) (def, lo, hi int64, err error) {
	st, err := spec.OrgSetting(key)
	if err != nil {
		return 0, 0, 0, err
	}
	return st.IntBounds()
}

// defaultDenied is deniedNamespaces' default from the spec.
func defaultDenied(spec settingspec.Spec) ([]string, error) {
	st, err := spec.OrgSetting("deniedNamespaces")
	if err != nil {
		return nil, err
	}
	var out []string
	if err := json.Unmarshal(st.Default, &out); err != nil {
		return nil, fmt.Errorf("deniedNamespaces default: %w", err)
	}
	return out, nil
}
