// Package jvmheap turns a JVM's own heap reports into evidence for memory alerts: the
// "jvm-heap" evidence kind (see pkg/pprof/doc.go for the five parts every kind has).
//
//  1. Collector: heap.sh, a POSIX sh script sent on stdin to `sh -s -- MODE TIMEOUT TOPN`
//     (Script, Args) through the same exec as the thread probe, framed the same way
//     ("@sc" records, "|" data lines) so it can later be merged into pkg/jvm's probe. It
//     runs the JVM's own jcmd: GC.heap_info; VM.metaspace only when heap_info has no
//     Metaspace line (JDK 25's G1 and Z); GC.class_histogram (top N lines and the Total,
//     cut in the container) in the chosen mode; VM.native_memory summary. No new tool
//     goes into the container and no signal is sent: JRE-only images (no jcmd) keep the
//     heap summary the thread probe's kill -3 makes the JVM print after the threads
//     (ParseSigquitHeap reads it from the container log).
//  2. Parsers: ParseProbeOutput, then Summarize into Evidence; ParseHeapInfo (G1,
//     Parallel, Serial, Z, Shenandoah on JDK 17 and 25), ParseHistogram (with or without
//     -all), ParseNativeMemory ("Native memory tracking is not enabled" is a reason, not an
//     error), ParseSigquitHeap. All pure and bounded, re-runnable on the stored raw output.
//  3. Stored form: Evidence as the summary JSON, the script's output as the raw bytes.
//  4. API shape: Evidence's JSON tags.
//  5. View: the histogram as a table with bars (Display is the Java name, "byte[]"), heap
//     and metaspace used/committed, NMT categories; Failures as reasons.
//
// Room (NewRoom) is the evidence.Room: one jvm-heap piece per container for the memory
// focus. It runs heap.sh twice: first without the histogram (heap_info, Metaspace, NMT),
// then the histogram alone for the JVMs whose used heap is within
// RoomOptions.MaxHistogramHeap, so a huge heap is never walked.
//
// A part that could not be read is a Failure with a Reason from a closed set (no-jcmd,
// attach-unsafe, attach-failed, timeout, nmt-off, not-taken, command-failed, truncated);
// the rest is kept.
//
// # The histogram's pause, and the default mode
//
// GC.class_histogram runs at a safepoint (VM operation GC_HeapInspection): every
// application thread stops while the heap is walked. By default jcmd first runs a full
// GC inside that same pause, so only live objects are counted; "-all" skips the GC and
// walks every object, reachable or not. bench/histopause_test.go measures the pause from
// the target's own -Xlog:safepoint on a G1 JVM (HeapGrow, heap 1.5× its live set, a small
// allocation churn), median of 3 runs, on the project's 2-core machine at load average
// 33-40 (seven engineers' builds and tests):
//
//	live heap  JDK   default (full GC + walk)   -all (walk only)
//	1 GiB      17    3.5 s                      1.2 s
//	1 GiB      25    5.9 s                      0.87 s
//	4 GiB      17    24 s                       8.2 s
//	4 GiB      25    33 s                       8.0 s
//
// The absolute numbers are inflated by the load (a quiet machine is several times
// faster); the ratio is what decides: the full GC is 3-7× the walk, grows with the live
// set, and on a JVM near its limit it is the worst moment to force one (it competes for
// the same cores and may itself run out of memory). So DefaultHistogramMode is "all":
// the shortest pause. Near an OOM almost everything in the heap is live anyway, so the
// ranking barely differs; the evidence says All=true so the view can say "includes
// unreachable objects". "full" (live objects only) is the setting for whoever prefers
// exact live counts and accepts the full GC; "none" skips the heap walk altogether.
package jvmheap
