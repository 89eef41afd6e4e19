package address

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/dfnskeys/dfnskeys/internal/base58"
	"github.com/dfnskeys/dfnskeys/keys"
)

// Expect returns the expectation ([keys.Expectation]) of the key with
// address s: any address kind [Addresses.Match] recognises (Ethereum,
// Bitcoin P2WPKH, P2TR, P2PKH, P2SH-P2WPKH, mainnet or testnet, Solana).
// A key matches when one of the addresses derived from its public key is
// s; an export given this expectation derives them from the public key
// the API reports before the export and from the key recovered after it.
//
// s is checked for shape and checksum only (the key is not known yet); its
// errors never hold s, which may be key material pasted by mistake.
func Expect(s string) (keys.Expectation, error) {
	s = strings.TrimSpace(s)
	curve, err := classify(s)
	if err != nil {
		return nil, err
	}
	return addressExpectation{addr: s, curve: curve}, nil
}

// classify returns the curve of the keys whose address s can be.
func classify(s string) (keys.Curve, error) {
	if s == "" {
		return "", errors.New("the expected address is empty")
	}
	if len(s) > 100 {
		return "", fmt.Errorf("the expected address is %d characters long: no address kind dfnskeys knows is longer than 62", len(s))
	}
	if len(s) == 42 && (s[:2] == "0x" || s[:2] == "0X") {
		body := s[2:]
		raw, err := hex.DecodeString(body)
		if err != nil {
			return "", errors.New("the expected address starts with 0x but is not 40 hex digits (an Ethereum address)")
		}
		if body != strings.ToLower(body) && body != strings.ToUpper(body) && eip55(raw)[2:] != body {
			return "", errors.New("the expected Ethereum address is in mixed case but its EIP-55 checksum is wrong: is a letter mistyped?")
		}
		return keys.Secp256k1, nil
	}
	lower := strings.ToLower(s)
	if s == lower || s == strings.ToUpper(s) {
		for _, hrp := range []string{"bc", "tb"} {
			if !strings.HasPrefix(lower, hrp+"1") {
				continue
			}
			v, prog, err := segwitDecode(hrp, lower)
			if err != nil {
				return "", errors.New("the expected address looks like a Bitcoin segwit address but does not decode (bad checksum or characters)")
			}
			if (v == 0 && len(prog) == 20) || (v == 1 && len(prog) == 32) {
				return keys.Secp256k1, nil
			}
			return "", errors.New("the expected address is a Bitcoin segwit address but not of a single key (P2WPKH or P2TR)")
		}
	}
	b, err := base58.Decode([]byte(s))
	if err != nil {
		return "", errors.New("the expected address is not an address dfnskeys knows (Ethereum 0x…, Bitcoin, Solana)")
	}
	defer clear(b)
	switch len(b) {
	case 25:
		sum := doubleSHA256(b[:21])
		if string(sum[:4]) != string(b[21:]) {
			return "", errors.New("the expected address looks like a Bitcoin base58 address but its checksum is wrong")
		}
		switch b[0] {
		case versionP2PKH, versionP2SH, versionTestnetP2PKH, versionTestnetP2SH:
			return keys.Secp256k1, nil
		}
		return "", errors.New("the expected address is base58 with a checksum but not a Bitcoin P2PKH or P2SH address (is it a private key?)")
	case 32:
		return keys.Ed25519, nil
	}
	return "", errors.New("the expected address is not an address dfnskeys knows (Ethereum 0x…, Bitcoin, Solana)")
}

type addressExpectation struct {
	addr  string
	curve keys.Curve
}

func (e addressExpectation) CheckCurve(c keys.Curve) error {
	if c == e.curve {
		return nil
	}
	if c == keys.Stark {
		return errors.New("a stark key has no address dfnskeys derives: expect its public key instead")
	}
	return fmt.Errorf("the expected address is of a %s key, not %s", e.curve, c)
}

func (e addressExpectation) Matches(c keys.Curve, publicKey []byte) bool {
	if c != e.curve {
		return false
	}
	a, err := ForKey(c, publicKey)
	_, ok := a.Match(e.addr)
	return err == nil && ok
}

func (e addressExpectation) String() string { return "the expected address " + e.addr }
