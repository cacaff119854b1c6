package alert

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// ValidateNames checks target names with Kubernetes' own rules before they reach an API path.
// Labels come from whatever the alert rule's query returned, so this is the line between
// arbitrary strings and names the API server could hold. An empty container is allowed.
func ValidateNames(namespace, pod, container string) error {
	checks := []struct {
		what, value string
		rule        func(string) []string
		optional    bool
	}{
		{"namespace", namespace, validation.IsDNS1123Label, false},
		{"pod", pod, validation.IsDNS1123Subdomain, false},
		{"container", container, validation.IsDNS1123Label, true},
	}
	for _, c := range checks {
		if c.value == "" && c.optional {
			continue
		}
		if problems := c.rule(c.value); len(problems) > 0 {
			return fmt.Errorf("invalid %s name %q: %s", c.what, c.value, strings.Join(problems, "; "))
		}
	}
	return nil
}

// validNode keeps a node label only when it could be a node name. The node is a hint for the
// per-node limit until the pod's spec.nodeName is known, so a bad one is dropped, not fatal.
func validNode(node string) string {
	if node == "" || len(validation.IsDNS1123Subdomain(node)) > 0 {
		return ""
	}
	return node
}
