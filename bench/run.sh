#!/bin/sh
# Runs every benchmark in bench/ COUNT times (default 5) and prints one markdown table of the
# medians against the targets. Raw output goes to stderr and to $OUT (default a temp file).
# The machine's load average is printed before and after: the numbers mean little on a busy box.
#
#   bench/run.sh                 # all, 5 runs each
#   COUNT=3 bench/run.sh         # fewer runs
#   ONLY=List bench/run.sh       # benchmarks whose name matches a regexp
set -eu
cd "$(dirname "$0")/.."
COUNT=${COUNT:-5}
ONLY=${ONLY:-.}
OUT=${OUT:-$(mktemp -t stackcapture-bench.XXXXXX)}
: >"$OUT"

load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "load average before: $(load) on $(nproc) cores" >&2

# name, -benchtime: the slow benchmarks do a few captures or one storm per run.
while read -r name benchtime; do
	echo "$name" | grep -Eq "$ONLY" || continue
	go test ./bench -run '^$' -timeout 60m -count "$COUNT" -bench "^Benchmark${name}\$" -benchtime "$benchtime" 2>&1 |
		grep -E '^(Benchmark|ok|FAIL|---|panic|\s+\S+_test\.go)' | tee -a "$OUT" >&2
done <<'LIST'
WebhookToExec 300x
CaptureWindow2s 3x
CaptureOverWindow 5x
AlertStorm 1x
ParseThreadDump5000 2s
List100Of100k 3000x
StoredRatio 3x
Safepoints 3x
PluginIdleRSS 1x
MemoryCaptures20AtCap 1x
MemoryRawDownloads8 1x
MemoryList500BigLabels 1x
LIST

echo "load average after: $(load)" >&2
echo "raw output: $OUT" >&2
go run bench/summary.go <"$OUT"
echo
echo "Medians of $COUNT runs on $(nproc) cores; load average at the end $(load)."
