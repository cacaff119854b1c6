package plugin

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/jvmheap"
	"github.com/seed/stackcapture/pkg/kube"
	"github.com/seed/stackcapture/pkg/settingspec"
)

func TestParseServerConfig(t *testing.T) {
	tests := []struct {
		name    string
		environ []string
		want    ServerConfig
		wantErr []string
	}{
		{
			name:    "defaults: one in-cluster cluster that allows no namespace",
			environ: []string{"PATH=/bin", "GF_PLUGIN_VERSION=1.0.0"},
			want: ServerConfig{DatabasePath: "/var/lib/grafana/stackcapture/captures.db", PerNodeLimit: 10, GlobalLimit: 20,
				MaxDatabaseBytes: 1 << 30, MinCooldown: time.Minute, OutputBudgetBytes: 48 << 20,
				HeapHistogram: jvmheap.HistogramAll, HeapHistogramMaxBytes: 2 << 30,
				Clusters: []ClusterConfig{{Name: "default", APIServer: "https://kubernetes.default.svc"}}},
		},
		{
			name: "every key, as Grafana hands grafana.ini's [plugin.seed-stackcapture-app] to the plugin",
			environ: []string{
				"GF_PLUGIN_DATABASE_PATH=/data/./sc/captures.db", "GF_PLUGIN_CLUSTERS=prod, lab",
				"GF_PLUGIN_CLUSTER_PROD_NAMESPACES=shop, pay", "GF_PLUGIN_CLUSTER_PROD_TOKEN_FILE=/t/token",
				"GF_PLUGIN_CLUSTER_PROD_CA_FILE=/t/ca.crt", "GF_PLUGIN_CLUSTER_PROD_API_SERVER=https://10.0.0.1:6443",
				"GF_PLUGIN_CLUSTER_LAB_KUBECONFIG=/etc/kube/lab", "GF_PLUGIN_CLUSTER_LAB_CONTEXT=kind-lab",
				"GF_PLUGIN_CLUSTER_LAB_NAMESPACES=*", "GF_PLUGIN_ALLOW_EXEC_CREDENTIALS=true", "GF_PLUGIN_ALLOW_KUBELET_PPROF=yes",
				"GF_PLUGIN_PER_NODE_LIMIT=1", "GF_PLUGIN_GLOBAL_LIMIT=3", "GF_PLUGIN_MAX_DATABASE_BYTES=2097152", "GF_PLUGIN_MIN_COOLDOWN=0s",
				"GF_PLUGIN_OUTPUT_BUDGET_BYTES=134217728", "GF_PLUGIN_HEAP_HISTOGRAM=Full", "GF_PLUGIN_HEAP_HISTOGRAM_MAX_BYTES=512 MiB",
			},
			want: ServerConfig{DatabasePath: "/data/sc/captures.db", AllowExecCredentials: true, AllowKubeletPprof: true, PerNodeLimit: 1, GlobalLimit: 3,
				MaxDatabaseBytes: 2 << 20, OutputBudgetBytes: 128 << 20, HeapHistogram: jvmheap.HistogramFull, HeapHistogramMaxBytes: 512 << 20,
				Clusters: []ClusterConfig{
					{Name: "prod", Namespaces: []string{"shop", "pay"}, TokenFile: "/t/token", CAFile: "/t/ca.crt", APIServer: "https://10.0.0.1:6443"},
					{Name: "lab", Kubeconfig: "/etc/kube/lab", Context: "kind-lab", AllNamespaces: true},
				}},
		},
		{
			name:    "KUBERNETES_SERVICE_HOST/PORT, when Grafana passes them, name the in-cluster API server",
			environ: []string{"KUBERNETES_SERVICE_HOST=10.96.0.1", "KUBERNETES_SERVICE_PORT=443"},
			want: ServerConfig{DatabasePath: "/var/lib/grafana/stackcapture/captures.db", PerNodeLimit: 10, GlobalLimit: 20,
				MaxDatabaseBytes: 1 << 30, MinCooldown: time.Minute, OutputBudgetBytes: 48 << 20,
				HeapHistogram: jvmheap.HistogramAll, HeapHistogramMaxBytes: 2 << 30,
				Clusters: []ClusterConfig{{Name: "default", APIServer: "https://10.96.0.1:443"}}},
		},
		{
			name: "bad values are all reported",
			environ: []string{"GF_PLUGIN_DATABASE_PATH=rel.db", "GF_PLUGIN_CLUSTERS=Prod,ok,ok", "GF_PLUGIN_CLUSTER_OK_NAMESPACES=Shop!",
				"GF_PLUGIN_CLUSTER_TYPO_KUBECONFIG=/k", "GF_PLUGIN_ALLOW_EXEC_CREDENTIALS=maybe", "GF_PLUGIN_PER_NODE_LIMIT=0", "GF_PLUGIN_ALLOW_KUBELET_PPROF=on",
				"GF_PLUGIN_CLUSTER_OK_KUBECONFIG=relative", "GF_PLUGIN_OUTPUT_BUDGET_BYTES=1024",
				"GF_PLUGIN_HEAP_HISTOGRAM=live", "GF_PLUGIN_HEAP_HISTOGRAM_MAX_BYTES=1 KiB"},
			wantErr: []string{`database_path: "rel.db" must be an absolute path`, `clusters: "Prod" is not a cluster name`,
				`clusters: "ok" is listed twice`, `cluster_ok_namespaces: "Shop!" is not a namespace name`,
				"cluster_typo_kubeconfig: names a cluster that is not in clusters", `allow_exec_credentials: "maybe"`, `allow_kubelet_pprof: "on" is not true or false`,
				`per_node_limit: "0"`, `cluster_ok_kubeconfig: "relative" must be an absolute path`, `output_budget_bytes: "1024"`,
				`heap_histogram: "live" is not all, full or none`, `heap_histogram_max_bytes: "1 KiB"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseServerConfig(tt.environ, fixedDataDir("/var/lib/grafana"))
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("accepted: %+v", got)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestNamespaceCeiling(t *testing.T) {
	tests := []struct {
		cluster ClusterConfig
		ns      string
		want    bool
	}{
		{ClusterConfig{Name: "a"}, "shop", false}, // empty: none
		{ClusterConfig{Name: "a", AllNamespaces: true}, "shop", true},
		{ClusterConfig{Name: "a", Namespaces: []string{"shop"}}, "shop", true},
		{ClusterConfig{Name: "a", Namespaces: []string{"shop"}}, "pay", false},
	}
	for _, tt := range tests {
		if got := tt.cluster.AllowsNamespace(tt.ns); got != tt.want {
			t.Errorf("%+v allows %s = %v", tt.cluster, tt.ns, got)
		}
	}
}

// Every grafana.ini key the settings spec documents (and so the README's server table) is one
// ParseServerConfig reads: set alone to a valid value other than its default, it changes the
// configuration. The in-cluster defaults the table states are the client's.
func TestEverySpecServerKeyIsRead(t *testing.T) {
	spec, err := settingspec.Load()
	if err != nil {
		t.Fatal(err)
	}
	// A valid value other than the default, for keys whose kind alone does not give one.
	values := map[string]string{
		"clusters":                  "default,other",
		"cluster_<name>_context":    "kind-lab",
		"cluster_<name>_namespaces": "shop",
		"cluster_<name>_api_server": "https://10.0.0.1:6443",
		"heap_histogram":            "none",
	}
	defaults, err := ParseServerConfig(nil, fixedDataDir("/var/lib/grafana"))
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range spec.Server {
		v, ok := values[st.Key]
		if !ok {
			switch st.Kind {
			case settingspec.KindBool:
				v = "true"
			case settingspec.KindPath:
				v = "/spec-test/" + strings.NewReplacer("<", "", ">", "").Replace(st.Key)
			case settingspec.KindInt, settingspec.KindBytes:
				def, lo, _, err := st.IntBounds()
				if err != nil {
					t.Fatal(err)
				}
				v = fmt.Sprint(lo)
				if lo == def {
					v = fmt.Sprint(def + 1)
				}
			case settingspec.KindDuration:
				def, lo, _, err := st.DurationBounds()
				if err != nil {
					t.Fatal(err)
				}
				v = lo.String()
				if lo == def {
					v = (def + time.Second).String()
				}
			default:
				t.Fatalf("%s: no test value for a %q setting: add one to values", st.Key, st.Kind)
			}
		}
		key := strings.Replace(st.Key, "<name>", "default", 1)
		got, err := ParseServerConfig([]string{serverEnvPrefix + strings.ToUpper(key) + "=" + v}, fixedDataDir("/var/lib/grafana"))
		if err != nil {
			t.Errorf("%s=%s: %v", key, v, err)
			continue
		}
		if reflect.DeepEqual(got, defaults) {
			t.Errorf("%s=%s changed nothing: the README documents a key the plugin does not read", key, v)
		}
	}
	for key, want := range map[string]string{
		"cluster_<name>_token_file": kube.DefaultTokenFile,
		"cluster_<name>_ca_file":    kube.DefaultCAFile,
		"cluster_<name>_api_server": kube.DefaultAPIServer,
	} {
		st, err := spec.ServerSetting(key)
		if err != nil || !strings.Contains(st.DefaultText, "`"+want+"`") {
			t.Errorf("%s: the spec's default %q (%v) does not name the client's %s", key, st.DefaultText, err, want)
		}
	}
}
