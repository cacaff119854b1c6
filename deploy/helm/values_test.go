// Package helm holds the values that install Stack Capture with the Grafana chart of
// grafana-community/helm-charts, and the offline tests that keep them installable.
package helm

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/seed/stackcapture/pkg/plugin"
	"github.com/seed/stackcapture/pkg/plugin/plugintest"
	"github.com/seed/stackcapture/pkg/settingspec"
)

// Regenerating the recorded files (never the chart's code, only its value paths):
//
//	go test ./deploy/helm -run TestChartValuePaths -chart-values=<checkout>/charts/grafana/values.yaml \
//	    -chart-version=12.11.1 -chart-commit=<commit>
//	go test ./deploy/helm -run TestProvisioningConfigMap -update
var (
	chartValues  = flag.String("chart-values", "", "the chart's values.yaml: rewrite testdata/"+chartPathsFile)
	chartVersion = flag.String("chart-version", "", "with -chart-values: the chart version read")
	chartCommit  = flag.String("chart-commit", "", "with -chart-values: the helm-charts commit read")
	update       = flag.Bool("update", false, "rewrite provisioning-configmap.yaml from the provisioning files")
)

const (
	chartPathsFile = "grafana-chart-values.txt"
	pluginID       = "seed-stackcapture-app"
	panelID        = "seed-stackcapture-panel"
)

// freeForm are maps of the chart whose keys are the user's own (grafana.ini sections and
// keys): nothing below them is checked against the chart.
var freeForm = []string{"grafana.ini"}

// listItemFields are the fields the chart's templates read from each item of a list that is
// empty in values.yaml (templates/_pod.tpl, the extraConfigmapMounts loops).
var listItemFields = map[string][]string{
	"extraConfigmapMounts": {"name", "mountPath", "subPath", "readOnly", "configMap", "optional", "items"},
}

// recordChartPaths flattens the chart's values.yaml into "path kind" lines. Kinds: map, open
// (a map whose keys are free: empty in values.yaml, or free-form), list, string, bool,
// number, null. Items of a list are path[].
func recordChartPaths(values map[string]any) []string {
	var lines []string
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if len(v) == 0 || slices.Contains(freeForm, path) {
				lines = append(lines, path+" open")
				return
			}
			if path != "" {
				lines = append(lines, path+" map")
			}
			for k, child := range v {
				walk(joinPath(path, k), child)
			}
		case []any:
			lines = append(lines, path+" list")
			if fields, ok := listItemFields[path]; ok {
				lines = append(lines, path+"[] map")
				for _, f := range fields {
					lines = append(lines, path+"[]."+f+" any")
				}
			}
			for _, item := range v {
				if m, ok := item.(map[string]any); ok {
					for k, child := range m {
						walk(path+"[]."+k, child)
					}
				}
			}
		case string:
			lines = append(lines, path+" string")
		case bool:
			lines = append(lines, path+" bool")
		case float64:
			lines = append(lines, path+" number")
		case nil:
			lines = append(lines, path+" null")
		default:
			lines = append(lines, fmt.Sprintf("%s %T", path, v))
		}
	}
	walk("", values)
	sort.Strings(lines)
	return slices.Compact(lines)
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// chartSchema is the recorded chart: kind by path, and the header saying what was read.
type chartSchema struct {
	kinds  map[string]string
	header []string
}

func readChartSchema(t *testing.T) chartSchema {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", chartPathsFile))
	if err != nil {
		t.Fatalf("read the recorded chart: %v", err)
	}
	s := chartSchema{kinds: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			s.header = append(s.header, line)
			continue
		}
		path, kind, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("testdata/%s: bad line %q", chartPathsFile, line)
		}
		s.kinds[path] = kind
	}
	if len(s.kinds) < 100 {
		t.Fatalf("testdata/%s records only %d paths", chartPathsFile, len(s.kinds))
	}
	return s
}

// TestChartValuePaths rewrites the recorded chart when -chart-values is given, and checks
// that the record says which chart version and commit it was read from.
func TestChartValuePaths(t *testing.T) {
	if *chartValues != "" {
		raw, err := os.ReadFile(*chartValues)
		if err != nil {
			t.Fatal(err)
		}
		var values map[string]any
		if err := yaml.Unmarshal(raw, &values); err != nil {
			t.Fatalf("%s: %v", *chartValues, err)
		}
		if *chartVersion == "" || *chartCommit == "" {
			t.Fatal("-chart-values needs -chart-version and -chart-commit")
		}
		var out bytes.Buffer
		fmt.Fprintf(&out, "# Value paths of the grafana chart %s, grafana-community/helm-charts commit %s,\n", *chartVersion, *chartCommit)
		fmt.Fprintf(&out, "# charts/grafana/values.yaml (keys only in comments there are not recorded).\n")
		fmt.Fprintf(&out, "# open = keys below are free; path[] = each item of a list. Regenerate: see values_test.go.\n")
		fmt.Fprintf(&out, "# plugins: templates/_config.tpl writes `join \",\" .Values.plugins` to the ConfigMap key plugins,\n")
		fmt.Fprintf(&out, "# templates/_pod.tpl passes it as GF_PLUGINS_PREINSTALL_SYNC (Grafana reads id@version@url).\n")
		for _, line := range recordChartPaths(values) {
			out.WriteString(line + "\n")
		}
		if err := os.WriteFile(filepath.Join("testdata", chartPathsFile), out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := readChartSchema(t)
	header := strings.Join(s.header, "\n")
	if !regexp.MustCompile(`grafana chart \d+\.\d+\.\d+, grafana-community/helm-charts commit [0-9a-f]{40}`).MatchString(header) {
		t.Errorf("testdata/%s does not say which chart version and commit it records:\n%s", chartPathsFile, header)
	}
	for _, want := range []string{"plugins list", "grafana.ini open", "image.tag string", "serviceAccount.name string", "persistence.enabled bool", "extraConfigmapMounts[].subPath any"} {
		path, kind, _ := strings.Cut(want, " ")
		if s.kinds[path] != kind {
			t.Errorf("recorded chart: %s is %q, want %q", path, s.kinds[path], kind)
		}
	}
}

func readValues(t *testing.T) map[string]any {
	t.Helper()
	raw, err := os.ReadFile("values.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var values map[string]any
	if err := yaml.UnmarshalStrict(raw, &values); err != nil {
		t.Fatalf("values.yaml: %v", err)
	}
	return values
}

// TestValuesKeysExistInTheChart: a misspelt or moved key is ignored by Helm without a word,
// so every key of values.yaml must be one the chart has, with a compatible kind.
func TestValuesKeysExistInTheChart(t *testing.T) {
	s := readChartSchema(t)
	var check func(path string, v any)
	check = func(path string, v any) {
		kind, known := s.kinds[path]
		if !known {
			t.Errorf("values.yaml: %s is not a value of the chart (%s)", path, strings.Join(s.header[:1], ""))
			return
		}
		switch v := v.(type) {
		case map[string]any:
			if kind == "open" {
				return
			}
			if kind != "map" && kind != "any" {
				t.Errorf("values.yaml: %s is a map, the chart has a %s", path, kind)
				return
			}
			for k, child := range v {
				check(path+"."+k, child)
			}
		case []any:
			if kind != "list" {
				t.Errorf("values.yaml: %s is a list, the chart has a %s", path, kind)
				return
			}
			for _, item := range v {
				if m, ok := item.(map[string]any); ok {
					for k, child := range m {
						check(path+"[]."+k, child)
					}
				}
			}
		default:
			if kind == "map" || kind == "list" {
				t.Errorf("values.yaml: %s is a scalar, the chart has a %s", path, kind)
			}
		}
	}
	for k, v := range readValues(t) {
		check(k, v)
	}
}

// TestValuesInstallThePlugin checks what makes Grafana really install and load the zip: the
// plugins entry in the id@version@url form GF_PLUGINS_PREINSTALL_SYNC takes, for the version
// the zip is built with; preinstall left on; both unsigned ids allowed; a pinned image that
// satisfies the plugin's grafanaDependency.
func TestValuesInstallThePlugin(t *testing.T) {
	values := readValues(t)
	version := packageVersion(t)

	plugins, _ := values["plugins"].([]any)
	if len(plugins) != 1 {
		t.Fatalf("plugins = %v, want one entry for %s", values["plugins"], pluginID)
	}
	entry, _ := plugins[0].(string)
	// The chart joins the list with "," and Grafana splits each item at "@": id, version,
	// then the rest is the URL.
	parts := strings.SplitN(entry, "@", 3)
	if strings.Contains(entry, ",") || len(parts) != 3 {
		t.Fatalf("plugins entry %q: want %s@%s@<zip URL>", entry, pluginID, version)
	}
	if parts[0] != pluginID {
		t.Errorf("plugins entry installs %q, want %q", parts[0], pluginID)
	}
	if parts[1] != version {
		t.Errorf("plugins entry pins %q, the zip is %q: Grafana would reinstall it at every start or never update it", parts[1], version)
	}
	wantZip := fmt.Sprintf("/%s-%s.zip", pluginID, version)
	if !regexp.MustCompile(`^https?://[^\s;]+$`).MatchString(parts[2]) || !strings.HasSuffix(parts[2], wantZip) {
		t.Errorf("plugins entry URL %q: want an http(s) URL of %s", parts[2], wantZip[1:])
	}

	ini, _ := values["grafana.ini"].(map[string]any)
	section, _ := ini["plugins"].(map[string]any)
	if v, ok := section["preinstall_disabled"]; ok && fmt.Sprint(v) != "false" {
		t.Errorf("grafana.ini plugins.preinstall_disabled = %v: Grafana then ignores the plugins list", v)
	}
	allowed := strings.Split(fmt.Sprint(section["allow_loading_unsigned_plugins"]), ",")
	for _, id := range []string{pluginID, panelID} {
		if !slices.Contains(allowed, id) {
			t.Errorf("grafana.ini plugins.allow_loading_unsigned_plugins = %v lacks %s", allowed, id)
		}
	}
	if _, ok := values["env"].(map[string]any)["GF_INSTALL_PLUGINS"]; ok {
		t.Errorf("env sets GF_INSTALL_PLUGINS: the plugins list is the chart's install setting")
	}

	image, _ := values["image"].(map[string]any)
	tag := fmt.Sprint(image["tag"])
	if !regexp.MustCompile(`^(12\.([4-9]|\d\d)|1[3-9]\.\d+)\.\d+$`).MatchString(tag) {
		t.Errorf("image.tag %q: want a pinned Grafana version >= 12.4.0", tag)
	}
}

// serverSettingKeys are the keys of grafana.ini [plugin.seed-stackcapture-app] the plugin
// reads (server-level configuration), from the settings spec the plugin and the README's
// table follow; per-cluster keys (cluster_<name>_…) for each of clusters.
func serverSettingKeys(t *testing.T, clusters []string) []string {
	t.Helper()
	spec, err := settingspec.Load()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, st := range spec.Server {
		rest, perCluster := strings.CutPrefix(st.Key, "cluster_<name>_")
		if !perCluster {
			keys = append(keys, st.Key)
			continue
		}
		for _, c := range clusters {
			keys = append(keys, "cluster_"+c+"_"+rest)
		}
	}
	return keys
}

// TestValuesConfigureThePlugin: the server-level section, the service account, the token,
// persistence of the database.
func TestValuesConfigureThePlugin(t *testing.T) {
	values := readValues(t)
	ini, _ := values["grafana.ini"].(map[string]any)
	section, ok := ini["plugin."+pluginID].(map[string]any)
	if !ok {
		t.Fatalf("grafana.ini has no section plugin.%s", pluginID)
	}
	keys := serverSettingKeys(t, strings.Split(fmt.Sprint(section["clusters"]), ","))
	// The plugin's own parser accepts the section as Grafana hands it over (one environment
	// variable per key).
	var environ []string
	for k, v := range section {
		environ = append(environ, plugintest.ServerEnv(k, fmt.Sprint(v)))
	}
	if _, err := plugin.ParseServerConfig(environ, func() (string, error) { return "/var/lib/grafana", nil }); err != nil {
		t.Errorf("grafana.ini plugin.%s: the plugin rejects it: %v", pluginID, err)
	}
	for k, v := range section {
		if !slices.Contains(keys, k) {
			t.Errorf("grafana.ini plugin.%s: %q is not a key the plugin reads (%v)", pluginID, k, keys)
		}
		switch v.(type) {
		case map[string]any, []any:
			// The chart writes one level of keys: a nested value would become Go's %v text.
			t.Errorf("grafana.ini plugin.%s: %s must be a scalar, is %T", pluginID, k, v)
		}
	}
	if fmt.Sprint(section["cluster_default_namespaces"]) == "" {
		t.Errorf("no namespace ceiling for the default cluster: no capture would be allowed")
	}
	dbPath := fmt.Sprint(section["database_path"])
	if !strings.HasPrefix(dbPath, "/var/lib/grafana/") {
		t.Errorf("database_path %q is not on the persistent volume at /var/lib/grafana", dbPath)
	}
	if p, _ := values["persistence"].(map[string]any); p["enabled"] != true {
		t.Errorf("persistence is off: the captures are lost with the pod")
	}
	sa, _ := values["serviceAccount"].(map[string]any)
	if sa["create"] != false || sa["name"] != "stackcapture" || values["automountServiceAccountToken"] != true {
		t.Errorf("Grafana must run as the service account of deploy/kubernetes/rbac.yaml with its token mounted: %v", sa)
	}
	if !strings.Contains(string(readFile(t, "..", "kubernetes", "rbac.yaml")), "name: stackcapture\n") {
		t.Errorf("deploy/kubernetes/rbac.yaml does not create the service account stackcapture")
	}
	token, _ := values["envValueFrom"].(map[string]any)["STACKCAPTURE_GRAFANA_TOKEN"].(map[string]any)
	if token["secretKeyRef"] == nil {
		t.Errorf("the contact point's token is not read from a Secret: %v", token)
	}
}

func readFile(t *testing.T, parts ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(parts...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func packageVersion(t *testing.T) string {
	t.Helper()
	var pkg struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(readFile(t, "..", "..", "package.json"), &pkg); err != nil {
		t.Fatalf("package.json: %v", err)
	}
	return pkg.Version
}

// provisioningFiles are the ConfigMap's keys and the repository files they hold.
var provisioningFiles = []struct{ key, file string }{
	{"app.yaml", "app.yaml"},
	{"datasource.yaml", "../../provisioning/datasources/prometheus.yaml"},
	{"alerting.yaml", "../../provisioning/alerting/stackcapture.yaml"},
	{"dashboards.yaml", "../../provisioning/dashboards/stackcapture.yaml"},
	{"jvm-cpu.json", "../../provisioning/dashboards/json/jvm-cpu.json"},
}

func renderProvisioningConfigMap(t *testing.T) []byte {
	t.Helper()
	data := map[string]string{}
	for _, f := range provisioningFiles {
		data[f.key] = string(readFile(t, f.file))
	}
	cm := map[string]any{
		"apiVersion": "v1",
		"kind":       "ConfigMap",
		"metadata":   map[string]any{"name": "stackcapture-provisioning", "namespace": "monitoring"},
		"data":       data,
	}
	body, err := yaml.Marshal(cm)
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte("# Generated from provisioning/ and deploy/helm/app.yaml by\n"+
		"#   go test ./deploy/helm -run TestProvisioningConfigMap -update\n"+
		"# Grafana in the monitoring namespace mounts each key (deploy/helm/values.yaml).\n"), body...)
}

// TestProvisioningConfigMap keeps the ConfigMap the Helm install mounts identical to the
// provisioning docker compose uses, and every mount of the values pointing at one of its keys
// in the folder Grafana reads that kind of provisioning from.
func TestProvisioningConfigMap(t *testing.T) {
	want := renderProvisioningConfigMap(t)
	if *update {
		if err := os.WriteFile("provisioning-configmap.yaml", want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := readFile(t, "provisioning-configmap.yaml"); !bytes.Equal(got, want) {
		t.Errorf("provisioning-configmap.yaml is stale: go test ./deploy/helm -run TestProvisioningConfigMap -update")
	}

	dirs := map[string]string{
		"app.yaml":        "/etc/grafana/provisioning/plugins/",
		"datasource.yaml": "/etc/grafana/provisioning/datasources/",
		"alerting.yaml":   "/etc/grafana/provisioning/alerting/",
		"dashboards.yaml": "/etc/grafana/provisioning/dashboards/",
		// where provisioning/dashboards/stackcapture.yaml's provider reads dashboards
		"jvm-cpu.json": "/etc/grafana/provisioning/dashboards/json/",
	}
	mounts, _ := readValues(t)["extraConfigmapMounts"].([]any)
	names := map[string]bool{}
	for _, m := range mounts {
		m, _ := m.(map[string]any)
		key := fmt.Sprint(m["subPath"])
		dir, ok := dirs[key]
		if !ok {
			t.Errorf("mount %v: subPath is not a key of the ConfigMap", m)
			continue
		}
		delete(dirs, key)
		name := fmt.Sprint(m["name"])
		if names[name] {
			t.Errorf("two mounts named %s: the volume names must differ", name)
		}
		names[name] = true
		mountPath := fmt.Sprint(m["mountPath"])
		if m["configMap"] != "stackcapture-provisioning" || filepath.Dir(mountPath)+"/" != dir || m["readOnly"] != true {
			t.Errorf("mount %v: want ConfigMap stackcapture-provisioning, read-only, in %s", m, dir)
		}
	}
	if len(dirs) > 0 {
		t.Errorf("ConfigMap keys not mounted: %v", dirs)
	}
	if !strings.Contains(string(readFile(t, "../../provisioning/dashboards/stackcapture.yaml")), "path: /etc/grafana/provisioning/dashboards/json") {
		t.Errorf("the dashboard provider no longer reads /etc/grafana/provisioning/dashboards/json")
	}
}
