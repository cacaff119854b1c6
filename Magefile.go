//go:build mage

// Build and test targets, run with `go tool mage <target>` (mage is a tool dependency in go.mod).
package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/build"
	"github.com/magefile/mage/mg"

	"github.com/seed/stackcapture/test/integration/clusterbin"
)

// Default builds the whole plugin into dist/ and packages it.
var Default = Package

const pluginID = "seed-stackcapture-app"

// Build builds the frontend and the backend for linux/amd64 and linux/arm64 into dist/.
func Build() error {
	mg.SerialDeps(Frontend, Backend)
	return nil
}

// Frontend installs the locked npm packages when missing and builds the frontend into dist/.
func Frontend() error {
	if err := useNode(); err != nil {
		return err
	}
	if _, err := os.Stat("node_modules"); err != nil {
		if err := npmInstall(); err != nil {
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

// Package builds the plugin and zips dist/ as <id>-<version>.zip, the layout
// `grafana cli --pluginUrl <zip> plugins install seed-stackcapture-app` installs: one top
// folder named after the plugin id, executables kept executable. A .sha1 file sits beside it.
func Package() error {
	mg.SerialDeps(Build)
	var pkg struct {
		Version string `json:"version"`
	}
	raw, err := os.ReadFile("package.json")
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, &pkg); err != nil {
		return fmt.Errorf("package.json: %w", err)
	}
	name := fmt.Sprintf("%s-%s.zip", pluginID, pkg.Version)
	if err := zipDir("dist", pluginID, name); err != nil {
		return fmt.Errorf("package %s: %w", name, err)
	}
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha1.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	fmt.Println("packaged", name)
	return os.WriteFile(name+".sha1", []byte(hex.EncodeToString(h.Sum(nil))+"\n"), 0o644)
}

// zipDir writes every file under dir into a zip at out, below the folder prefix. Source maps
// (module.js.map, panel/module.js.map) go in too: Grafana's plugin validator requires them.
func zipDir(dir, prefix, out string) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	walkErr := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		hdr, err := zip.FileInfoHeader(info)
		if err != nil {
			return err
		}
		hdr.Name = filepath.ToSlash(filepath.Join(prefix, rel))
		hdr.Method = zip.Deflate
		w, err := zw.CreateHeader(hdr)
		if err != nil {
			return err
		}
		src, err := os.Open(path)
		if err != nil {
			return err
		}
		defer src.Close()
		_, err = io.Copy(w, src)
		return err
	})
	if err := zw.Close(); err != nil && walkErr == nil {
		walkErr = err
	}
	if err := f.Close(); err != nil && walkErr == nil {
		walkErr = err
	}
	return walkErr
}

// Screenshots rewrites the README's images in src/img/ from the browser tier's renders of the
// contract fixtures (TestBrowser with UPDATE_SCREENSHOTS=1); the test itself never does.
func Screenshots() error {
	if err := os.Setenv("UPDATE_SCREENSHOTS", "1"); err != nil {
		return err
	}
	return TestBrowser()
}

// Test runs every test: Go (with the race detector, real JVMs, real SQLite, Kubernetes' exec
// server in process), the integration tier (a real kube-apiserver with kwok) and the frontend
// (typecheck, lint, Jest, production build, then the browser tier in Chromium, then Jest again
// against Grafana 13's packages), the linter, and each fuzz target briefly.
//
// The stages run in four lanes at once, each lane's output printed as one block when it ends:
// much of a serial run's time is spent waiting (module and npm downloads, sampling windows,
// JVM start-ups), which another lane's compiling fills. Every lane runs even when another
// failed, so one run shows every failure; the command fails if any lane did.
func Test() error {
	// The machine's set-up (the Debian packages, the pinned Node 24 of mage_node.go) is mostly
	// downloading: the Go lanes compile meanwhile, and a lane waits for it only before the step
	// that needs it (a cold run's first minute and a half, otherwise idle cores).
	setupDone := make(chan struct{})
	var setupErr error
	go func() {
		defer close(setupDone)
		if setupErr = SystemDeps(); setupErr == nil {
			setupErr = useNode()
		}
	}()
	setup := func(io.Writer) error {
		<-setupDone
		return setupErr
	}
	// The go tests lane compiles the race-instrumented packages first, and the integration tier
	// compiles its race test binary only after that: the go command shares a compiled package
	// only once it is in the cache, so two `go test -race` starting together on a cold machine
	// compiled client-go, the SDK and SQLite twice over (minutes of both cores).
	raceBuilt := make(chan struct{})
	lanes := []struct {
		name   string
		stages []func(io.Writer) error
	}{
		{"lint and fuzz", []func(io.Writer) error{lint, fuzz}},
		{"go tests", []func(io.Writer) error{func(out io.Writer) error {
			defer close(raceBuilt)
			return buildRace(out)
		}, setup, testGo}},
		{"integration tier", []func(io.Writer) error{func(out io.Writer) error {
			return testIntegration(out, func() error {
				<-raceBuilt
				return setup(out)
			})
		}}},
		{"frontend", []func(io.Writer) error{setup, testFrontend, testBrowser, testGrafana13}},
	}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex // one lane's block at a time on stdout
		failed []error
	)
	start := time.Now()
	for _, lane := range lanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out bytes.Buffer
			var err error
			for _, stage := range lane.stages {
				if err = stage(&out); err != nil {
					break
				}
			}
			mu.Lock()
			defer mu.Unlock()
			fmt.Printf("==== %s (ended at %s)\n", lane.name, time.Since(start).Round(time.Second))
			_, _ = os.Stdout.Write(out.Bytes())
			if err != nil {
				fmt.Printf("FAILED: %s: %v\n", lane.name, err)
				failed = append(failed, fmt.Errorf("%s: %w", lane.name, err))
			}
		}()
	}
	wg.Wait()
	fmt.Printf("==== all lanes ended after %s\n", time.Since(start).Round(time.Second))
	return errors.Join(failed...)
}

// systemPackages are Debian packages the tests use beyond the machine's own tools: the command
// (or, for a path, the file) each provides, and the package. busybox: the probe must run in
// busybox sh, as in Alpine images. iproute2: the integration tier gives a pod a real address in a
// network namespace (ip netns). chromium: the browser tier renders the views in it (driven by
// playwright-core from the lock), with fonts named here because the tier measures text: Liberation
// (chromium's fonts, only recommended) and WenQuanYi for the fixtures' CJK thread names.
var systemPackages = [][2]string{
	{"busybox", "busybox"},
	{"ip", "iproute2"},
	{"chromium", "chromium"},
	{"/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", "fonts-liberation"},
	{"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "fonts-wqy-microhei"},
}

// SystemDeps installs the Debian packages the tests need and the machine lacks (as root, with
// apt-get), so the test command works on a fresh machine with nothing installed by hand.
func SystemDeps() error {
	var missing []string
	for _, p := range systemPackages {
		var err error
		if filepath.IsAbs(p[0]) {
			_, err = os.Stat(p[0])
		} else {
			_, err = exec.LookPath(p[0])
		}
		if err != nil {
			missing = append(missing, p[1])
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("the tests need %v: install them (apt-get install %v) or run as root", missing, missing)
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return fmt.Errorf("the tests need %v and this machine has no apt-get: install them with its package manager", missing)
	}
	if err := run("apt-get", "update", "-qq"); err != nil {
		return err
	}
	return run("apt-get", append([]string{"install", "-y", "-qq", "--no-install-recommends"}, missing...)...)
}

// golangciLint is the linter, pinned: `go run` fetches this version from the Go module proxy
// and caches the build, so nothing is installed by hand.
const golangciLint = "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0"

// Lint runs golangci-lint with .golangci.yml over every Go package, the integration tier included.
// --allow-parallel-runners: another checkout's lint on the same machine must not fail this one.
func Lint() error { return lint(os.Stdout) }

func lint(out io.Writer) error {
	return runTo(out, "go", "run", golangciLint, "run", "--allow-parallel-runners", "./...")
}

// TestGo runs the Go tests with the race detector (go vet's checks run in Lint, as govet).
func TestGo() error { return testGo(os.Stdout) }

// buildRace compiles every package, the integration tier's included, with the race detector:
// what both Go test lanes then find in the build cache.
func buildRace(out io.Writer) error {
	return runTo(out, "go", "build", "-race", "-tags", "integration", "./...")
}

func testGo(out io.Writer) error {
	return runTo(out, "go", "test", "-race", "-count=1", "-timeout", "25m", "./...")
}

// TestIntegration runs test/integration (build tag integration): captures through a real
// kube-apiserver, etcd and kwok on 127.0.0.1 with the shipped RBAC, Go profiles through
// pods/proxy to a pod address in a network namespace, plus the exec round-trip benchmark. The
// first run builds the three programs from the Go module proxy into
// ${XDG_CACHE_HOME:-~/.cache}/stackcapture-integration (minutes); later runs reuse them.
func TestIntegration() error { return testIntegration(os.Stdout, SystemDeps) }

// testIntegration builds the cluster's programs (test/integration/clusterbin) at the same time
// as `go test` compiles the race-instrumented test binary, instead of after it inside TestMain:
// on a cold machine those were the lane's two long steps in a row. TestMain still calls the
// same build, which waits on the build's file lock and then finds the programs in the cache.
// -timeout covers a cold build that TestMain must finish itself: a guard, not an expected time.
// `go test` starts once ready returns (see Test): the cluster's programs build meanwhile.
func testIntegration(out io.Writer, ready func() error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	var prebuild bytes.Buffer
	prebuilt := make(chan error, 1)
	go func() {
		start := time.Now()
		root, err := clusterbin.CacheRoot()
		if err == nil {
			var bins *clusterbin.Binaries
			bins, err = clusterbin.Ensure(ctx, root, nil)
			if err == nil {
				fmt.Fprintf(&prebuild, "+ cluster programs ready in %s (built: %v)\n", time.Since(start).Round(time.Second), bins.Built)
			}
		}
		prebuilt <- err
	}()
	err := ready()
	if err == nil {
		err = runTo(out, "go", "test", "-tags", "integration", "-race", "-count=1", "-timeout", "40m", "-v",
			"-bench", "ExecRoundTrip", "-benchtime", "40x", "./test/integration/")
	}
	var perr error
	select {
	case perr = <-prebuilt: // the usual case: TestMain waited for it
	default:
		// The tests ended without it (they never compiled): a build still running is of no
		// use to this run any more.
		cancel()
		if perr = <-prebuilt; perr != nil {
			perr = fmt.Errorf("stopped when the tests ended: %w", perr)
		}
	}
	if perr != nil {
		fmt.Fprintf(&prebuild, "+ cluster programs: %v\n", perr)
	}
	_, _ = out.Write(prebuild.Bytes())
	return err
}

// TestFrontend typechecks, lints, tests and builds the frontend from a clean install.
func TestFrontend() error {
	if err := useNode(); err != nil {
		return err
	}
	return testFrontend(os.Stdout)
}

func testFrontend(out io.Writer) error {
	if err := runTo(out, "npm", "ci", "--no-audit", "--no-fund"); err != nil {
		return err
	}
	for _, args := range [][]string{
		{"npm", "run", "typecheck"},
		{"npm", "run", "lint"},
		{"npm", "run", "test:ci"},
		{"npm", "run", "build"},
	} {
		if err := runTo(out, args[0], args[1:]...); err != nil {
			return err
		}
	}
	return nil
}

// TestBrowser is the browser tier: test/browser renders the capture page, the panel and the
// config page from the contract fixtures in Chromium (Debian's chromium, driven by playwright-core)
// at the sizes Grafana gives them, light and dark, and fails on what a reader would see wrong: the
// busiest thread below the fold, text out of its box, console errors, a blank page. Screenshots of
// every render go to $BROWSER_ARTIFACTS (default $TMPDIR/stackcapture-browser).
func TestBrowser() error {
	if err := SystemDeps(); err != nil {
		return err
	}
	if err := useNode(); err != nil {
		return err
	}
	if _, err := os.Stat("node_modules"); err != nil {
		if err := npmInstall(); err != nil {
			return err
		}
	}
	return testBrowser(os.Stdout)
}

// testBrowser is TestBrowser once Chromium and the root packages are installed (Test's frontend
// lane runs it after testFrontend's npm ci). The typecheck and the harness's bundle are built at
// once (neither needs the other; together they are most of the tier's time), then the checks run.
func testBrowser(out io.Writer) error {
	start := time.Now()
	var typecheck bytes.Buffer
	typechecked := make(chan error, 1)
	go func() {
		typechecked <- runTo(&typecheck, "npx", "tsc", "--noEmit", "-p", "test/browser")
	}()
	err := runTo(out, "npx", "webpack", "-c", "test/browser/webpack.config.ts")
	terr := <-typechecked
	_, _ = out.Write(typecheck.Bytes())
	if err == nil {
		err = terr
	}
	if err == nil {
		err = runTo(out, "npx", "ts-node", "--transpileOnly", "test/browser/check.ts")
	}
	fmt.Fprintf(out, "+ browser tier took %s\n", time.Since(start).Round(time.Second))
	return err
}

// TestGrafana13 runs the frontend's Jest suite against what Grafana 13.2 gives plugins: React 19
// and @grafana/* 13.2.3, installed from compat/grafana13's own lock with npm ci. The project
// itself builds against the oldest supported Grafana (12.4); this shows the newest works too.
// Test runs it in its frontend lane, after the browser tier; the second install and run take
// about 4 minutes on the shared machine.
func TestGrafana13() error {
	if err := useNode(); err != nil {
		return err
	}
	if _, err := os.Stat("node_modules"); err != nil {
		if err := npmInstall(); err != nil {
			return err
		}
	}
	return testGrafana13(os.Stdout)
}

// testGrafana13 is TestGrafana13 once the root packages are installed (Test's frontend lane
// runs it after testFrontend).
func testGrafana13(out io.Writer) error {
	if err := runTo(out, "npm", "ci", "--prefix", "compat/grafana13", "--no-audit", "--no-fund"); err != nil {
		return err
	}
	return runTo(out, "npx", "jest", "-c", "compat/grafana13/jest.config.js", "--maxWorkers", "2")
}

// npmInstall installs exactly what package-lock.json records, the ecosystem's way: `npm ci`
// removes node_modules, never writes the lock, and fails loudly when package.json and the lock
// disagree. The lock lists every platform's optional @swc/core binary, as the registry serves
// them, so it is complete on any machine.
func npmInstall() error {
	return run("npm", "ci", "--no-audit", "--no-fund")
}

// Fuzz runs each Go fuzz target for 10 s, one after the other (CI's short run; for a long
// one: go test ./pkg/jvm -run '^$' -fuzz '^FuzzParseThreadDump$' -fuzztime 10m).
func Fuzz() error { return fuzz(os.Stdout) }

func fuzz(out io.Writer) error {
	for _, target := range []struct{ pkg, name string }{
		{"./pkg/alert", "FuzzDecode"},
		{"./pkg/jvm", "FuzzParseTaskStat"},
		{"./pkg/jvm", "FuzzParseThreadDump"},
		{"./pkg/jvm", "FuzzThreadNames"},
		{"./pkg/jvm", "FuzzMaskSecrets"},
		{"./pkg/jvm", "FuzzParseProbeOutput"},
		{"./pkg/jvmheap", "FuzzParseProbeOutput"},
	} {
		// One fuzzing worker: the other lanes are using both cores, and ten seconds is a smoke
		// run either way (the long runs are by hand, as above).
		if err := runTo(out, "go", "test", target.pkg, "-run", "^$", "-fuzz", "^"+target.name+"$", "-fuzztime", "10s", "-parallel", "1"); err != nil {
			return err
		}
	}
	return nil
}

// run runs one command with its output on the terminal; see runTo.
func run(name string, args ...string) error { return runTo(os.Stdout, name, args...) }

// runTo runs one command with its output to out, and says how long it took: the CI budget is
// read off these lines.
func runTo(out io.Writer, name string, args ...string) error {
	fmt.Fprintln(out, "+", name, args)
	start := time.Now()
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = out, out
	err := cmd.Run()
	fmt.Fprintf(out, "+ took %s: %s %v\n", time.Since(start).Round(time.Second), name, args)
	if err != nil {
		return fmt.Errorf("%s %v: %w", name, args, err)
	}
	return nil
}
