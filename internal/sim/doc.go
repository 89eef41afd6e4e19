// Package sim is the Dfns-compatible simulator behind package dfnstest and
// the dfnskeys simulator command: the server, its signing clusters, state
// files, credentials, passkeys, faults and hostile-API knobs.
//
// Package dfnstest is its public face, the part a user's test needs; this
// package holds the rest, which only the command and the repository's own
// tests use (state files, listen addresses, cluster files, credential
// registration, the fault-spec parser). See package dfnstest for what the
// simulator does and how faithfully.
package sim
