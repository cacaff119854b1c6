//go:build integration

package integration

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
	kubeVersion = "v1.36.1"
	etcdVersion = "v3.6.16"
	kwokVersion = "v0.8.0"
)

// binaries are the cluster's programs and the kwok module directory (its CRDs and stages).
type binaries struct {
	etcd, kubeAPIServer, kwok string
	kwokModuleDir             string
	// built names what had to be compiled this time, with how long it took; empty when all
	// three came from the cache.
	built []string
}

// cacheRoot is where the binaries live between runs, outside the repository:
// $STACKCAPTURE_INTEGRATION_CACHE, else ${XDG_CACHE_HOME:-$HOME/.cache}/stackcapture-integration.
func cacheRoot() (string, error) {
	if dir := os.Getenv("STACKCAPTURE_INTEGRATION_CACHE"); dir != "" {
		return dir, nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for the integration binaries (set STACKCAPTURE_INTEGRATION_CACHE): %w", err)
	}
	return filepath.Join(dir, "stackcapture-integration"), nil
}

// ensureBinaries builds whatever is missing from the cache, one binary at a time (the machine
// has two cores and each build uses both). Builds go through the Go module proxy only.
func ensureBinaries(ctx context.Context, root string) (*binaries, error) {
	b := &binaries{}
	steps := []struct {
		name  string
		out   *string
		build func(ctx context.Context, dir, bin string) error
		dir   string
	}{
		{"etcd", &b.etcd, buildEtcd, "etcd-" + etcdVersion},
		{"kube-apiserver", &b.kubeAPIServer, buildKubeAPIServer, "kube-apiserver-" + kubeVersion},
		{"kwok", &b.kwok, buildKwok, "kwok-" + kwokVersion},
	}
	for _, s := range steps {
		dir := filepath.Join(root, s.dir)
		bin := filepath.Join(dir, "bin", s.name)
		took, err := cached(ctx, dir, bin, s.build)
		if err != nil {
			return nil, fmt.Errorf("build %s: %w", s.name, err)
		}
		if took > 0 {
			b.built = append(b.built, fmt.Sprintf("%s %s", s.name, took.Round(time.Second)))
		}
		*s.out = bin
	}
	modDir, err := moduleDir(ctx, "sigs.k8s.io/kwok@"+kwokVersion, root)
	if err != nil {
		return nil, err
	}
	b.kwokModuleDir = modDir
	return b, nil
}

// cached returns at once when bin exists; otherwise it builds it under an exclusive lock (two
// test processes may start together) and returns how long the build took. A build writes a
// temporary file and renames it, so an interrupted build never leaves a binary behind.
func cached(ctx context.Context, dir, bin string, build func(ctx context.Context, dir, bin string) error) (time.Duration, error) {
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
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return 0, fmt.Errorf("lock %s: %w", lock.Name(), err)
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

// buildKubeAPIServer builds k8s.io/kubernetes/cmd/kube-apiserver. `go install …@version`
// refuses k8s.io/kubernetes because its go.mod points the staging modules (k8s.io/api,
// client-go, apiserver, …) at ./staging; the wrapper module replaces each of them with its
// published v0.X.Y release instead.
func buildKubeAPIServer(ctx context.Context, dir, bin string) error {
	mod, err := downloadModule(ctx, "k8s.io/kubernetes@"+kubeVersion, dir)
	if err != nil {
		return err
	}
	staging, err := stagingModules(mod.GoMod)
	if err != nil {
		return err
	}
	published := "v0." + strings.TrimPrefix(kubeVersion, "v1.")
	var gm strings.Builder
	fmt.Fprintf(&gm, "module stackcapture.local/kube-apiserver\n\ngo 1.26.0\n\nrequire k8s.io/kubernetes %s\n\nreplace (\n", kubeVersion)
	for _, m := range staging {
		fmt.Fprintf(&gm, "\t%s => %s %s\n", m, m, published)
	}
	gm.WriteString(")\n")
	src, err := writeWrapper(dir, gm.String())
	if err != nil {
		return err
	}
	const pkg = "k8s.io/kubernetes/cmd/kube-apiserver"
	if err := runGo(ctx, src, goEnv(), "get", pkg+"@"+kubeVersion); err != nil {
		return err
	}
	// Without the version stamp the server reports v0.0.0-master and clients refuse it.
	major, minor, _ := strings.Cut(strings.TrimPrefix(kubeVersion, "v"), ".")
	minor, _, _ = strings.Cut(minor, ".")
	var ld []string
	for _, p := range []string{"k8s.io/component-base/version", "k8s.io/client-go/pkg/version"} {
		ld = append(ld, "-X", p+".gitVersion="+kubeVersion, "-X", p+".gitMajor="+major, "-X", p+".gitMinor="+minor,
			"-X", p+".gitTreeState=clean")
	}
	return runGo(ctx, src, goEnv(), "build", "-ldflags", strings.Join(ld, " "), "-o", bin, pkg)
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
	src, err := writeWrapper(dir, fmt.Sprintf("module stackcapture.local/etcd\n\ngo 1.26.0\n\nrequire go.etcd.io/etcd/server/v3 %s\n", etcdVersion))
	if err != nil {
		return err
	}
	const pkg = "go.etcd.io/etcd/server/v3"
	if err := runGo(ctx, src, goEnv(), "get", pkg+"@"+etcdVersion); err != nil {
		return err
	}
	return runGo(ctx, src, goEnv(), "build", "-o", bin, pkg)
}

// buildKwok installs kwok, which `go install` builds as is, then moves it to bin.
func buildKwok(ctx context.Context, dir, bin string) error {
	gobin := filepath.Join(dir, "gobin")
	// No -mod flag: `go install pkg@version` builds the module on its own terms.
	env := append(os.Environ(), "GOWORK=off", "GOBIN="+gobin)
	if err := runGo(ctx, dir, env, "install", "sigs.k8s.io/kwok/cmd/kwok@"+kwokVersion); err != nil {
		return err
	}
	defer os.RemoveAll(gobin)
	return os.Rename(filepath.Join(gobin, "kwok"), bin)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
