// Command target is a Go program to capture: it serves net/http/pprof and
// does three known things, so tests can check that each shows up where it
// should:
//   - one goroutine burns CPU in main.burnCPU;
//   - -parked goroutines (1,000 by default) wait on one channel in
//     main.parkOnGate;
//   - main.growHeap allocates and keeps 256 KiB chunks until -heap bytes
//     are live.
//
// It prints "listening on <addr>" once it serves.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	parked := flag.Int("parked", 1000, "goroutines parked on one channel")
	heapBytes := flag.Int("heap", 64<<20, "bytes main.growHeap keeps live")
	flag.Parse()

	// Sample every 4 KiB allocated, not every 512 KiB, so the heap profile
	// names the allocating function after a few allocations.
	runtime.MemProfileRate = 4096

	gate := make(chan struct{})
	for range *parked {
		go parkOnGate(gate)
	}
	go burnCPU()
	go growHeap(*heapBytes)

	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	if _, err := fmt.Fprintf(os.Stdout, "listening on %s\n", ln.Addr()); err != nil {
		log.Fatalf("announce the address: %v", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.Serve(ln))
}

//go:noinline
func parkOnGate(gate chan struct{}) {
	<-gate
}

// burnCPU spins in its own body (no calls), so its samples are flat in it.
//
//go:noinline
func burnCPU() {
	x := uint64(88172645463325252)
	for {
		for range 1 << 20 {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
		}
		if x == 0 { // never: keeps the loop from being optimised away
			_, _ = fmt.Fprint(os.Stderr, "")
		}
	}
}

//go:noinline
func growHeap(limit int) {
	var kept [][]byte
	for size := 0; size < limit; size += 256 << 10 {
		chunk := make([]byte, 256<<10)
		chunk[0] = 1
		kept = append(kept, chunk)
		time.Sleep(time.Millisecond)
	}
	for {
		time.Sleep(time.Hour)
		runtime.KeepAlive(kept)
	}
}
