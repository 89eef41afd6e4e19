// Package sharding implements Shamir sharing over the curves Dfns signers use
// and the share plaintexts of docs/protocol.md §4–5.
//
// The public package github.com/dfnskeys/dfnskeys/sharding is the user-facing
// API and documents the conventions and the constant-time properties; it is a
// thin layer over this package. What only a signer needs (checking public
// shares, splitting at arbitrary evaluation points, interpolating in the
// exponent) is exported here for the simulator (package dfnstest) and is not
// part of the public API.
package sharding
