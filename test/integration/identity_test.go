//go:build integration

package integration

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
)

// The service account deploy/kubernetes/rbac.yaml creates; TestMain applies that file as is.
const (
	shippedNamespace = "monitoring"
	shippedAccount   = "stackcapture"
)

// identity is a service account the plugin runs as, with a config carrying a token the API
// server issued for it.
type identity struct {
	namespace, name string
	config          *rest.Config
}

func testContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// shippedIdentity is the plugin's service account with the shipped cluster-wide RBAC.
func shippedIdentity(t testing.TB) identity {
	t.Helper()
	c := clusterFor(t)
	cfg, err := c.serviceAccountConfig(testContext(t), shippedNamespace, shippedAccount)
	if err != nil {
		t.Fatal(err)
	}
	return identity{namespace: shippedNamespace, name: shippedAccount, config: cfg}
}

// identityWithout applies deploy/kubernetes/rbac.yaml under a fresh name with one grant taken
// out: verb on resource (e.g. "get", "pods/exec"), or every verb on it when verb is empty.
// That is the shipped RBAC minus exactly that permission.
func identityWithout(t testing.TB, verb, resource string) identity {
	t.Helper()
	c := clusterFor(t)
	ctx := testContext(t)
	name := "stackcapture-" + randomSuffix(t)
	dropped := false
	err := c.applyFile(ctx, clusterRBACFile, func(o *unstructured.Unstructured) bool {
		switch o.GetKind() {
		case "ServiceAccount":
			o.SetName(name)
		case "ClusterRole":
			o.SetName(name)
			rules, _, _ := unstructured.NestedSlice(o.Object, "rules")
			var kept []any
			for _, r := range rules {
				kept = append(kept, withoutGrant(r.(map[string]any), verb, resource, &dropped)...)
			}
			_ = unstructured.SetNestedSlice(o.Object, kept, "rules")
		case "ClusterRoleBinding":
			o.SetName(name)
			_ = unstructured.SetNestedField(o.Object, name, "roleRef", "name")
			renameSubjects(t, o, name)
		default:
			t.Fatalf("%s has a %s; the test knows ServiceAccount, ClusterRole and ClusterRoleBinding", clusterRBACFile, o.GetKind())
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if !dropped {
		t.Fatalf("%s does not grant %q on %s, so there is nothing to take away", clusterRBACFile, verb, resource)
	}
	t.Cleanup(func() { deleteClusterRBAC(c, name) })
	return newIdentity(t, shippedNamespace, name)
}

// withoutGrant returns the rule with verb (all verbs when empty) on resource taken out: the
// rule as it was, split in two, or nothing.
func withoutGrant(rule map[string]any, verb, resource string, dropped *bool) []any {
	resources, _, _ := unstructured.NestedStringSlice(rule, "resources")
	verbs, _, _ := unstructured.NestedStringSlice(rule, "verbs")
	if !slices.Contains(resources, resource) || (verb != "" && !slices.Contains(verbs, verb)) {
		return []any{rule}
	}
	*dropped = true
	var out []any
	if others := slices.DeleteFunc(slices.Clone(resources), func(r string) bool { return r == resource }); len(others) > 0 {
		r := runtime.DeepCopyJSON(rule)
		_ = unstructured.SetNestedStringSlice(r, others, "resources")
		out = append(out, r)
	}
	if verb == "" {
		return out
	}
	if left := slices.DeleteFunc(slices.Clone(verbs), func(v string) bool { return v == verb }); len(left) > 0 {
		r := runtime.DeepCopyJSON(rule)
		_ = unstructured.SetNestedStringSlice(r, []string{resource}, "resources")
		_ = unstructured.SetNestedStringSlice(r, left, "verbs")
		out = append(out, r)
	}
	return out
}

// namespacedIdentity is the namespaced variant as the files describe it: rbac.yaml's
// ServiceAccount and ClusterRole (under a fresh account name), no ClusterRoleBinding, and
// namespaced/rbac.yaml's RoleBinding in each of namespaces.
func namespacedIdentity(t testing.TB, namespaces ...string) identity {
	t.Helper()
	c := clusterFor(t)
	ctx := testContext(t)
	name := "stackcapture-" + randomSuffix(t)
	err := c.applyFile(ctx, clusterRBACFile, func(o *unstructured.Unstructured) bool {
		switch o.GetKind() {
		case "ServiceAccount":
			o.SetName(name)
			return true
		case "ClusterRole":
			return true // the shipped one, already applied by TestMain
		}
		return false
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range namespaces {
		err := c.applyFile(ctx, namespacedRBACFile, func(o *unstructured.Unstructured) bool {
			if o.GetKind() != "RoleBinding" {
				t.Fatalf("%s has a %s; the test knows RoleBinding", namespacedRBACFile, o.GetKind())
			}
			o.SetNamespace(ns)
			renameSubjects(t, o, name)
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return newIdentity(t, shippedNamespace, name)
}

func newIdentity(t testing.TB, namespace, name string) identity {
	t.Helper()
	cfg, err := clusterFor(t).serviceAccountConfig(testContext(t), namespace, name)
	if err != nil {
		t.Fatal(err)
	}
	return identity{namespace: namespace, name: name, config: cfg}
}

// renameSubjects points a binding's service-account subject at the account called name.
func renameSubjects(t testing.TB, o *unstructured.Unstructured, name string) {
	t.Helper()
	subjects, _, _ := unstructured.NestedSlice(o.Object, "subjects")
	if len(subjects) != 1 {
		t.Fatalf("%s %s has %d subjects, want the one service account", o.GetKind(), o.GetName(), len(subjects))
	}
	s := subjects[0].(map[string]any)
	if s["kind"] != "ServiceAccount" || s["name"] != shippedAccount || s["namespace"] != shippedNamespace {
		t.Fatalf("%s %s binds %v, want ServiceAccount %s/%s", o.GetKind(), o.GetName(), s, shippedNamespace, shippedAccount)
	}
	s["name"] = name
	_ = unstructured.SetNestedSlice(o.Object, subjects, "subjects")
}

func deleteClusterRBAC(c *cluster, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, r := range []string{"clusterrolebindings", "clusterroles"} {
		gvr := schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: r}
		_ = c.dynamic.Resource(gvr).Delete(ctx, name, metav1.DeleteOptions{})
	}
}

func randomSuffix(t testing.TB) string {
	t.Helper()
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

var notDNSLabel = regexp.MustCompile(`[^a-z0-9-]+`)

// newNamespace creates a namespace of the test's own. Nothing deletes it: without a
// controller-manager a namespace never finishes terminating, and the cluster goes at the end.
func newNamespace(t testing.TB) string {
	t.Helper()
	base := strings.Trim(notDNSLabel.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	if len(base) > 50 {
		base = base[:50]
	}
	ns := fmt.Sprintf("%s-%s", strings.TrimRight(base, "-"), randomSuffix(t))
	if err := clusterFor(t).createNamespace(testContext(t), ns); err != nil {
		t.Fatal(err)
	}
	return ns
}
