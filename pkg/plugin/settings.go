package plugin

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/seed/stackcapture/pkg/alert"
)

// PluginID is the app's id in plugin.json.
const PluginID = "seed-stackcapture-app"

// Settings are the app's jsonData, with defaults applied and every value checked.
type Settings struct {
	Kubeconfig        string           // path; empty = in-cluster service account
	KubeContext       string           // context in Kubeconfig; empty = its current context
	AllowedNamespaces []string         // empty = every namespace not denied
	DeniedNamespaces  []string         // wins over AllowedNamespaces
	SampleWindow      time.Duration    // how long per-thread CPU is sampled
	TopThreads        int              // threads kept with stacks per JVM
	Cooldown          time.Duration    // one capture per container per cooldown
	PerNodeLimit      int              // captures running at once on one node
	GlobalLimit       int              // captures running at once overall
	CaptureTimeout    time.Duration    // hard limit on one capture, exec included
	MaxOutputBytes    int64            // probe output beyond this is cut, capture marked truncated
	DatabasePath      string           // SQLite file
	Retention         time.Duration    // captures older than this are deleted
	MaxDatabaseBytes  int64            // oldest captures are deleted above this size
	Labels            alert.LabelNames // which alert labels name the target
	MaxBodyBytes      int64            // webhook bodies above this answer 413
}

// rawSettings is jsonData as provisioning or the config page writes it. Durations are Go
// duration strings ("2s", "10m", "336h"); pointers tell "absent" from "zero".
type rawSettings struct {
	Kubeconfig        string            `json:"kubeconfig"`
	KubeContext       string            `json:"kubeContext"`
	AllowedNamespaces []string          `json:"allowedNamespaces"`
	DeniedNamespaces  *[]string         `json:"deniedNamespaces"`
	SampleWindow      string            `json:"sampleWindow"`
	TopThreads        *int              `json:"topThreads"`
	Cooldown          string            `json:"cooldown"`
	PerNodeLimit      *int              `json:"perNodeLimit"`
	GlobalLimit       *int              `json:"globalLimit"`
	CaptureTimeout    string            `json:"captureTimeout"`
	MaxOutputBytes    *int64            `json:"maxOutputBytes"`
	DatabasePath      string            `json:"databasePath"`
	Retention         string            `json:"retention"`
	MaxDatabaseBytes  *int64            `json:"maxDatabaseBytes"`
	Labels            map[string]string `json:"labels"`
	MaxBodyBytes      *int64            `json:"maxBodyBytes"`
}

// SettingKeys are the jsonData keys the backend reads; provisioning and the config page use these.
func SettingKeys() []string {
	t := reflect.TypeOf(rawSettings{})
	keys := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		keys = append(keys, strings.Split(t.Field(i).Tag.Get("json"), ",")[0])
	}
	sort.Strings(keys)
	return keys
}

const (
	mib = 1 << 20
	gib = 1 << 30
)

// dataDirFunc finds Grafana's data directory for the default database path; a field, not a global, so tests can swap it.
type dataDirFunc func() (string, error)

// ParseSettings reads jsonData. Every invalid value is reported, joined, and nothing silently falls back.
func ParseSettings(jsonData []byte, dataDir dataDirFunc) (Settings, error) {
	var raw rawSettings
	if len(strings.TrimSpace(string(jsonData))) > 0 {
		dec := json.NewDecoder(strings.NewReader(string(jsonData)))
		if err := dec.Decode(&raw); err != nil {
			return Settings{}, fmt.Errorf("app settings (jsonData) are not valid: %w", err)
		}
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	s := Settings{
		Kubeconfig:        strings.TrimSpace(raw.Kubeconfig),
		KubeContext:       strings.TrimSpace(raw.KubeContext),
		AllowedNamespaces: raw.AllowedNamespaces,
		DeniedNamespaces:  []string{"kube-system"},
		DatabasePath:      strings.TrimSpace(raw.DatabasePath),
	}
	if raw.DeniedNamespaces != nil {
		s.DeniedNamespaces = *raw.DeniedNamespaces
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

	duration := func(key, value string, def, min, max time.Duration) time.Duration {
		if value == "" {
			return def
		}
		d, err := time.ParseDuration(value)
		if err != nil {
			bad("%s: %q is not a duration like %q", key, value, def.String())
			return def
		}
		if d < min || d > max {
			bad("%s: %s is outside %s to %s", key, d, min, max)
		}
		return d
	}
	s.SampleWindow = duration("sampleWindow", raw.SampleWindow, 2*time.Second, 100*time.Millisecond, 60*time.Second)
	s.Cooldown = duration("cooldown", raw.Cooldown, 10*time.Minute, 0, 7*24*time.Hour)
	s.CaptureTimeout = duration("captureTimeout", raw.CaptureTimeout, 30*time.Second, time.Second, 10*time.Minute)
	s.Retention = duration("retention", raw.Retention, 336*time.Hour, time.Hour, 10*365*24*time.Hour)
	if s.CaptureTimeout <= s.SampleWindow {
		bad("captureTimeout (%s) must be longer than sampleWindow (%s): the dump is taken after the window", s.CaptureTimeout, s.SampleWindow)
	}

	integer := func(key string, value *int, def, min, max int) int {
		if value == nil {
			return def
		}
		if *value < min || *value > max {
			bad("%s: %d is outside %d to %d", key, *value, min, max)
		}
		return *value
	}
	s.TopThreads = integer("topThreads", raw.TopThreads, 50, 1, 10000)
	s.PerNodeLimit = integer("perNodeLimit", raw.PerNodeLimit, 10, 1, 1000)
	s.GlobalLimit = integer("globalLimit", raw.GlobalLimit, 20, 1, 10000)

	size := func(key string, value *int64, def, min, max int64) int64 {
		if value == nil {
			return def
		}
		if *value < min || *value > max {
			bad("%s: %d bytes is outside %d to %d", key, *value, min, max)
		}
		return *value
	}
	s.MaxOutputBytes = size("maxOutputBytes", raw.MaxOutputBytes, 16*mib, 64*1024, 1*gib)
	s.MaxDatabaseBytes = size("maxDatabaseBytes", raw.MaxDatabaseBytes, 1*gib, 1*mib, 1<<40)
	// The SDK's gRPC receive cap is 16 MiB: a larger body never reaches the plugin.
	s.MaxBodyBytes = size("maxBodyBytes", raw.MaxBodyBytes, 1*mib, 1024, 16*mib)

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
		default:
			bad("labels: unknown key %q (want namespace, pod, container or node)", key)
		}
	}

	if s.DatabasePath == "" {
		dir, err := dataDir()
		if err != nil {
			bad("databasePath: not set, and Grafana's data directory could not be found (%v): set databasePath to a file on persistent storage", err)
		} else {
			s.DatabasePath = filepath.Join(dir, "stackcapture", "captures.db")
		}
	} else if !filepath.IsAbs(s.DatabasePath) {
		bad("databasePath: %q must be an absolute path", s.DatabasePath)
	}
	return s, errors.Join(errs...)
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
