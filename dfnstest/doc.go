// Package dfnstest runs a Dfns-compatible API in-process, for tests and
// rehearsals, as net/http/httptest does for HTTP servers and pstest for
// Pub/Sub: one call starts it ([NewServer] in a test, [StartServer] in a
// program), and it serves the routes a key migration uses with real
// validation.
//
// Its signing clusters really decrypt, parse and check every import share
// (each signer checks its share against its public share, and all public
// shares against one polynomial of degree t−1), reshare keys at random
// evaluation points before exporting them, and sign with the keys they
// hold. It checks bearer tokens, permissions and signed user actions (Key
// credentials and WebAuthn passkeys) as Dfns does, and it can create keys
// itself (POST /keys), as Dfns does for native keys.
//
// [Server.Client] returns a client ready to use against the server, so a
// test needs one line. Inspection helpers ([Server.Keys], [Server.Requests],
// [Server.Signers], …) show what arrived; faults ([Server.SetFaults] with a
// [Fault] per route: failures before or after processing, rate limits,
// dropped or delayed answers, policy approvals, bad signatures) rehearse
// what production does, and a mistaken fault is an error, never a panic.
// Hostile-API knobs ([Server.SubstituteListedSigner],
// [Server.SubstituteKey], [Server.SubstituteExport]) rehearse a compromised
// API front end, so that a client's defences can be shown to hold (see the
// repository's docs/threat-model.md). Package keys' offline steps are
// tested against it too: [Server.Signers] is the listing to plan an import
// with offline, and an export request made offline is sent with
// dfnskeys.Client.SendExportRequest. The protocol it implements is
// described in the repository's docs/protocol.md.
//
// The simulator is for tests and practice only: it listens on loopback
// addresses only. The dfnskeys simulator command runs the same simulator as
// a program, with a state file (which holds the signers' decryption keys and
// the key shares in the clear).
package dfnstest
