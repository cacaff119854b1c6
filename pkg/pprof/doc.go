// Package pprof turns a Go program's pprof profiles into evidence: it finds
// where a pod serves net/http/pprof (Discover), fetches a profile through
// the API server's pod proxy (Collect, over kube.Proxier), and reads the
// bytes into a small summary (ParseCPU, ParseGoroutines, ParseHeap). Room
// (NewRoom) is its evidence.Room: what a capture plans and collects from a
// target. It knows nothing of storage or HTTP routes.
//
// # What is fetched and why
//
//   - CPU: /debug/pprof/profile?seconds=N, N the capture's sample window
//     rounded up to whole seconds (net/http/pprof takes an integer).
//     Summary: top functions by flat and cumulative CPU with their share
//     of the window (1.0 = one core, as JVM threads are shown), and a call
//     tree bounded to Options.FlameNodes for the flame graph (flame.go).
//   - Goroutines: /debug/pprof/goroutine (protobuf, debug=0), grouped by
//     identical stack with counts; the state is read from the stack (see
//     goroutine.go for why not debug=2).
//   - Heap: /debug/pprof/heap (protobuf): top by in-use bytes and objects
//     and by allocated bytes and objects. runtime.MemStats (the debug=1
//     text's trailer) is not fetched: it is a second, larger request whose
//     other content duplicates the protobuf, and the in-use and allocated
//     totals already come from the profile. gc=1 is not sent either: it
//     would force a GC in the program under diagnosis.
//
// All three keep the raw bytes (gzipped protobuf, what `go tool pprof`
// opens) beside the summary. Parsing is bounded: decompression stops at
// Options.MaxUncompressed (256 MiB) and summaries keep Options.Top entries,
// whatever the profile's size; a panic in the decoder becomes an error.
//
// # Where pprof is
//
// See Discover: the annotation stackcapture.seed.io/pprof[.<container>]
// ("http://:6060/debug/pprof", ":6060", "6060", a port name, or "false"),
// else a container port named pprof, http-pprof or https-pprof. Default
// scheme http and path /debug/pprof; no default port.
//
// # How an evidence kind plugs into captures (for the wiring step)
//
// A capture is one alert on one target and holds pieces of evidence, each of
// a Kind (today's "jvm-threads"; here "go-cpu", "go-goroutines",
// "go-heap"). A kind is a folder like this one providing five things, so
// that adding a kind is registering it, not editing switches:
//
//  1. Collector: func(ctx, deps, target) *Evidence. Here Collect with
//     kube.Proxier; ctx carries the capture timeout, MaxBytes the output
//     cap. It never returns nil and never panics: a failure is Evidence
//     with Failure{Reason, Message}, Reason one of a small closed set the
//     UI can branch on (no-endpoint, connection-refused, pprof-not-found,
//     app-denied, forbidden, timeout, truncated, …), Message what to do.
//  2. Parser: bytes → summary (ParseCPU/ParseGoroutines/ParseHeap), pure,
//     bounded, re-runnable on the stored raw bytes (so a better parser can
//     re-summarise old captures).
//  3. Stored form: one row per evidence (capture_id, kind, source, path,
//     started, took, failure_reason, failure_message, summary JSON, raw
//     BLOB with its content type "application/octet-stream" and file
//     name <capture>-<kind>.pb.gz). The JVM threads become the first kind
//     by a migration that copies today's columns into such rows; old
//     captures read the same.
//  4. API shape: a capture's JSON gets "evidence": [{kind, source, path,
//     failure, summary}] where summary is the kind's JSON (CPUSummary,
//     GoroutineSummary, HeapSummary as tagged here); raw bytes are
//     downloaded at .../captures/{id}/evidence/{kind}/raw.
//  5. View: one React component per kind, chosen by kind from a map
//     (unknown kinds show their failure or "not viewable"): CPU as a
//     ranked table like the threads (function, flat %, cum %), goroutines
//     as groups "×1000 chan receive main.worker" with a foldable stack,
//     heap as two ranked tables (in use, allocated).
//
// A capture decides which kinds to run from the target: a pod with a
// declared pprof endpoint (or a Go container where Discover says what to
// declare) gets the three Go kinds, a JVM the threads; a node alert with
// the kubelet setting on gets go-cpu and go-goroutines from Target{Node}.
package pprof
