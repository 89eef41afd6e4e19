package keys

import (
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/dfnskeys/dfnskeys/internal/safetext"
)

// Expectation says which key an export must return, from what the user
// knows rather than from what the API reports: the API is untrusted for
// truth, and one that substitutes another key consistently (in GET /keys,
// GET /keys/{keyId} and the export) makes every check against its own
// public key pass. See docs/threat-model.md §2.
//
// [ExpectPublicKey], [ParseExpectedPublicKey] and [ExpectIdentity] make
// one from a public key; package address makes one from an address
// (address.Expect). [ExportContext.Recover] and Client.ExportKey
// (package dfnskeys) check every key they recover against it.
type Expectation interface {
	// CheckCurve returns an error when the expectation cannot describe a
	// key on curve c (a public key of another curve's length, an address
	// of another chain). The error never holds the expected value, which
	// may be key material pasted by mistake.
	CheckCurve(c Curve) error
	// Matches reports whether publicKey, in Dfns's encoding on curve c,
	// is the expected key. Public keys are compared in constant time.
	Matches(c Curve, publicKey []byte) bool
	// String names the expectation in messages ("the expected public
	// key", "the expected address 0x…"); it never holds key material.
	String() string
}

// ExpectPublicKey returns the expectation of a key whose public key is pub,
// in Dfns's encoding: 33 bytes (SEC1 compressed) on secp256k1 and stark,
// 32 bytes on ed25519. The caller keeps pub.
func ExpectPublicKey(pub []byte) Expectation {
	return publicKeyExpectation{pub: append([]byte(nil), pub...)}
}

// ParseExpectedPublicKey parses a public key given as hex (an optional 0x
// prefix and surrounding space are ignored), in Dfns's encoding, as
// [ExpectPublicKey] takes it, or as a 65-byte SEC1 uncompressed point
// (04, x, y) on secp256k1 or stark, which it compresses. Its errors never hold s.
func ParseExpectedPublicKey(s string) (Expectation, error) {
	s = strings.TrimSpace(s)
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		s = s[2:]
	}
	if s == "" {
		return nil, errors.New("the expected public key is empty")
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, errors.New("the expected public key is not hex")
	}
	switch {
	case len(b) == 32, len(b) == 33:
	case len(b) == 65 && b[0] == 0x04:
		// SEC1 uncompressed (secp256k1 and stark), as Ethereum tools
		// print it: the compressed form is x with y's parity.
		c := make([]byte, 33)
		c[0] = 0x02 | b[64]&1
		copy(c[1:], b[1:33])
		b = c
	default:
		return nil, fmt.Errorf("the expected public key has %d bytes: a public key in Dfns's encoding has 33 (secp256k1 and stark, SEC1 compressed) or 32 (ed25519); 65 bytes starting 04 (SEC1 uncompressed) are read too", len(b))
	}
	return publicKeyExpectation{pub: b}, nil
}

// ExpectIdentity returns the expectation of the key with identity id: its
// public key, and its curve when id names one.
func ExpectIdentity(id Identity) (Expectation, error) {
	e, err := ParseExpectedPublicKey(id.PublicKey)
	if err != nil {
		return nil, err
	}
	pe := e.(publicKeyExpectation)
	pe.curve = id.Curve
	return pe, nil
}

type publicKeyExpectation struct {
	pub   []byte
	curve Curve // "" when any curve will do
}

func (e publicKeyExpectation) CheckCurve(c Curve) error {
	if e.curve != "" && e.curve != c {
		return fmt.Errorf("the expected key is a %s key, not %s", e.curve, c)
	}
	m := c.math()
	if m == nil {
		return fmt.Errorf("unsupported curve %q: supported curves are secp256k1, stark and ed25519", c)
	}
	want := 33
	if c == Ed25519 {
		want = 32
	}
	if len(e.pub) != want {
		hint := ""
		if len(e.pub) == 32 {
			hint = " (is it a private key?)"
		}
		return fmt.Errorf("the expected public key has %d bytes, but a %s public key in Dfns's encoding has %d%s", len(e.pub), c, want, hint)
	}
	if _, err := m.ParsePublicKey(e.pub); err != nil {
		return fmt.Errorf("the expected public key is not a valid %s public key", c)
	}
	return nil
}

func (e publicKeyExpectation) Matches(c Curve, publicKey []byte) bool {
	if e.curve != "" && e.curve != c {
		return false
	}
	return subtle.ConstantTimeCompare(e.pub, publicKey) == 1
}

func (e publicKeyExpectation) String() string { return "the expected public key" }

// UnexpectedKeyError reports that an export is, or would be, of another key
// than the one expected ([Expectation]): the API answered for another key.
// No key is returned with it: a recovered key that is not the expected one
// is destroyed, never handed back or saved as the user's. See
// docs/threat-model.md §2.
type UnexpectedKeyError struct {
	// KeyID is the key asked for, when known.
	KeyID string
	// Expected names the expectation ([Expectation.String]).
	Expected string
	// Curve is the key's curve as the API reported it.
	Curve Curve
	// PublicKey is the public key the API reported (Exported false) or
	// that of the key exported (Exported true), hex, as received.
	PublicKey string
	// Exported reports whether the export had been sent: Dfns may then
	// have marked the real key exported.
	Exported bool
	// Reason, when set, says why the key cannot be the expected one (the
	// expectation is for another curve, or is no valid public key on it).
	Reason error
}

// Error says which key the API answered with, and what to do. The public
// key comes from the server: it is bounded and escaped.
func (e *UnexpectedKeyError) Error() string {
	var b strings.Builder
	if e.KeyID != "" {
		b.WriteString("key " + printableID(e.KeyID) + ": ")
	}
	got := "public key " + safetext.TextN(e.PublicKey, 140)
	if e.Curve != "" {
		got = safetext.TextN(string(e.Curve), 20) + " " + got
	}
	expected := e.Expected
	if expected == "" {
		expected = "the expected key"
	}
	if e.Reason != nil {
		expected += " (" + e.Reason.Error() + ")"
	}
	if !e.Exported {
		fmt.Fprintf(&b, "the API reports %s, which is not %s: the API would return another key than expected; nothing was exported. Check the key ID and the expected key; if both are right, do not trust this API (see docs/threat-model.md §2)", got, expected)
		return b.String()
	}
	fmt.Fprintf(&b, "the API returned another key than expected: the export is of a key with %s, which is not %s; it was discarded and not saved. Dfns may have marked the real key exported (and stop signing with it): do not destroy your original copy of the key (see docs/threat-model.md §2)", got, expected)
	return b.String()
}
