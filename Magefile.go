//go:build mage

// Build and test targets, run with `go tool mage <target>` (mage is a tool dependency in go.mod).
package main

import (
	"fmt"
	"os"
	"os/exec"

	"github.com/grafana/grafana-plugin-sdk-go/build"
	"github.com/magefile/mage/mg"
)

// Default builds the whole plugin into dist/.
var Default = Build

// Build builds the frontend and the backend for linux/amd64 and linux/arm64 into dist/.
func Build() error {
	mg.SerialDeps(Frontend, Backend)
	return nil
}

// Frontend installs the locked npm packages when missing and builds the frontend into dist/.
func Frontend() error {
	if _, err := os.Stat("node_modules"); err != nil {
		if err := run("npm", "ci", "--no-audit", "--no-fund"); err != nil {
			return err
		}
	}
	return run("npm", "run", "build")
}

// Backend builds gpx_stackcapture_linux_amd64 and _linux_arm64 into dist/.
func Backend() error {
	b := build.Build{}
	if err := b.Linux(); err != nil {
		return fmt.Errorf("backend linux/amd64: %w", err)
	}
	if err := b.LinuxARM64(); err != nil {
		return fmt.Errorf("backend linux/arm64: %w", err)
	}
	return nil
}

// Test runs every test: Go (with the race detector, real JVMs, real SQLite, Kubernetes' exec
// server in process) and the frontend (typecheck, lint, Jest, production build).
func Test() {
	mg.SerialDeps(TestGo, TestFrontend)
}

// TestGo vets and runs the Go tests.
func TestGo() error {
	if err := run("go", "vet", "./..."); err != nil {
		return err
	}
	return run("go", "test", "-race", "-count=1", "-timeout", "20m", "./...")
}

// TestFrontend typechecks, lints, tests and builds the frontend from a clean install.
func TestFrontend() error {
	for _, args := range [][]string{
		{"npm", "ci", "--no-audit", "--no-fund"},
		{"npm", "run", "typecheck"},
		{"npm", "run", "lint"},
		{"npm", "run", "test:ci"},
		{"npm", "run", "build"},
	} {
		if err := run(args[0], args[1:]...); err != nil {
			return err
		}
	}
	return nil
}

func run(name string, args ...string) error {
	fmt.Println("+", name, args)
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %v: %w", name, args, err)
	}
	return nil
}
