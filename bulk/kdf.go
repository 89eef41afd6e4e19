package bulk

import "runtime/debug"

// kdfGate bounds the keystore key derivations that run at the same time
// in one run: the encryptions of [Export], the decryptions of [Import] and
// its dry run (the one mechanism both use). A keystore's scrypt takes up to
// 512 MiB (keyformat's limit; 256 MiB at geth's default), so with the gate
// a run's peak memory is that of its KDFConcurrency derivations (default
// 1), whatever its number of workers: without it, eight workers opening
// eight costly keystores at once take eight times as much.
type kdfGate chan struct{}

// newKDFGate returns a gate for n derivations at a time; n < 1 means 1.
func newKDFGate(n int) kdfGate {
	if n < 1 {
		n = 1
	}
	return make(kdfGate, n)
}

// enter waits for a free place.
func (g kdfGate) enter() { g <- struct{}{} }

// leave gives the place back, after the derivation's memory is collected
// and returned to the operating system: it is garbage once the derivation
// returns, but a plain collection leaves its pages mapped, and when the
// next derivation cannot find them in one piece (a small allocation
// landed among them) it maps 512 MiB more while the old ones are still
// resident: twice the peak, seen under load. debug.FreeOSMemory costs
// milliseconds against a derivation's hundreds.
func (g kdfGate) leave() {
	debug.FreeOSMemory()
	<-g
}
