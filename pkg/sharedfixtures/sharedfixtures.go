// Package sharedfixtures reads the fixtures in ../shared beside the repository (real Grafana
// webhook payloads, real thread dumps). A missing fixture fails the test that asked for it:
// the shared folder is part of every checkout CI runs, so its absence is never a skip.
package sharedfixtures

import (
	"os"
	"path/filepath"
	"testing"
)

// Path returns the path of a file under shared/fixtures, found from the test's working
// directory (any package of the module) by walking up to go.mod.
func Path(tb testing.TB, parts ...string) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatalf("working directory: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatalf("no go.mod above the test's working directory: cannot find ../shared")
		}
		dir = parent
	}
	return filepath.Join(append([]string{filepath.Dir(dir), "shared", "fixtures"}, parts...)...)
}

// Read returns a fixture's bytes, failing the test when it is missing.
func Read(tb testing.TB, parts ...string) []byte {
	tb.Helper()
	path := Path(tb, parts...)
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("shared fixture %s is missing (the shared/ folder must sit beside the repository): %v", path, err)
	}
	return b
}

// Webhook returns a Grafana webhook body from shared/fixtures/grafana-webhook.
func Webhook(tb testing.TB, name string) []byte {
	tb.Helper()
	return Read(tb, "grafana-webhook", name)
}

// ThreadDump returns a thread dump from shared/fixtures/threaddumps.
func ThreadDump(tb testing.TB, name string) string {
	tb.Helper()
	return string(Read(tb, "threaddumps", name))
}
