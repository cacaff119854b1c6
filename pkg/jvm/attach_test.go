package jvm

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed/stackcapture/pkg/jvm/jvmtest"
)

// TestAttachClassMatchesSource compiles attach/StackCaptureAttach.java the way go:generate does
// and compares the result with the embedded class: a change to the source without
// `go generate ./pkg/jvm/` would otherwise ship the old client.
func TestAttachClassMatchesSource(t *testing.T) {
	javac := filepath.Join(jvmtest.JDK17Home, "bin", "javac")
	jvmtest.RequireFile(t, javac)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, javac, "--release", "16", "-XDstringConcat=inline", "-g:none", "-d", dir,
		filepath.Join("attach", "StackCaptureAttach.java"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("javac: %v\n%s", err, out)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	// One class file: the probe writes exactly one.
	if len(entries) != 1 || entries[0].Name() != "StackCaptureAttach.class" {
		t.Fatalf("javac wrote %v, want only StackCaptureAttach.class (no nested classes)", entries)
	}
	got, err := os.ReadFile(filepath.Join(dir, "StackCaptureAttach.class"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, attachClass) {
		t.Fatal("attach/StackCaptureAttach.class is not the compiled source: run go generate ./pkg/jvm/")
	}
	// No invokedynamic: a cold JVM would bootstrap it after the window (string concatenation,
	// lambdas). Opcode 0xba appears in the constant pool only as part of other data, so ask javap.
	javap := filepath.Join(jvmtest.JDK17Home, "bin", "javap")
	out, err := exec.CommandContext(ctx, javap, "-c", "-p", filepath.Join(dir, "StackCaptureAttach.class")).CombinedOutput()
	if err != nil {
		t.Fatalf("javap: %v\n%s", err, out)
	}
	if bytes.Contains(out, []byte("invokedynamic")) {
		t.Error("the client uses invokedynamic")
	}
}

// TestAttachClassPrintf: every shell the probe supports writes the embedded class back byte
// for byte from the format ProbeScript puts in write_attach_class.
func TestAttachClassPrintf(t *testing.T) {
	script := ProbeScript()
	if bytes.Contains(script, []byte(attachClassPlaceholder)) {
		t.Fatal("ProbeScript left the placeholder in")
	}
	// The function as sent, run on its own.
	start := bytes.Index(script, []byte("write_attach_class() {"))
	if start < 0 {
		t.Fatal("no write_attach_class in the probe")
	}
	end := bytes.Index(script[start:], []byte("; }\n"))
	fn := string(script[start : start+end+4])
	for _, shell := range []string{"dash", "bash --posix", "busybox sh"} {
		t.Run(strings.Fields(shell)[0], func(t *testing.T) {
			argv := strings.Fields(shell)
			if _, err := exec.LookPath(argv[0]); err != nil {
				if argv[0] == "busybox" {
					t.Skip("busybox is not installed (the test command installs it)")
				}
				t.Fatalf("%s is required: %v", argv[0], err)
			}
			file := filepath.Join(t.TempDir(), "StackCaptureAttach.class")
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, argv[0], append(argv[1:], "-c", fn+"\nwrite_attach_class \"$1\"", "sh", file)...)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			got, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, attachClass) {
				t.Fatalf("%s wrote %d bytes, differing from the %d of the class", shell, len(got), len(attachClass))
			}
		})
	}
}

func TestAttachClassPrintfEscapes(t *testing.T) {
	// Every byte value, through the encoder alone: only the three-digit escapes and the
	// printable bytes that printf and single quotes leave alone.
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	enc := encodePrintf(all)
	for _, c := range []string{"%", "'"} {
		if strings.Contains(enc, c) {
			t.Errorf("the encoding holds a raw %q", c)
		}
	}
	if strings.Count(enc, `\`) != 256-(0x7f-0x20-3) {
		t.Errorf("%d escapes, want every byte but the %d plain printable ones", strings.Count(enc, `\`), 0x7f-0x20-3)
	}
}
