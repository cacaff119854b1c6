package plugin

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/seed/stackcapture/pkg/alert"
)

// orgOf is the org of the request: Grafana sets it in the plugin context from the caller's
// session or service account, never from anything the caller sends.
func orgOf(r *http.Request) int64 {
	return orgOfContext(r.Context())
}

// orgOfContext is the org of the plugin context in ctx; 0 when there is none.
func orgOfContext(ctx context.Context) int64 {
	// Deprecated in favour of Namespace ("default" for org 1, "org-<id>" otherwise), which
	// names the same org; Grafana 12.4 and 13 still set OrgID on every call.
	return backend.PluginConfigFromContext(ctx).OrgID //nolint:staticcheck // see above
}

// orgClusters are the server's clusters this org may use, in the server's order.
func (a *App) orgClusters() []*cluster {
	var out []*cluster
	for _, cc := range a.rt.cfg.Clusters {
		if len(a.settings.Clusters) > 0 && !slices.Contains(a.settings.Clusters, cc.Name) {
			continue
		}
		out = append(out, a.rt.clusters[cc.Name])
	}
	return out
}

func clusterNames(cs []*cluster) string {
	if len(cs) == 0 {
		return "none"
	}
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.cfg.Name
	}
	return strings.Join(names, ", ")
}

// pickCluster finds the cluster an alert's labels name. With exactly one cluster for the org,
// an alert without the label means that one. The reason, when non-empty, is why none fits.
func (a *App) pickCluster(labels map[string]string) (*cluster, string) {
	allowed := a.orgClusters()
	name := strings.TrimSpace(labels[a.settings.ClusterLabel])
	if name == "" {
		if len(allowed) == 1 && len(a.rt.cfg.Clusters) == 1 {
			return allowed[0], ""
		}
		return nil, fmt.Sprintf("alert has no cluster label %q: this org may capture in %s", a.settings.ClusterLabel, clusterNames(allowed))
	}
	for _, c := range allowed {
		if c.cfg.Name == name {
			return c, ""
		}
	}
	what := "unknown cluster"
	if _, ok := a.rt.clusters[name]; ok {
		what = "cluster not allowed for this org"
	}
	return nil, fmt.Sprintf("%s %q (label %q): this org may capture in %s", what, clip(name, 63), a.settings.ClusterLabel, clusterNames(allowed))
}

// namespaceReason is why this org may not capture in ns on cl, or "".
func (a *App) namespaceReason(cl *cluster, ns string) string {
	if slices.Contains(a.settings.DeniedNamespaces, ns) {
		return fmt.Sprintf("namespace %q is denied by the app's deniedNamespaces setting", ns)
	}
	if len(a.settings.AllowedNamespaces) > 0 && !slices.Contains(a.settings.AllowedNamespaces, ns) {
		return fmt.Sprintf("namespace %q is not in the app's allowedNamespaces setting", ns)
	}
	if !cl.cfg.AllowsNamespace(ns) {
		return fmt.Sprintf("namespace %q of cluster %s is not allowed by the server admin (cluster_%s_namespaces allows %s)",
			ns, cl.cfg.Name, cl.cfg.Name, cl.cfg.describeCeiling())
	}
	return ""
}

// permittedNamespaces are the namespaces this org may capture in on cl: nil with all=true for
// every namespace, else the list (possibly empty: none).
func (a *App) permittedNamespaces(cl *cluster) (namespaces []string, all bool) {
	switch {
	case len(a.settings.AllowedNamespaces) > 0:
		for _, ns := range a.settings.AllowedNamespaces {
			if a.namespaceReason(cl, ns) == "" {
				namespaces = append(namespaces, ns)
			}
		}
		return namespaces, false
	case cl.cfg.AllNamespaces:
		return nil, true
	default:
		for _, ns := range cl.cfg.Namespaces {
			if a.namespaceReason(cl, ns) == "" {
				namespaces = append(namespaces, ns)
			}
		}
		return namespaces, false
	}
}

// clip cuts s to n bytes for a message, saying so.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// targetLabels are the labels an alert target carries, for the cluster label.
func targetLabels(t alert.Target) map[string]string {
	if t.Alert == nil {
		return nil
	}
	return t.Alert.Labels
}
