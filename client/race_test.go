//go:build race

package client

// raceEnabled scales payload-heavy tests down: the race detector makes JSON
// several times slower, which would swamp timing assertions.
const raceEnabled = true
