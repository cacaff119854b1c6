package plugin

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestProvisionedSettingsAreOnesTheBackendReads keeps provisioning/plugins in step with
// ParseSettings: a misspelt key there would be ignored silently by Grafana and by us.
func TestProvisionedSettingsAreOnesTheBackendReads(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "provisioning", "plugins", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no provisioning/plugins/*.yaml (%v)", err)
	}
	// The app provisioning the Helm install mounts.
	files = append(files, filepath.Join("..", "..", "deploy", "helm", "app.yaml"))
	found := false
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			APIVersion int `json:"apiVersion"`
			Apps       []struct {
				Type     string         `json:"type"`
				OrgID    int            `json:"org_id"`
				Disabled bool           `json:"disabled"`
				JSONData map[string]any `json:"jsonData"`
			} `json:"apps"`
		}
		if err := yaml.UnmarshalStrict(raw, &doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, app := range doc.Apps {
			if app.Type != PluginID {
				continue
			}
			found = true
			if app.Disabled {
				t.Errorf("%s: the app is provisioned disabled", file)
			}
			for key := range app.JSONData {
				if !slices.Contains(SettingKeys(), key) {
					t.Errorf("%s: jsonData key %q is not a setting the backend reads (%v)", file, key, SettingKeys())
				}
			}
			body, err := json.Marshal(app.JSONData)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ParseSettings(body); err != nil {
				t.Errorf("%s: provisioned settings are invalid: %v", file, err)
			}
		}
	}
	if !found {
		t.Fatalf("no provisioning file enables %s", PluginID)
	}
}
