package alert

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/validation"
)

// quotePrefixBytes bounds how much of a rejected value a reason or log line repeats: enough to
// recognise the value, never the whole of a label that may be hundreds of kilobytes.
const quotePrefixBytes = 64

// QuoteBounded quotes s for a reason or a log line. A value longer than quotePrefixBytes is
// cut at a rune boundary and its length given, so "aaaa…" (102400 bytes) says what was sent
// without repeating it.
func QuoteBounded(s string) string {
	if len(s) <= quotePrefixBytes {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q… (%d bytes)", cutAtRune(s, quotePrefixBytes), len(s))
}

// cutAtRune returns the longest prefix of s of at most n bytes that does not split a UTF-8 sequence.
func cutAtRune(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// ValidateNames checks target names with Kubernetes' own rules before they reach an API path.
// Labels come from whatever the alert rule's query returned, so this is the line between
// arbitrary strings and names the API server could hold. An empty container is allowed.
// The error quotes a bounded prefix of a bad name, never the whole of it.
func ValidateNames(namespace, pod, container string) error {
	checks := []struct {
		what, value string
		rule        func(string) []string
		optional    bool
	}{
		// Namespace and container are DNS-1123 labels (at most 63), pods DNS-1123 subdomains (at most 253).
		{"namespace", namespace, validation.IsDNS1123Label, false},
		{"pod", pod, validation.IsDNS1123Subdomain, false},
		{"container", container, validation.IsDNS1123Label, true},
	}
	for _, c := range checks {
		if c.value == "" && c.optional {
			continue
		}
		if problems := c.rule(c.value); len(problems) > 0 {
			return fmt.Errorf("invalid %s name %s: %s", c.what, QuoteBounded(c.value), strings.Join(problems, "; "))
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
