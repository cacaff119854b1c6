//go:build !race

package pprof_test

// raceEnabled: the race detector slows the synthetic-profile tests tenfold.
const raceEnabled = false
