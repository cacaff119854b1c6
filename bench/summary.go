//go:build ignore

// summary reads `go test -bench` output of the bench package on stdin and prints one markdown
// table: each measure of the project's performance table with its target, the median of the
// runs (-count) and whether the median meets the target. Run by bench/run.sh.
package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// row is one line of the table: a benchmark's metric against a target (limit ≥ median).
type row struct {
	measure, target string
	bench, unit     string
	scale           float64 // multiplies the metric (ns/op → ms)
	limit           float64 // 0: reported without a target
	limitFrom       string  // unit of another metric of the same benchmark that is the limit
}

var rows = []row{
	{"webhook received → exec request sent, p50, in-process API server (ms)", "≤ 50 ms", "WebhookToExec", "p50-ms", 1, 50, ""},
	{"webhook received → exec request sent, p99 (ms)", "—", "WebhookToExec", "p99-ms", 1, 0, ""},
	{"capture wall time, 2 s window, JDK 17 with 200 more threads (ms)", "≤ 2300 ms", "CaptureWindow2s", "wall-ms", 1, 2300, ""},
	{"capture time over the 2 s window, JDK 17, 200 more threads (ms)", "≤ 150 ms", "CaptureOverWindow/jdk17/threads=200", "probe-over-ms", 1, 150, ""},
	{"… plain jstack -l of the same JVM, same run (ms); ratio probe/jstack in the next row", "—", "CaptureOverWindow/jdk17/threads=200", "jstack-over-ms", 1, 0, ""},
	{"… probe / jstack -l", "—", "CaptureOverWindow/jdk17/threads=200", "over/jstack", 1, 0, ""},
	{"… total safepoint pause of the target per capture (ms)", "≤ jstack -l", "CaptureOverWindow/jdk17/threads=200", "probe-pause-ms", 1, 0, "jstack-pause-ms"},
	{"… same for plain jstack -l (ms)", "—", "CaptureOverWindow/jdk17/threads=200", "jstack-pause-ms", 1, 0, ""},
	{"… CPU of the capture in the container, probe (ms)", "—", "CaptureOverWindow/jdk17/threads=200", "probe-cpu-ms", 1, 0, ""},
	{"… CPU of plain jstack -l (ms)", "—", "CaptureOverWindow/jdk17/threads=200", "jstack-cpu-ms", 1, 0, ""},
	{"… spinner CPU over the window, jcmd during / after the window (%)", "—", "CaptureOverWindow/jdk17/threads=200", "probe-hot-pct", 1, 0, ""},
	{"… spinner CPU, jcmd after the window (%)", "—", "CaptureOverWindow/jdk17/threads=200", "serial-hot-pct", 1, 0, ""},
	{"capture time over the 2 s window, JDK 17, 2,000 more threads (ms)", "≤ 350 ms", "CaptureOverWindow/jdk17/threads=2000", "probe-over-ms", 1, 350, ""},
	{"… plain jstack -l of the same JVM, same run (ms); ratio probe/jstack in the next row", "—", "CaptureOverWindow/jdk17/threads=2000", "jstack-over-ms", 1, 0, ""},
	{"… probe / jstack -l", "—", "CaptureOverWindow/jdk17/threads=2000", "over/jstack", 1, 0, ""},
	{"… total safepoint pause of the target per capture (ms)", "≤ jstack -l", "CaptureOverWindow/jdk17/threads=2000", "probe-pause-ms", 1, 0, "jstack-pause-ms"},
	{"… same for plain jstack -l (ms)", "—", "CaptureOverWindow/jdk17/threads=2000", "jstack-pause-ms", 1, 0, ""},
	{"… CPU of the capture in the container, probe (ms)", "—", "CaptureOverWindow/jdk17/threads=2000", "probe-cpu-ms", 1, 0, ""},
	{"… CPU of plain jstack -l (ms)", "—", "CaptureOverWindow/jdk17/threads=2000", "jstack-cpu-ms", 1, 0, ""},
	{"… spinner CPU over the window, jcmd during / after the window (%)", "—", "CaptureOverWindow/jdk17/threads=2000", "probe-hot-pct", 1, 0, ""},
	{"… spinner CPU, jcmd after the window (%)", "—", "CaptureOverWindow/jdk17/threads=2000", "serial-hot-pct", 1, 0, ""},
	{"capture time over the 2 s window, JDK 25, 200 more threads (ms)", "≤ 150 ms", "CaptureOverWindow/jdk25/threads=200", "probe-over-ms", 1, 150, ""},
	{"… plain jstack -l of the same JVM, same run (ms); ratio probe/jstack in the next row", "—", "CaptureOverWindow/jdk25/threads=200", "jstack-over-ms", 1, 0, ""},
	{"… probe / jstack -l", "—", "CaptureOverWindow/jdk25/threads=200", "over/jstack", 1, 0, ""},
	{"… total safepoint pause of the target per capture (ms)", "≤ 10 ms", "CaptureOverWindow/jdk25/threads=200", "probe-pause-ms", 1, 10, ""},
	{"… same for plain jstack -l (ms)", "—", "CaptureOverWindow/jdk25/threads=200", "jstack-pause-ms", 1, 0, ""},
	{"… CPU of the capture in the container, probe (ms)", "—", "CaptureOverWindow/jdk25/threads=200", "probe-cpu-ms", 1, 0, ""},
	{"… CPU of plain jstack -l (ms)", "—", "CaptureOverWindow/jdk25/threads=200", "jstack-cpu-ms", 1, 0, ""},
	{"… spinner CPU over the window, jcmd during / after the window (%)", "—", "CaptureOverWindow/jdk25/threads=200", "probe-hot-pct", 1, 0, ""},
	{"… spinner CPU, jcmd after the window (%)", "—", "CaptureOverWindow/jdk25/threads=200", "serial-hot-pct", 1, 0, ""},
	{"capture time over the 2 s window, JDK 25, 2,000 more threads (ms)", "≤ 350 ms", "CaptureOverWindow/jdk25/threads=2000", "probe-over-ms", 1, 350, ""},
	{"… plain jstack -l of the same JVM, same run (ms); ratio probe/jstack in the next row", "—", "CaptureOverWindow/jdk25/threads=2000", "jstack-over-ms", 1, 0, ""},
	{"… probe / jstack -l", "—", "CaptureOverWindow/jdk25/threads=2000", "over/jstack", 1, 0, ""},
	{"… total safepoint pause of the target per capture (ms)", "≤ 50 ms", "CaptureOverWindow/jdk25/threads=2000", "probe-pause-ms", 1, 50, ""},
	{"… same for plain jstack -l (ms)", "—", "CaptureOverWindow/jdk25/threads=2000", "jstack-pause-ms", 1, 0, ""},
	{"… CPU of the capture in the container, probe (ms)", "—", "CaptureOverWindow/jdk25/threads=2000", "probe-cpu-ms", 1, 0, ""},
	{"… CPU of plain jstack -l (ms)", "—", "CaptureOverWindow/jdk25/threads=2000", "jstack-cpu-ms", 1, 0, ""},
	{"… spinner CPU over the window, jcmd during / after the window (%)", "—", "CaptureOverWindow/jdk25/threads=2000", "probe-hot-pct", 1, 0, ""},
	{"… spinner CPU, jcmd after the window (%)", "—", "CaptureOverWindow/jdk25/threads=2000", "serial-hot-pct", 1, 0, ""},
	{"1,000 firing alerts over 50 nodes in one webhook: time to the 202 (ms)", "≤ 100 ms", "AlertStorm", "202-ms", 1, 100, ""},
	{"… peak execs in flight on one node (limit: perNodeLimit 10)", "≤ limit", "AlertStorm", "peak-node-execs", 1, 0, "node-limit"},
	{"… peak RSS of the plugin process (MB)", "≤ 100 MB", "AlertStorm", "peak-RSS-MB", 1, 100, ""},
	{"parse a 5,000-thread jcmd dump, JDK 17, 2.2 MiB (ms)", "≤ 100 ms", "ParseThreadDump5000", "ns/op", 1e-6, 100, ""},
	{"… bytes allocated per byte of dump", "≤ 3", "ParseThreadDump5000", "alloc/input", 1, 3, ""},
	{"list 100 captures in a time range of 100,000, p99 (ms)", "≤ 10 ms", "List100Of100k", "p99-ms", 1, 10, ""},
	{"… p50 (ms)", "—", "List100Of100k", "p50-ms", 1, 0, ""},
	{"stored size / raw dump size, 200-thread JVM", "≤ 0.2", "StoredRatio/threads=200", "stored/raw", 1, 0.2, ""},
	{"stored size / raw dump size, 5,000-thread JVM", "≤ 0.2", "StoredRatio/threads=5000", "stored/raw", 1, 0.2, ""},
	{"safepoints per capture on the target JVM, JDK 17", "1", "Safepoints/jdk17", "safepoints/capture", 1, 1, ""},
	{"… time the JVM spent in them per capture, JDK 17 (ms)", "—", "Safepoints/jdk17", "paused-ms/capture", 1, 0, ""},
	{"safepoints per capture on the target JVM, JDK 25", "1", "Safepoints/jdk25", "safepoints/capture", 1, 1, ""},
	{"… time the JVM spent in them per capture, JDK 25 (ms)", "—", "Safepoints/jdk25", "paused-ms/capture", 1, 0, ""},
	{"plugin RSS idle, with an app instance, binary over go-plugin (MB)", "≤ 40 MB", "PluginIdleRSS", "idle-RSS-MB", 1, 40, ""},
	{"plugin RSS idle, before any instance (MB)", "≤ 40 MB", "PluginIdleRSS", "bare-RSS-MB", 1, 40, ""},
	{"… anonymous memory of the idle plugin with an instance (MB); the rest is the binary's pages", "—", "PluginIdleRSS", "idle-anon-MB", 1, 0, ""},
	{"20 captures at once, each probe printing 16 MiB (the output cap): peak RSS of the plugin (MB)", "≤ 300 MB", "MemoryCaptures20AtCap", "peak-RSS-MB", 1, 300, ""},
	{"… execs in flight at once (outputBudgetBytes 48 MiB / maxOutputBytes 16 MiB)", "—", "MemoryCaptures20AtCap", "peak-execs", 1, 0, ""},
	{"8 concurrent raw downloads of a 15 MiB dump: RSS above idle (MB)", "≤ 64 MB", "MemoryRawDownloads8", "above-idle-MB", 1, 64, ""},
	{"list limit=500 over captures with a 1 MiB label each: RSS above idle (MB)", "≤ 64 MB", "MemoryList500BigLabels", "above-idle-MB", 1, 64, ""},
}

var benchLine = regexp.MustCompile(`^Benchmark(\S+?)(-\d+)?\s+\d+\s+(.*)$`)

func main() {
	values := map[string][]float64{} // "bench unit" → one value per run
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		fields := strings.Fields(m[3])
		for i := 0; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			key := m[1] + " " + fields[i+1]
			values[key] = append(values[key], v)
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "read benchmark output:", err)
		os.Exit(1)
	}
	fmt.Println("| measure | target | median | runs | met |")
	fmt.Println("|---|---|---|---|---|")
	for _, r := range rows {
		vs := values[r.bench+" "+r.unit]
		if len(vs) == 0 {
			fmt.Printf("| %s | %s | not run | 0 | |\n", r.measure, r.target)
			continue
		}
		med := median(vs) * r.scale
		limit := r.limit
		if r.limitFrom != "" {
			limit = median(values[r.bench+" "+r.limitFrom])
		}
		met := ""
		if limit > 0 {
			met = "yes"
			if med > limit {
				met = "**no**"
			}
		}
		fmt.Printf("| %s | %s | %s | %d | %s |\n", r.measure, r.target, format(med), len(vs), met)
	}
}

func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func format(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 1:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
}
