package plugin

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/alert"
)

func fixedDataDir(dir string) dataDirFunc {
	return func() (string, error) { return dir, nil }
}

func TestParseSettingsDefaults(t *testing.T) {
	for _, body := range []string{"", "{}", "  "} {
		s, err := ParseSettings([]byte(body), fixedDataDir("/var/lib/grafana"))
		if err != nil {
			t.Fatalf("ParseSettings(%q): %v", body, err)
		}
		want := Settings{
			DeniedNamespaces: []string{"kube-system"},
			SampleWindow:     2 * time.Second,
			TopThreads:       50,
			Cooldown:         10 * time.Minute,
			PerNodeLimit:     10,
			GlobalLimit:      20,
			CaptureTimeout:   30 * time.Second,
			MaxOutputBytes:   16 << 20,
			DatabasePath:     "/var/lib/grafana/stackcapture/captures.db",
			Retention:        336 * time.Hour,
			MaxDatabaseBytes: 1 << 30,
			Labels:           alert.DefaultLabelNames(),
			MaxBodyBytes:     1 << 20,
		}
		if !reflect.DeepEqual(s, want) {
			t.Errorf("defaults =\n%+v\nwant\n%+v", s, want)
		}
	}
}

func TestParseSettingsValues(t *testing.T) {
	body := `{"kubeconfig":"/etc/kube/config","kubeContext":"lab","allowedNamespaces":["shop"],"deniedNamespaces":[],
		"sampleWindow":"500ms","topThreads":5,"cooldown":"0s","perNodeLimit":1,"globalLimit":2,"captureTimeout":"5s",
		"maxOutputBytes":65536,"databasePath":"/data/c.db","retention":"24h","maxDatabaseBytes":2097152,
		"labels":{"pod":"exported_pod"},"maxBodyBytes":4096}`
	s, err := ParseSettings([]byte(body), func() (string, error) { return "", errors.New("must not be asked") })
	if err != nil {
		t.Fatalf("ParseSettings: %v", err)
	}
	labels := alert.DefaultLabelNames()
	labels.Pod = "exported_pod"
	want := Settings{
		Kubeconfig: "/etc/kube/config", KubeContext: "lab",
		AllowedNamespaces: []string{"shop"}, DeniedNamespaces: []string{},
		SampleWindow: 500 * time.Millisecond, TopThreads: 5, Cooldown: 0, PerNodeLimit: 1, GlobalLimit: 2,
		CaptureTimeout: 5 * time.Second, MaxOutputBytes: 65536, DatabasePath: "/data/c.db",
		Retention: 24 * time.Hour, MaxDatabaseBytes: 2 << 20, Labels: labels, MaxBodyBytes: 4096,
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("settings =\n%+v\nwant\n%+v", s, want)
	}
}

func TestParseSettingsRejects(t *testing.T) {
	tests := []struct {
		body string
		want []string
	}{
		{`{"sampleWindow":"2 seconds"}`, []string{`sampleWindow: "2 seconds" is not a duration`}},
		{`{"sampleWindow":"10s","captureTimeout":"5s"}`, []string{"captureTimeout (5s) must be longer than sampleWindow (10s)"}},
		{`{"topThreads":0,"perNodeLimit":-1}`, []string{"topThreads: 0 is outside", "perNodeLimit: -1 is outside"}},
		{`{"maxBodyBytes":33554432}`, []string{"maxBodyBytes: 33554432 bytes is outside"}},
		{`{"allowedNamespaces":["Shop!"]}`, []string{`allowedNamespaces: "Shop!" is not a namespace name`}},
		{`{"labels":{"pods":"x"}}`, []string{`labels: unknown key "pods"`}},
		{`{"labels":{"pod":" "}}`, []string{"labels.pod: empty label name"}},
		{`{"databasePath":"captures.db"}`, []string{"must be an absolute path"}},
		{`{"topThreads":"fifty"}`, []string{"jsonData) are not valid"}},
		{`{"retention":"1m"}`, []string{"retention: 1m0s is outside"}},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			_, err := ParseSettings([]byte(tt.body), fixedDataDir("/var/lib/grafana"))
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

func TestParseSettingsNoDataDir(t *testing.T) {
	_, err := ParseSettings(nil, func() (string, error) { return "", errors.New("not under plugins") })
	if err == nil || !strings.Contains(err.Error(), "set databasePath") {
		t.Fatalf("err = %v, want advice to set databasePath", err)
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
	want := []string{"allowedNamespaces", "captureTimeout", "cooldown", "databasePath", "deniedNamespaces",
		"globalLimit", "kubeContext", "kubeconfig", "labels", "maxBodyBytes", "maxDatabaseBytes", "maxOutputBytes",
		"perNodeLimit", "retention", "sampleWindow", "topThreads"}
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
		c := kubeConfig(Settings{GlobalLimit: tt.global, Kubeconfig: "/k", KubeContext: "ctx"})
		if int(c.QPS) != tt.qps || c.Burst != tt.burst || c.Kubeconfig != "/k" || c.Context != "ctx" || c.UserAgent != PluginID {
			t.Errorf("globalLimit %d: %+v, want QPS %d burst %d", tt.global, c, tt.qps, tt.burst)
		}
	}
}
