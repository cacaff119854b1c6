package plugin

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/seed/stackcapture/pkg/settingspec"
)

// These tests keep the shipped pieces in step with the code: a contact point that calls a
// route that exists, a rule linked to a panel that exists, a panel type that is the nested
// plugin's id, RBAC that grants exactly what the code uses.

func repoFile(t *testing.T, parts ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{"..", ".."}, parts...)...))
	if err != nil {
		t.Fatalf("read %s: %v", filepath.Join(parts...), err)
	}
	return b
}

func yamlDocs(t *testing.T, raw []byte, into func(doc []byte)) {
	t.Helper()
	for _, doc := range strings.Split(string(raw), "\n---") {
		if strings.TrimSpace(doc) != "" {
			into([]byte(doc))
		}
	}
}

type alertingFile struct {
	ContactPoints []struct {
		Name      string `json:"name"`
		Receivers []struct {
			Type     string            `json:"type"`
			Settings map[string]string `json:"settings"`
		} `json:"receivers"`
	} `json:"contactPoints"`
	Policies []struct {
		Routes []struct {
			Receiver       string     `json:"receiver"`
			ObjectMatchers [][]string `json:"object_matchers"`
		} `json:"routes"`
	} `json:"policies"`
	Groups []struct {
		Rules []struct {
			Title       string            `json:"title"`
			Labels      map[string]string `json:"labels"`
			Annotations map[string]string `json:"annotations"`
			Data        []struct {
				Model map[string]any `json:"model"`
			} `json:"data"`
		} `json:"rules"`
	} `json:"groups"`
}

func readAlerting(t *testing.T) alertingFile {
	t.Helper()
	var f alertingFile
	if err := yaml.Unmarshal(repoFile(t, "provisioning", "alerting", "stackcapture.yaml"), &f); err != nil {
		t.Fatal(err)
	}
	return f
}

type dashboard struct {
	UID    string `json:"uid"`
	Panels []struct {
		ID      int64          `json:"id"`
		Type    string         `json:"type"`
		Options map[string]any `json:"options"`
	} `json:"panels"`
}

func readDashboard(t *testing.T) dashboard {
	t.Helper()
	var d dashboard
	if err := json.Unmarshal(repoFile(t, "provisioning", "dashboards", "json", "jvm-cpu.json"), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// Every provisioned rule that starts captures keeps the pod's labels in its query and is linked
// to a graph of the dashboard, beside which a captures panel filters on that graph.
func TestRuleIsLinkedToTheDashboardPanel(t *testing.T) {
	f := readAlerting(t)
	d := readDashboard(t)
	titles := map[string]bool{}
	for _, g := range f.Groups {
		for _, rule := range g.Rules {
			if _, ok := rule.Labels["capture"]; !ok {
				continue
			}
			titles[rule.Title] = true
			expr, _ := rule.Data[0].Model["expr"].(string)
			for _, label := range []string{"namespace", "pod", "container", "node"} {
				if !strings.Contains(expr, label) {
					t.Errorf("rule %q: the query %q does not keep the %s label", rule.Title, expr, label)
				}
			}
			if rule.Annotations["__dashboardUid__"] != d.UID {
				t.Errorf("rule %q links dashboard %q, the dashboard is %q", rule.Title, rule.Annotations["__dashboardUid__"], d.UID)
			}
			panelID, err := strconv.ParseInt(rule.Annotations["__panelId__"], 10, 64)
			if err != nil {
				t.Errorf("rule %q: __panelId__ %q", rule.Title, rule.Annotations["__panelId__"])
				continue
			}
			var linked, captures bool
			for _, p := range d.Panels {
				if p.ID == panelID && p.Type == "timeseries" {
					linked = true
				}
				if p.Type == "seed-stackcapture-panel" && p.Options["linkedToDashboard"] == true && p.Options["panelId"] == float64(panelID) {
					captures = true
				}
			}
			if !linked || !captures {
				t.Errorf("rule %q: dashboard %s: graph %d found %v, a captures panel filtering on it found %v", rule.Title, d.UID, panelID, linked, captures)
			}
		}
	}
	for _, want := range []string{"Pod CPU above 1 core", "Pod memory near its limit"} {
		if !titles[want] {
			t.Errorf("no provisioned capture rule %q (have %v)", want, titles)
		}
	}
}

func TestPanelTypeIsTheNestedPluginID(t *testing.T) {
	var app struct {
		ID       string `json:"id"`
		Backend  bool   `json:"backend"`
		Exe      string `json:"executable"`
		Includes []struct {
			Type string `json:"type"`
			Name string `json:"name"`
		} `json:"includes"`
	}
	if err := json.Unmarshal(repoFile(t, "plugin.json"), &app); err != nil {
		t.Fatal(err)
	}
	var panel struct {
		ID   string `json:"id"`
		Type string `json:"type"`
		Name string `json:"name"`
	}
	if err := json.Unmarshal(repoFile(t, "src", "panel", "plugin.json"), &panel); err != nil {
		t.Fatal(err)
	}
	if app.ID != PluginID || !app.Backend || app.Exe != "gpx_stackcapture" {
		t.Errorf("plugin.json: id %q backend %v executable %q", app.ID, app.Backend, app.Exe)
	}
	included := slices.ContainsFunc(app.Includes, func(i struct {
		Type string `json:"type"`
		Name string `json:"name"`
	}) bool {
		return i.Type == "panel" && i.Name == panel.Name
	})
	if panel.Type != "panel" || !included {
		t.Errorf("plugin.json includes %+v does not declare the panel %q", app.Includes, panel.Name)
	}
	found := false
	for _, p := range readDashboard(t).Panels {
		found = found || p.Type == panel.ID
	}
	if !found {
		t.Errorf("the dashboard has no panel of type %q", panel.ID)
	}
	// Both ids must be allowed unsigned wherever Grafana is started.
	for _, file := range [][]string{{"docker-compose.yaml"}, {"deploy", "helm", "values.yaml"}} {
		text := string(repoFile(t, file...))
		if !strings.Contains(text, PluginID+","+panel.ID) {
			t.Errorf("%s does not allow loading %s and %s unsigned", filepath.Join(file...), PluginID, panel.ID)
		}
	}
}

func TestRBACGrantsExactlyWhatTheCodeUses(t *testing.T) {
	var granted []string
	yamlDocs(t, repoFile(t, "deploy", "kubernetes", "rbac.yaml"), func(doc []byte) {
		var obj struct {
			Kind  string `json:"kind"`
			Rules []struct {
				APIGroups []string `json:"apiGroups"`
				Resources []string `json:"resources"`
				Verbs     []string `json:"verbs"`
			} `json:"rules"`
		}
		if err := yaml.Unmarshal(doc, &obj); err != nil {
			t.Fatal(err)
		}
		if obj.Kind != "ClusterRole" && obj.Kind != "Role" {
			return
		}
		for _, r := range obj.Rules {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					granted = append(granted, v+" "+res)
				}
			}
		}
	})
	var needed []string
	for _, p := range neededPermissions() {
		name := p.resource
		if p.subresource != "" {
			name += "/" + p.subresource
		}
		needed = append(needed, p.verb+" "+name)
	}
	sort.Strings(granted)
	sort.Strings(needed)
	if !reflect.DeepEqual(granted, needed) {
		t.Errorf("deploy/kubernetes/rbac.yaml grants %v, the code uses %v", granted, needed)
	}

	// The opt-in kubelet file grants nodes/proxy and nothing else, to the same account.
	var kubelet []string
	yamlDocs(t, repoFile(t, "deploy", "kubernetes", "kubelet-pprof.yaml"), func(doc []byte) {
		var obj struct {
			Kind  string `json:"kind"`
			Rules []struct {
				Resources []string `json:"resources"`
				Verbs     []string `json:"verbs"`
			} `json:"rules"`
			Subjects []struct {
				Name      string `json:"name"`
				Namespace string `json:"namespace"`
			} `json:"subjects"`
		}
		if err := yaml.Unmarshal(doc, &obj); err != nil {
			t.Fatal(err)
		}
		for _, r := range obj.Rules {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					kubelet = append(kubelet, v+" "+res)
				}
			}
		}
		for _, s := range obj.Subjects {
			if s.Name != "stackcapture" || s.Namespace != "monitoring" {
				t.Errorf("kubelet-pprof.yaml binds %s/%s, not rbac.yaml's service account monitoring/stackcapture", s.Namespace, s.Name)
			}
		}
	})
	if p := kubeletPermission(); !reflect.DeepEqual(kubelet, []string{p.verb + " " + p.name()}) {
		t.Errorf("deploy/kubernetes/kubelet-pprof.yaml grants %v, want only %s %s", kubelet, p.verb, p.name())
	}
}

func TestComposeRunsThePluginInAPinnedGrafana(t *testing.T) {
	var compose struct {
		Services map[string]struct {
			Image       string            `json:"image"`
			Volumes     []string          `json:"volumes"`
			Environment map[string]string `json:"environment"`
			DependsOn   map[string]struct {
				Condition string `json:"condition"`
			} `json:"depends_on"`
		} `json:"services"`
		Volumes map[string]any `json:"volumes"`
	}
	if err := yaml.Unmarshal(repoFile(t, "docker-compose.yaml"), &compose); err != nil {
		t.Fatal(err)
	}
	g, ok := compose.Services["grafana"]
	if !ok {
		t.Fatal("no grafana service")
	}
	image, tag, _ := strings.Cut(g.Image, ":")
	if image != "grafana/grafana" || !strings.HasPrefix(tag, "12.") || strings.Count(tag, ".") != 2 {
		t.Errorf("image %q: want the official grafana/grafana pinned to a 12.x.y version", g.Image)
	}
	wantMounts := map[string]string{
		"./dist":         "/var/lib/grafana/plugins/" + PluginID + ":ro",
		"./provisioning": "/etc/grafana/provisioning:ro",
		"grafana-data":   "/var/lib/grafana",
	}
	kubeconfigMounted := false
	for _, v := range g.Volumes {
		src, dst, _ := strings.Cut(v, ":")
		if want, ok := wantMounts[src]; ok {
			if dst != want {
				t.Errorf("mount %s → %s, want %s", src, dst, want)
			}
			delete(wantMounts, src)
		}
		if strings.HasSuffix(v, ":/etc/stackcapture/kubeconfig:ro") {
			kubeconfigMounted = true
		}
	}
	if !kubeconfigMounted {
		t.Errorf("no read-only kubeconfig at /etc/stackcapture/kubeconfig, where provisioning points the app")
	}
	if len(wantMounts) > 0 {
		t.Errorf("grafana lacks mounts %v", wantMounts)
	}
	if _, ok := compose.Volumes["grafana-data"]; !ok {
		t.Errorf("grafana-data is not a named volume: the captures would not survive a restart")
	}
	if g.Environment["GF_PLUGINS_PREINSTALL_DISABLED"] != "true" {
		t.Errorf("preinstall not disabled: an offline Grafana 12 fails to start its plugins")
	}
	// The plugin is built before Grafana starts, and it loads plugins at start-up only.
	if g.DependsOn["backend"].Condition != "service_completed_successfully" ||
		compose.Services["backend"].DependsOn["frontend"].Condition != "service_completed_successfully" {
		t.Errorf("grafana must start after the frontend and then the backend built dist/: %+v", g.DependsOn)
	}
}

// TestPackageMetadataPassesTheValidator keeps what Grafana's plugin validator checks in the
// plugin.json files: the nested panel declared with its path, logos and screenshots that
// exist, a panel without queries that says so, and the two copies of the app's plugin.json
// alike.
func TestPackageMetadataPassesTheValidator(t *testing.T) {
	type info struct {
		Logos struct {
			Small string `json:"small"`
			Large string `json:"large"`
		} `json:"logos"`
		Links []struct {
			Name string `json:"name"`
			URL  string `json:"url"`
		} `json:"links"`
		Screenshots []struct {
			Name string `json:"name"`
			Path string `json:"path"`
		} `json:"screenshots"`
	}
	var app struct {
		Info     info `json:"info"`
		Includes []struct {
			Type string `json:"type"`
			Path string `json:"path"`
		} `json:"includes"`
	}
	var panel struct {
		Info          info `json:"info"`
		SkipDataQuery bool `json:"skipDataQuery"`
	}
	if string(repoFile(t, "plugin.json")) != string(repoFile(t, "src", "plugin.json")) {
		t.Errorf("plugin.json and src/plugin.json differ")
	}
	if err := json.Unmarshal(repoFile(t, "src", "plugin.json"), &app); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(repoFile(t, "src", "panel", "plugin.json"), &panel); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(app.Includes, func(i struct {
		Type string `json:"type"`
		Path string `json:"path"`
	}) bool {
		return i.Type == "panel" && i.Path == "panel/plugin.json"
	}) {
		t.Errorf("plugin.json does not include the panel with path panel/plugin.json: %+v", app.Includes)
	}
	if !panel.SkipDataQuery {
		t.Errorf("src/panel/plugin.json: the panel has no queries but lacks skipDataQuery")
	}
	for dir, i := range map[string]info{"src": app.Info, "src/panel": panel.Info} {
		for _, logo := range []string{i.Logos.Small, i.Logos.Large} {
			if logo == "" {
				t.Errorf("%s/plugin.json: empty logo path", dir)
			} else if _, err := os.Stat(filepath.Join("..", "..", dir, logo)); err != nil {
				t.Errorf("%s/plugin.json: logo %v", dir, err)
			}
		}
	}
	if len(app.Info.Screenshots) < 2 || len(app.Info.Links) == 0 {
		t.Errorf("plugin.json: want screenshots of the capture page and the panel, and links: %+v", app.Info)
	}
	readme := string(repoFile(t, "README.md"))
	for _, s := range app.Info.Screenshots {
		png := repoFile(t, "src", s.Path)
		if !strings.HasPrefix(string(png), "\x89PNG\r\n") {
			t.Errorf("screenshot %s is not a PNG", s.Path)
		}
		if !strings.Contains(readme, "(src/"+s.Path+")") {
			t.Errorf("README.md does not show the screenshot src/%s", s.Path)
		}
	}
}

// TestComposeBuildsAsTheHostUser: the build services write into the mounted repository, so
// they must not run as root (root-owned files) nor rewrite the lock (npm install).
func TestComposeBuildsAsTheHostUser(t *testing.T) {
	var compose struct {
		Services map[string]struct {
			User    string   `json:"user"`
			Command string   `json:"command"`
			Volumes []string `json:"volumes"`
		} `json:"services"`
	}
	if err := yaml.Unmarshal(repoFile(t, "docker-compose.yaml"), &compose); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"frontend", "backend"} {
		s := compose.Services[name]
		if !strings.Contains(s.User, "${HOST_UID") || strings.HasPrefix(s.User, "0") || s.User == "" {
			t.Errorf("%s runs as %q: want the host user (HOST_UID:HOST_GID)", name, s.User)
		}
		for _, v := range s.Volumes {
			if strings.Contains(v, "/root/") {
				t.Errorf("%s mounts %s: a cache under root's home is not writable by the host user", name, v)
			}
		}
	}
	if cmd := compose.Services["frontend"].Command; !strings.Contains(cmd, "npm ci") || strings.Contains(cmd, "npm install") {
		t.Errorf("frontend command %q: want npm ci, which never rewrites package-lock.json", cmd)
	}
}

// The rule watching the plugin's own failures reads the metric the plugin serves, is linked
// to a dashboard panel on the same metric, and never carries the label that routes an alert
// to the plugin (it would capture threads because captures fail).
func TestCapturesFailingRuleWatchesThePluginMetric(t *testing.T) {
	const metric = "stackcapture_captures_total"
	f := readAlerting(t)
	var found bool
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			if r.Title != "Stack Capture: captures failing" {
				continue
			}
			found = true
			expr, _ := r.Data[0].Model["expr"].(string)
			if !strings.Contains(expr, metric) || !strings.Contains(expr, `outcome="failed"`) {
				t.Errorf("rule query %q does not count failed captures", expr)
			}
			if _, ok := r.Labels["capture"]; ok {
				t.Errorf("rule labels %v: the capture label would send this alert to the plugin", r.Labels)
			}
			var d struct {
				UID    string `json:"uid"`
				Panels []struct {
					ID      int64 `json:"id"`
					Targets []struct {
						Expr string `json:"expr"`
					} `json:"targets"`
				} `json:"panels"`
			}
			if err := json.Unmarshal(repoFile(t, "provisioning", "dashboards", "json", "jvm-cpu.json"), &d); err != nil {
				t.Fatal(err)
			}
			if r.Annotations["__dashboardUid__"] != d.UID {
				t.Errorf("rule links dashboard %q, the dashboard is %q", r.Annotations["__dashboardUid__"], d.UID)
			}
			linked := false
			for _, p := range d.Panels {
				if strconv.FormatInt(p.ID, 10) != r.Annotations["__panelId__"] {
					continue
				}
				for _, tg := range p.Targets {
					linked = linked || strings.Contains(tg.Expr, metric)
				}
			}
			if !linked {
				t.Errorf("panel %s of the dashboard does not show %s", r.Annotations["__panelId__"], metric)
			}
		}
	}
	if !found {
		t.Error(`no rule "Stack Capture: captures failing" in provisioning/alerting`)
	}
}

// With docker compose the contact point logs in as Grafana's admin (basic auth) from the first
// start; real installs use the token. Grafana refuses a webhook whose username, password and
// authorization credentials are all set, so compose must not pass the token as well.
func TestComposeContactPointWorksFromTheFirstStart(t *testing.T) {
	f := readAlerting(t)
	settings := f.ContactPoints[0].Receivers[0].Settings
	if settings["username"] != "$STACKCAPTURE_WEBHOOK_USER" || settings["password"] != "$STACKCAPTURE_WEBHOOK_PASSWORD" ||
		settings["authorization_credentials"] != "$STACKCAPTURE_GRAFANA_TOKEN" {
		t.Fatalf("contact point settings %v: want basic auth and the token, both from the environment", settings)
	}
	var compose struct {
		Services map[string]struct {
			Environment map[string]string `json:"environment"`
		} `json:"services"`
	}
	if err := yaml.Unmarshal(repoFile(t, "docker-compose.yaml"), &compose); err != nil {
		t.Fatal(err)
	}
	env := compose.Services["grafana"].Environment
	for _, pair := range [][2]string{
		{"STACKCAPTURE_WEBHOOK_USER", "GF_SECURITY_ADMIN_USER"},
		{"STACKCAPTURE_WEBHOOK_PASSWORD", "GF_SECURITY_ADMIN_PASSWORD"},
	} {
		webhook, admin := env[pair[0]], env[pair[1]]
		if webhook == "" || webhook != admin {
			t.Errorf("compose: %s = %q, want the same as %s = %q", pair[0], webhook, pair[1], admin)
		}
	}
	if _, ok := env["STACKCAPTURE_GRAFANA_TOKEN"]; ok {
		t.Error("compose passes STACKCAPTURE_GRAFANA_TOKEN besides the admin login: Grafana refuses the contact point")
	}
	// Helm installs use the token: they must not set the basic-auth variables.
	values := string(repoFile(t, "deploy", "helm", "values.yaml"))
	if strings.Contains(values, "STACKCAPTURE_WEBHOOK_") {
		t.Error("deploy/helm/values.yaml sets the compose-only basic-auth variables")
	}
}

// iniSection reads one section of an ini file as Grafana does for a plugin's section: key =
// value lines, ';' and '#' comments, whitespace around both sides trimmed.
func iniSection(raw []byte, name string) map[string]string {
	out := map[string]string{}
	in := false
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, ";") || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			in = line[1:len(line)-1] == name
		case in:
			if k, v, ok := strings.Cut(line, "="); ok {
				out[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
	}
	return out
}

// docker compose runs Grafana with provisioning/grafana.ini as its grafana.ini: the server
// configuration the quick start gets. With compose's defaults for the variables it reads
// ($__env{…}), every key is one the plugin reads and the plugin accepts the section: one
// cluster through the mounted kubeconfig, every namespace allowed.
func TestComposeGrafanaIniIsAServerConfigThePluginTakes(t *testing.T) {
	var compose struct {
		Services map[string]struct {
			Volumes     []string          `json:"volumes"`
			Environment map[string]string `json:"environment"`
		} `json:"services"`
	}
	if err := yaml.Unmarshal(repoFile(t, "docker-compose.yaml"), &compose); err != nil {
		t.Fatal(err)
	}
	g := compose.Services["grafana"]
	if !slices.Contains(g.Volumes, "./provisioning/grafana.ini:/etc/grafana/grafana.ini:ro") {
		t.Errorf("compose does not mount provisioning/grafana.ini as Grafana's grafana.ini: %v", g.Volumes)
	}
	// compose's value of each variable when the user sets none: ${NAME:-default}.
	composeDefault := regexp.MustCompile(`^\$\{[A-Z0-9_]+:-(.*)\}$`)
	env := map[string]string{}
	for k, v := range g.Environment {
		if m := composeDefault.FindStringSubmatch(v); m != nil {
			v = m[1]
		}
		env[k] = v
	}
	grafanaEnv := regexp.MustCompile(`\$__env\{([A-Za-z0-9_]+)\}`)
	section := iniSection(repoFile(t, "provisioning", "grafana.ini"), "plugin."+PluginID)
	if len(section) == 0 {
		t.Fatalf("provisioning/grafana.ini has no [plugin.%s] section", PluginID)
	}
	spec, err := settingspec.Load()
	if err != nil {
		t.Fatal(err)
	}
	var environ []string
	for k, v := range section {
		for _, m := range grafanaEnv.FindAllStringSubmatch(v, -1) {
			if _, ok := env[m[1]]; !ok {
				t.Errorf("grafana.ini %s reads $__env{%s}, which compose does not set", k, m[1])
			}
		}
		v = grafanaEnv.ReplaceAllStringFunc(v, func(ref string) string { return env[grafanaEnv.FindStringSubmatch(ref)[1]] })
		known := false
		for _, st := range spec.Server {
			prefix, suffix, perCluster := strings.Cut(st.Key, "<name>")
			known = known || k == st.Key || (perCluster && strings.HasPrefix(k, prefix) && strings.HasSuffix(k, suffix) && len(k) > len(prefix)+len(suffix))
		}
		if !known {
			t.Errorf("grafana.ini %s is not a server key of pkg/settingspec/settings.json", k)
		}
		environ = append(environ, serverEnvPrefix+strings.ToUpper(k)+"="+v)
	}
	cfg, err := ParseServerConfig(environ, fixedDataDir("/var/lib/grafana"))
	if err != nil {
		t.Fatalf("the plugin refuses compose's grafana.ini: %v", err)
	}
	cl, ok := cfg.Cluster("default")
	if len(cfg.Clusters) != 1 || !ok || cl.Kubeconfig != "/etc/stackcapture/kubeconfig" || !cl.AllNamespaces {
		t.Errorf("compose's server configuration %+v: want the one cluster default, through the mounted kubeconfig, every namespace allowed", cfg.Clusters)
	}
	if !strings.HasPrefix(cfg.DatabasePath, "/var/lib/grafana/") {
		t.Errorf("database %s is not on the grafana-data volume", cfg.DatabasePath)
	}
}

// The namespace ceiling denies every namespace until the server admin sets it, so every install
// path of the README says where: one that does not leaves its reader with no capture at all.
func TestEveryInstallPathSetsTheNamespaceCeiling(t *testing.T) {
	readme := string(repoFile(t, "README.md"))
	_, install, ok := strings.Cut(readme, "\n## Install\n")
	if !ok {
		t.Fatal("README has no Install section")
	}
	install, _, _ = strings.Cut(install, "\n## ")
	paths := strings.Split(install, "\n### ")[1:]
	if len(paths) == 0 {
		t.Fatal("README's Install section has no install paths (### sections)")
	}
	for _, p := range paths {
		title, _, _ := strings.Cut(p, "\n")
		if !strings.Contains(p, "cluster_default_namespaces") {
			t.Errorf("README install path %q does not say to set cluster_default_namespaces in grafana.ini's [plugin.%s]", title, PluginID)
		}
	}
}
