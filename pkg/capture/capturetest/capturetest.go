// Package capturetest makes probe output of a chosen size and containers that print it, for
// tests and benchmarks of what a capture holds in memory. No production code imports it.
//
// The output is what probe.sh prints for one JDK 17 JVM (jcmd Thread.print -l): thread
// headers, states, frames and lock lines in HotSpot's format, and /proc task stats for every
// thread, so the whole capture path (parse, rank, store) runs on it as on a real one.
package capturetest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// HotThread is the name of the busiest thread of the generated output.
const HotThread = "hot-spinner"

// framesPerThread is about what a busy application server shows per thread.
const framesPerThread = 40

// ProbeOutput returns probe output for one JVM of at most outputBytes (and at least one
// thread). Thread 0 is HotThread, by far the busiest over the window.
func ProbeOutput(outputBytes int) []byte {
	const (
		head = "@sc stackcapture-probe 1\n@sc clk_tck 100\n@sc window_ms 1000\n@sc jvm 42\n|java -Xmx4g -jar app.jar\n"
		tail = "|JNI global refs: 4, weak refs: 0\n|\n@sc done\n"
	)
	dumpHead := "2026-11-22 10:31:52\nFull thread dump OpenJDK 64-Bit Server VM (17.0.15+6-Debian-1deb12u1 mixed mode, sharing):\n\n"
	var threads []string // each thread's dump lines, already prefixed for the probe's data lines
	size := len(head) + len(tail) + 3*32 + len(dumpHead) + 3 + 100
	for {
		var t strings.Builder
		writeThread(&t, len(threads))
		text := "|" + strings.ReplaceAll(strings.TrimSuffix(t.String(), "\n"), "\n", "\n|") + "\n"
		cost := len(text) + len(statLine(nid(len(threads)), threadName(len(threads)), 105)) + 2*2
		cost += len(statLine(nid(len(threads)), threadName(len(threads)), 10))
		cost += len(threadAddress(len(threads))) + 3 // its entry in the SMR list
		if len(threads) > 0 && size+cost > outputBytes {
			break
		}
		threads = append(threads, text)
		size += cost
	}

	var b strings.Builder
	b.Grow(size)
	b.WriteString(head)
	sample := func(kind, uptime string, hotTicks int) {
		fmt.Fprintf(&b, "@sc %s 42 %s\n", kind, uptime)
		for i := range threads {
			ticks := i % 7
			if i == 0 {
				ticks = hotTicks
			}
			b.WriteString("|" + statLine(nid(i), threadName(i), ticks) + "\n")
		}
	}
	sample("start", "100.00", 10)
	sample("end", "101.00", 105)
	b.WriteString("@sc dump 42 jcmd 0\n")
	b.WriteString("|" + strings.ReplaceAll(strings.TrimSuffix(dumpHead, "\n"), "\n", "\n|") + "\n")
	// The thread list JDK 11+ prints before the threads: it is what tells a thread's header
	// from header-like text inside a thread name.
	fmt.Fprintf(&b, "|Threads class SMR info:\n|_java_thread_list=0x00007ff7b0002e50, length=%d, elements={\n", len(threads))
	for i := range threads {
		sep := ", "
		switch {
		case i == len(threads)-1:
			sep = "\n"
		case i%4 == 3:
			sep = ",\n"
		}
		if i%4 == 0 {
			b.WriteString("|")
		}
		b.WriteString(threadAddress(i) + sep)
	}
	b.WriteString("|}\n|\n")
	for _, t := range threads {
		b.WriteString(t)
	}
	b.WriteString(tail)
	return []byte(b.String())
}

func nid(i int) int { return 1000 + i }

// threadAddress is thread i's tid= field, as the SMR list names it too.
func threadAddress(i int) string { return fmt.Sprintf("0x00007ff8%08x", i) }

func threadName(i int) string {
	if i == 0 {
		return HotThread
	}
	return fmt.Sprintf("http-nio-8080-exec-%d", i)
}

func writeThread(b *strings.Builder, i int) {
	state, info := "TIMED_WAITING (parking)", "waiting on condition"
	if i == 0 {
		state, info = "RUNNABLE", "runnable"
	}
	fmt.Fprintf(b, "%q #%d daemon prio=5 os_prio=0 cpu=%d.00ms elapsed=12.34s tid=%s nid=0x%x %s  [0x00007ff7f8dfe000]\n",
		threadName(i), 20+i, i%100, threadAddress(i), nid(i), info)
	fmt.Fprintf(b, "   java.lang.Thread.State: %s\n", state)
	for f := range framesPerThread {
		fmt.Fprintf(b, "\tat com.example.shop.service.layer%d.Handler%d.handle(Handler%d.java:%d)\n", f%5, f, f, 10+f)
		if f == 1 && i != 0 {
			fmt.Fprintf(b, "\t- parking to wait for  <0x00000006%08x> (a java.util.concurrent.locks.AbstractQueuedSynchronizer$ConditionObject)\n", i)
		}
	}
	b.WriteString("\n   Locked ownable synchronizers:\n\t- None\n\n")
}

// statLine is a /proc/<pid>/task/<tid>/stat line with the given utime ticks.
func statLine(tid int, comm string, utime int) string {
	f := make([]string, 50) // fields 3..52
	for i := range f {
		f[i] = "0"
	}
	f[0] = "S"
	f[14-3] = fmt.Sprint(utime) // utime
	f[22-3] = "1000"            // starttime
	return fmt.Sprintf("%d (%s) %s", tid, comm, strings.Join(f, " "))
}

// PrintingShell writes output to a file under tb's temp dir and returns a directory holding an
// "sh" that waits delay, prints it and exits: a kubetest container with only this directory
// on its PATH answers the probe with this output. The probe script sent on stdin is not read.
func PrintingShell(tb testing.TB, output []byte, delay time.Duration) (pathDir string) {
	tb.Helper()
	dir := tb.TempDir()
	out := filepath.Join(dir, "probe-output")
	if err := os.WriteFile(out, output, 0o600); err != nil {
		tb.Fatalf("write probe output: %v", err)
	}
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		tb.Fatal(err)
	}
	script := fmt.Sprintf("#!/bin/sh\nexec /bin/cat %q\n", out)
	if delay > 0 {
		script = fmt.Sprintf("#!/bin/sh\n/bin/sleep %.3f\nexec /bin/cat %q\n", delay.Seconds(), out)
	}
	if err := os.WriteFile(filepath.Join(bin, "sh"), []byte(script), 0o755); err != nil {
		tb.Fatalf("write fake sh: %v", err)
	}
	return bin
}
