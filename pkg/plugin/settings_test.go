package plugin

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/alert"
	"github.com/seed/stackcapture/pkg/evidence"
)

func fixedDataDir(dir string) dataDirFunc {
	return func() (string, error) { return dir, nil }
}

func TestParseSettingsDefaults(t *testing.T) {
	for _, body := range []string{"", "{}", "  "} {
		s, err := ParseSettings([]byte(body))
		if err != nil {
			t.Fatalf("ParseSettings(%q): %v", body, err)
		}
		want := Settings{
			DeniedNamespaces: []string{"kube-system"},
			SampleWindow:     2 * time.Second,
			TopThreads:       50,
			Cooldown:         10 * time.Minute,
			CaptureTimeout:   30 * time.Second,
			MaxOutputBytes:   16 << 20,
			Retention:        336 * time.Hour,
			Labels:           alert.DefaultLabelNames(),
			ClusterLabel:     "cluster",
			MaxBodyBytes:     1 << 20,
			DefaultCapture:   evidence.FocusCPU,
		}
		if !reflect.DeepEqual(s, want) {
			t.Errorf("defaults =\n%+v\nwant\n%+v", s, want)
		}
	}
}

func TestParseSettingsValues(t *testing.T) {
	body := `{"clusters":["prod"],"allowedNamespaces":["shop"],"deniedNamespaces":[],
		"sampleWindow":"500ms","topThreads":5,"cooldown":"0s","captureTimeout":"5s",
		"maxOutputBytes":65536,"retention":"24h",
		"labels":{"pod":"exported_pod","cluster":"k8s_cluster"},"maxBodyBytes":4096,"defaultCapture":"memory"}`
	s, err := ParseSettings([]byte(body))
	if err != nil {
		t.Fatalf("ParseSettings: %v", err)
	}
	labels := alert.DefaultLabelNames()
	labels.Pod = "exported_pod"
	want := Settings{
		Clusters:          []string{"prod"},
		AllowedNamespaces: []string{"shop"}, DeniedNamespaces: []string{},
		SampleWindow: 500 * time.Millisecond, TopThreads: 5, Cooldown: 0,
		CaptureTimeout: 5 * time.Second, MaxOutputBytes: 65536,
		Retention: 24 * time.Hour, Labels: labels, ClusterLabel: "k8s_cluster", MaxBodyBytes: 4096,
		DefaultCapture: evidence.FocusMemory,
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("settings =\n%+v\nwant\n%+v", s, want)
	}
}

// An org admin's jsonData may still carry the keys that reach the host (kubeconfig,
// databasePath, ...): they load, are listed as ignored, and nothing in Settings holds them.
func TestParseSettingsIgnoresServerKeys(t *testing.T) {
	body := `{"kubeconfig":"/etc/passwd","kubeContext":"x","databasePath":"/etc/grafana/grafana.db",
		"perNodeLimit":1000,"globalLimit":10000,"maxDatabaseBytes":1,"topThreads":7}`
	s, err := ParseSettings([]byte(body))
	if err != nil {
		t.Fatalf("ParseSettings: %v", err)
	}
	want := []string{"databasePath", "globalLimit", "kubeContext", "kubeconfig", "maxDatabaseBytes", "perNodeLimit"}
	if !reflect.DeepEqual(s.Ignored, want) || s.TopThreads != 7 {
		t.Errorf("ignored %v (want %v), topThreads %d", s.Ignored, want, s.TopThreads)
	}
	if got, err := ParseSettings([]byte(`{"kubeconfig":"","databasePath":null}`)); err != nil || len(got.Ignored) != 0 {
		t.Errorf("empty legacy keys: %v %v", got.Ignored, err)
	}
}

func TestParseSettingsRejects(t *testing.T) {
	tests := []struct {
		body string
		want []string
	}{
		{`{"sampleWindow":"2 seconds"}`, []string{`sampleWindow: "2 seconds" is not a duration`}},
		{`{"sampleWindow":"10s","captureTimeout":"5s"}`, []string{"captureTimeout (5s) must be longer than sampleWindow (10s)"}},
		{`{"topThreads":0}`, []string{"topThreads: 0 is outside"}},
		{`{"maxBodyBytes":33554432}`, []string{"maxBodyBytes: 33554432 bytes is outside"}},
		{`{"allowedNamespaces":["Shop!"]}`, []string{`allowedNamespaces: "Shop!" is not a namespace name`}},
		{`{"clusters":["../etc"]}`, []string{`clusters: "../etc" is not a cluster name`}},
		{`{"labels":{"pods":"x"}}`, []string{`labels: unknown key "pods"`}},
		{`{"labels":{"pod":" "}}`, []string{"labels.pod: empty label name"}},
		{`{"topThreads":"fifty"}`, []string{"jsonData) are not valid"}},
		{`{"retention":"1m"}`, []string{"retention: 1m0s is outside"}},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			_, err := ParseSettings([]byte(tt.body))
			if err == nil {
				t.Fatalf("accepted %s", tt.body)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestParseServerConfigNoDataDir(t *testing.T) {
	_, err := ParseServerConfig(nil, func() (string, error) { return "", errors.New("not under plugins") })
	if err == nil || !strings.Contains(err.Error(), "set database_path") {
		t.Fatalf("err = %v, want advice to set database_path", err)
	}
}

func TestDataDirFromExecutable(t *testing.T) {
	tests := []struct {
		exe     string
		want    string
		wantErr bool
	}{
		{"/var/lib/grafana/plugins/seed-stackcapture-app/gpx_stackcapture_linux_amd64", "/var/lib/grafana", false},
		{"/opt/data/plugins/stackcapture/gpx_stackcapture_linux_arm64", "/opt/data", false},
		{"/tmp/go-build123/b001/plugin.test", "", true},
	}
	for _, tt := range tests {
		got, err := dataDirFromExecutable(filepath.FromSlash(tt.exe))
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("dataDirFromExecutable(%s) = %q, %v; want %q (error %v)", tt.exe, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestSettingKeys(t *testing.T) {
	want := []string{"allowedNamespaces", "captureTimeout", "clusters", "cooldown", "defaultCapture", "deniedNamespaces",
		"labels", "maxBodyBytes", "maxOutputBytes", "retention", "sampleWindow", "topThreads"}
	if got := SettingKeys(); !reflect.DeepEqual(got, want) {
		t.Errorf("SettingKeys() = %v", got)
	}
}

func TestKubeClientRateFollowsTheCaptureLimits(t *testing.T) {
	tests := []struct {
		global     int
		qps, burst int
	}{
		{1, 20, 40},   // never below a rate that serves the health check and a few captures
		{20, 60, 120}, // the default globalLimit: three requests a capture
		{100, 300, 600},
	}
	for _, tt := range tests {
		c := kubeConfig(ClusterConfig{Name: "a", Kubeconfig: "/k", Context: "ctx"}, ServerConfig{GlobalLimit: tt.global})
		if int(c.QPS) != tt.qps || c.Burst != tt.burst || c.Kubeconfig != "/k" || c.Context != "ctx" || c.UserAgent != PluginID || c.AllowExecCredentials {
			t.Errorf("globalLimit %d: %+v, want QPS %d burst %d", tt.global, c, tt.qps, tt.burst)
		}
	}
}
