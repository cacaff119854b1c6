//go:build race

package capture

// raceEnabled: the race detector slows compression tenfold and adds its own memory, so heap
// figures are not measured under it.
const raceEnabled = true
