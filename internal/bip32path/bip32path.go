// Package bip32path parses BIP-32 derivation paths and names the default
// path of each curve, for keyformat (mnemonics, extended keys) and bulk
// (path ranges, report lines). Paths are public: nothing here is secret.
package bip32path

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dfnskeys/dfnskeys/keys"
)

// Hardened is the first hardened child index, 2^31.
const Hardened = 1 << 31

// MaxDepth is BIP-32's limit: depth is serialized in one byte.
const MaxDepth = 255

// Default returns the derivation path a mnemonic is derived along for
// curve c when none is given: "m/44'/60'/0'/0/0" (the first Ethereum
// account) on secp256k1 and "m/44'/501'/0'/0'" (the first Solana account,
// as Phantom and solana-keygen derive it) on ed25519. It returns "" for
// other curves.
func Default(c keys.Curve) string {
	switch c {
	case keys.Secp256k1:
		return "m/44'/60'/0'/0/0"
	case keys.Ed25519:
		return "m/44'/501'/0'/0'"
	}
	return ""
}

// Parse parses a BIP-32 derivation path such as "m/44'/60'/0'/0/0" into
// child indices. "m" alone is the master key. A step is a decimal index
// below 2^31, hardened (2^31 added) when followed by ', h or H.
// Surrounding whitespace is ignored; paths deeper than 255 are refused.
func Parse(path string) ([]uint32, error) {
	s := strings.TrimSpace(path)
	if s != "m" && !strings.HasPrefix(s, "m/") {
		return nil, fmt.Errorf("invalid derivation path %q: it must start with \"m\"", path)
	}
	if s == "m" {
		return []uint32{}, nil
	}
	steps := strings.Split(s[2:], "/")
	if len(steps) > MaxDepth {
		return nil, fmt.Errorf("invalid derivation path %q: %d steps, at most %d allowed", path, len(steps), MaxDepth)
	}
	out := make([]uint32, len(steps))
	for i, step := range steps {
		var offset uint32
		if n := len(step); n > 0 && (step[n-1] == '\'' || step[n-1] == 'h' || step[n-1] == 'H') {
			step, offset = step[:n-1], Hardened
		}
		if step == "" || strings.TrimLeft(step, "0123456789") != "" {
			return nil, fmt.Errorf("invalid derivation path %q: step %d is not a number", path, i+1)
		}
		v, err := strconv.ParseUint(step, 10, 32)
		if err != nil || v >= Hardened {
			return nil, fmt.Errorf("invalid derivation path %q: step %d is not below 2^31", path, i+1)
		}
		out[i] = uint32(v) + offset
	}
	return out, nil
}
