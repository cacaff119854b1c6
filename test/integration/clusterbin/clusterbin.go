// Package clusterbin builds the integration tier's cluster programs (etcd, kube-apiserver,
// kwok) from the Go module proxy into a cache outside the repository, once. The integration
// tests call Ensure before they start the cluster; `go tool mage test` calls it too, at the
// very start, so the cold build runs while the race-compiled test binary compiles instead of
// after it. Both may run at once: each binary is built under a file lock, by one of them.
package clusterbin

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// The versions of the cluster parts. kube-apiserver is the minor of the project's client-go
// (v0.36.x), so the two share compiled packages in the Go build cache.
const (
	KubeVersion = "v1.36.1"
	EtcdVersion = "v3.6.16"
	KwokVersion = "v0.8.0"
)

// Binaries are the cluster's programs and the kwok module directory (its CRDs and stages).
type Binaries struct {
	Etcd, KubeAPIServer, Kwok string
	KwokModuleDir             string
	// Built names what had to be compiled this time, with how long it took; empty when all
	// three came from the cache (or another process built them while this one waited).
	Built []string
	// Waited is how long Ensure waited for another process's builds (the test command's).
	Waited time.Duration
}

// CacheRoot is where the binaries live between runs, outside the repository:
// $STACKCAPTURE_INTEGRATION_CACHE, else ${XDG_CACHE_HOME:-$HOME/.cache}/stackcapture-integration.
func CacheRoot() (string, error) {
	if dir := os.Getenv("STACKCAPTURE_INTEGRATION_CACHE"); dir != "" {
		return dir, nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for the integration binaries (set STACKCAPTURE_INTEGRATION_CACHE): %w", err)
	}
	return filepath.Join(dir, "stackcapture-integration"), nil
}

// Ensure builds whatever is missing from the cache, one binary at a time (the machine has two
// cores and each build uses both). Builds go through the Go module proxy only. logf, when not
// nil, hears when Ensure waits for another process's build of the same binary.
func Ensure(ctx context.Context, root string, logf func(format string, args ...any)) (*Binaries, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	b := &Binaries{}
	steps := []struct {
		name  string
		out   *string
		build func(ctx context.Context, dir, bin string) error
		dir   string
	}{
		{"etcd", &b.Etcd, buildEtcd, "etcd-" + EtcdVersion},
		{"kube-apiserver", &b.KubeAPIServer, buildKubeAPIServer, "kube-apiserver-" + KubeVersion},
		{"kwok", &b.Kwok, buildKwok, "kwok-" + KwokVersion},
	}
	for _, s := range steps {
		dir := filepath.Join(root, s.dir)
		bin := filepath.Join(dir, "bin", s.name)
		waitStart := time.Now()
		waited := false
		took, err := cached(ctx, dir, bin, s.build, func() {
			waited = true
			logf("waiting for another process's build of %s", s.name)
		})
		if waited {
			b.Waited += time.Since(waitStart) - took
		}
		if err != nil {
			return nil, fmt.Errorf("build %s: %w", s.name, err)
		}
		if took > 0 {
			b.Built = append(b.Built, fmt.Sprintf("%s %s", s.name, took.Round(time.Second)))
		}
		*s.out = bin
	}
	modDir, err := moduleDir(ctx, "sigs.k8s.io/kwok@"+KwokVersion, root)
	if err != nil {
		return nil, err
	}
	b.KwokModuleDir = modDir
	return b, nil
}

// cached returns at once when bin exists; otherwise it builds it under an exclusive lock (two
// test processes may start together) and returns how long the build took. A build writes a
// temporary file and renames it, so an interrupted build never leaves a binary behind.
// waiting is called when another process holds the lock.
func cached(ctx context.Context, dir, bin string, build func(ctx context.Context, dir, bin string) error, waiting func()) (time.Duration, error) {
	if _, err := os.Stat(bin); err == nil {
		return 0, nil
	}
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		return 0, err
	}
	lock, err := os.OpenFile(dir+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return 0, err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return 0, fmt.Errorf("lock %s: %w", lock.Name(), err)
		}
		waiting()
		if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
			return 0, fmt.Errorf("lock %s: %w", lock.Name(), err)
		}
	}
	defer func() { _ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) }() // closing the file unlocks it too
	if _, err := os.Stat(bin); err == nil {
		return 0, nil // another process built it while we waited
	}
	start := time.Now()
	tmp := bin + ".tmp"
	_ = os.Remove(tmp)
	if err := build(ctx, dir, tmp); err != nil {
		_ = os.Remove(tmp)
		return 0, err
	}
	if err := os.Rename(tmp, bin); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// goEnv is the environment of the go commands that build the binaries: the wrapper modules
// stand alone (no workspace) and may update their own go.mod.
func goEnv(extra ...string) []string {
	env := os.Environ()
	flags := strings.TrimSpace(os.Getenv("GOFLAGS") + " -mod=mod")
	env = append(env, "GOWORK=off", "GOFLAGS="+flags)
	return append(env, extra...)
}

func runGo(ctx context.Context, dir string, env []string, args ...string) error {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go %s (in %s): %w\n%s", strings.Join(args, " "), dir, err, tail(string(out), 4000))
	}
	return nil
}

// moduleDir downloads module@version (a no-op when cached) and returns its directory.
func moduleDir(ctx context.Context, modVersion, workDir string) (string, error) {
	mod, err := downloadModule(ctx, modVersion, workDir)
	if err != nil {
		return "", err
	}
	return mod.Dir, nil
}

type downloadedModule struct {
	Dir   string
	GoMod string
	Error string
}

func downloadModule(ctx context.Context, modVersion, workDir string) (*downloadedModule, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", modVersion)
	cmd.Dir = workDir
	cmd.Env = goEnv()
	out, err := cmd.Output()
	var mod downloadedModule
	if jsonErr := json.Unmarshal(out, &mod); jsonErr != nil && err == nil {
		err = jsonErr
	}
	if err != nil || mod.Error != "" {
		var stderr string
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			stderr = string(exitErr.Stderr)
		}
		return nil, fmt.Errorf("go mod download %s: %v %s %s", modVersion, err, mod.Error, tail(stderr, 2000))
	}
	return &mod, nil
}

// writeWrapper writes a module that only requires what is to be built.
func writeWrapper(dir, goMod string) (string, error) {
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", err
	}
	_ = os.Remove(filepath.Join(src, "go.sum"))
	return src, os.WriteFile(filepath.Join(src, "go.mod"), []byte(goMod), 0o644)
}

// stripFlags leave the symbol table and DWARF out of the programs: linking a binary the size
// of kube-apiserver without them is markedly quicker, and the tests never debug them (a panic
// still names its functions, from the pclntab).
var stripFlags = []string{"-s", "-w"}

// buildKubeAPIServer builds k8s.io/kubernetes/cmd/kube-apiserver. `go install …@version`
// refuses k8s.io/kubernetes because its go.mod points the staging modules (k8s.io/api,
// client-go, apiserver, …) at ./staging; the wrapper module replaces each of them with its
// published v0.X.Y release instead.
func buildKubeAPIServer(ctx context.Context, dir, bin string) error {
	mod, err := downloadModule(ctx, "k8s.io/kubernetes@"+KubeVersion, dir)
	if err != nil {
		return err
	}
	staging, err := stagingModules(mod.GoMod)
	if err != nil {
		return err
	}
	published := "v0." + strings.TrimPrefix(KubeVersion, "v1.")
	var gm strings.Builder
	fmt.Fprintf(&gm, "module stackcapture.local/kube-apiserver\n\ngo 1.26.0\n\nrequire k8s.io/kubernetes %s\n\nreplace (\n", KubeVersion)
	for _, m := range staging {
		fmt.Fprintf(&gm, "\t%s => %s %s\n", m, m, published)
	}
	gm.WriteString(")\n")
	src, err := writeWrapper(dir, gm.String())
	if err != nil {
		return err
	}
	const pkg = "k8s.io/kubernetes/cmd/kube-apiserver"
	if err := runGo(ctx, src, goEnv(), "get", pkg+"@"+KubeVersion); err != nil {
		return err
	}
	// Without the version stamp the server reports v0.0.0-master and clients refuse it.
	major, minor, _ := strings.Cut(strings.TrimPrefix(KubeVersion, "v"), ".")
	minor, _, _ = strings.Cut(minor, ".")
	var ld []string
	for _, p := range []string{"k8s.io/component-base/version", "k8s.io/client-go/pkg/version"} {
		ld = append(ld, "-X", p+".gitVersion="+KubeVersion, "-X", p+".gitMajor="+major, "-X", p+".gitMinor="+minor,
			"-X", p+".gitTreeState=clean")
	}
	return runGo(ctx, src, goEnv(), "build", "-ldflags", strings.Join(append(ld, stripFlags...), " "), "-o", bin, pkg)
}

// stagingModules lists the modules k8s.io/kubernetes's go.mod replaces with ./staging paths.
func stagingModules(goModPath string) ([]string, error) {
	f, err := os.Open(goModPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var mods []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 3 && fields[len(fields)-2] == "=>" && strings.HasPrefix(fields[len(fields)-1], "./staging/") {
			mods = append(mods, fields[len(fields)-3])
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(mods) == 0 {
		return nil, fmt.Errorf("%s replaces no module with ./staging: cannot build kube-apiserver from it", goModPath)
	}
	return mods, nil
}

// buildEtcd builds etcd's server (its main package is the module root of
// go.etcd.io/etcd/server/v3, whose go.mod replaces its siblings with ../ paths).
func buildEtcd(ctx context.Context, dir, bin string) error {
	src, err := writeWrapper(dir, fmt.Sprintf("module stackcapture.local/etcd\n\ngo 1.26.0\n\nrequire go.etcd.io/etcd/server/v3 %s\n", EtcdVersion))
	if err != nil {
		return err
	}
	const pkg = "go.etcd.io/etcd/server/v3"
	if err := runGo(ctx, src, goEnv(), "get", pkg+"@"+EtcdVersion); err != nil {
		return err
	}
	return runGo(ctx, src, goEnv(), "build", "-ldflags", strings.Join(stripFlags, " "), "-o", bin, pkg)
}

// buildKwok installs kwok, which `go install` builds as is, then moves it to bin.
func buildKwok(ctx context.Context, dir, bin string) error {
	gobin := filepath.Join(dir, "gobin")
	// No -mod flag: `go install pkg@version` builds the module on its own terms.
	env := append(os.Environ(), "GOWORK=off", "GOBIN="+gobin)
	if err := runGo(ctx, dir, env, "install", "-ldflags", strings.Join(stripFlags, " "), "sigs.k8s.io/kwok/cmd/kwok@"+KwokVersion); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(gobin, "kwok"), bin); err != nil {
		return err
	}
	// Only the empty GOBIN is left; a failure to remove it costs nothing.
	_ = os.RemoveAll(gobin)
	return nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
