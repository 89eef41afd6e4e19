package address

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	//lint:ignore SA1019 HASH160 is RIPEMD-160 by definition.
	"golang.org/x/crypto/ripemd160"
	"golang.org/x/crypto/sha3"

	"github.com/dfnskeys/dfnskeys/internal/base58"
	"github.com/dfnskeys/dfnskeys/internal/secp"
	"github.com/dfnskeys/dfnskeys/keys"
)

// Addresses holds the addresses of one public key. Fields that do not
// apply to the key's curve are empty.
type Addresses struct {
	// Ethereum is the EIP-55 checksummed address (secp256k1 keys).
	Ethereum string `json:"ethereum,omitempty"`
	// BitcoinP2WPKH is the mainnet native SegWit v0 address (secp256k1 keys).
	BitcoinP2WPKH string `json:"bitcoinP2wpkh,omitempty"`
	// BitcoinP2TR is the mainnet BIP-86 Taproot address (secp256k1 keys).
	BitcoinP2TR string `json:"bitcoinP2tr,omitempty"`
	// BitcoinP2PKH is the mainnet legacy address ("1…") of the compressed
	// key, as BIP-44 wallets derive it (secp256k1 keys).
	BitcoinP2PKH string `json:"bitcoinP2pkh,omitempty"`
	// BitcoinP2SHP2WPKH is the mainnet nested SegWit address ("3…"), a
	// P2WPKH script wrapped in P2SH, as BIP-49 wallets derive it
	// (secp256k1 keys).
	BitcoinP2SHP2WPKH string `json:"bitcoinP2shP2wpkh,omitempty"`
	// Solana is the Solana address (ed25519 keys).
	Solana string `json:"solana,omitempty"`

	// p2pkhUncompressed is the legacy address of the uncompressed key,
	// which very old wallets used. [Addresses.Match] recognises it, but it
	// is not listed: Dfns's Bitcoin wallets use the compressed key.
	p2pkhUncompressed string
}

// Address is one address of a key, with its kind.
type Address struct {
	// Kind is the address's kind, named as in the JSON of [Addresses]:
	// "ethereum", "bitcoinP2wpkh", "bitcoinP2tr" or "solana".
	Kind string `json:"kind"`
	// Address is the address itself.
	Address string `json:"address"`
}

// List returns a's non-empty addresses in a fixed order: Ethereum,
// Bitcoin P2WPKH, P2TR, P2PKH and P2SH-P2WPKH, Solana.
func (a Addresses) List() []Address {
	var out []Address
	for _, x := range []Address{
		{"ethereum", a.Ethereum},
		{"bitcoinP2wpkh", a.BitcoinP2WPKH},
		{"bitcoinP2tr", a.BitcoinP2TR},
		{"bitcoinP2pkh", a.BitcoinP2PKH},
		{"bitcoinP2shP2wpkh", a.BitcoinP2SHP2WPKH},
		{"solana", a.Solana},
	} {
		if x.Address != "" {
			out = append(out, x)
		}
	}
	return out
}

// Match reports which of a's addresses s is, written as wallets and
// explorers write it, and returns its kind as [Address.Kind] names it. An
// Ethereum address matches in its EIP-55 form or in all-lower or all-upper
// case hex, always with the "0x" prefix; mixed case must be the EIP-55
// form, so that a mistyped letter is caught. A Bitcoin bech32 address
// matches in lower or upper case, never mixed (BIP-173); base58 addresses
// and Solana addresses must match exactly. Surrounding whitespace is
// ignored.
//
// The same key's Bitcoin testnet addresses (tb1…, m…/n…, 2…) match too,
// with the kind suffixed " (testnet)", and so does the legacy address of
// the uncompressed key that very old wallets used, as kind
// "bitcoinP2pkhUncompressed"; neither is listed by [Addresses.List].
func (a Addresses) Match(s string) (kind string, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	lower, upper := strings.ToLower(s), strings.ToUpper(s)
	oneCase := func(prefixLen int) bool {
		body := s[prefixLen:]
		return body == strings.ToLower(body) || body == strings.ToUpper(body)
	}
	switch {
	case a.Ethereum != "" && len(s) == len(a.Ethereum) && (s[:2] == "0x" || s[:2] == "0X"):
		if s[2:] == a.Ethereum[2:] || (oneCase(2) && strings.EqualFold(s[2:], a.Ethereum[2:])) {
			return "ethereum", true
		}
	case a.Solana != "" && s == a.Solana:
		return "solana", true
	}
	if s == lower || s == upper {
		for _, x := range []Address{{"bitcoinP2wpkh", a.BitcoinP2WPKH}, {"bitcoinP2tr", a.BitcoinP2TR}} {
			if x.Address == "" {
				continue
			}
			if lower == x.Address {
				return x.Kind, true
			}
			if strings.HasPrefix(lower, "tb1") && mainnetSegwit(lower) == x.Address {
				return x.Kind + " (testnet)", true
			}
		}
	}
	for _, x := range []Address{{"bitcoinP2pkh", a.BitcoinP2PKH}, {"bitcoinP2shP2wpkh", a.BitcoinP2SHP2WPKH}, {"bitcoinP2pkhUncompressed", a.p2pkhUncompressed}} {
		if x.Address == "" {
			continue
		}
		if s == x.Address {
			return x.Kind, true
		}
		if mainnetBase58(s) == x.Address {
			return x.Kind + " (testnet)", true
		}
	}
	return "", false
}

// mainnetSegwit returns the mainnet form of a testnet segwit address, or
// "" when s is not one.
func mainnetSegwit(s string) string {
	v, prog, err := segwitDecode("tb", s)
	if err != nil {
		return ""
	}
	m, err := segwitEncode("bc", v, prog)
	if err != nil {
		return ""
	}
	return m
}

// Base58Check version bytes of Bitcoin's address kinds.
const (
	versionP2PKH        = 0x00
	versionP2SH         = 0x05
	versionTestnetP2PKH = 0x6f
	versionTestnetP2SH  = 0xc4
)

// mainnetBase58 returns the mainnet form of a testnet P2PKH or P2SH
// address, or "" when s is not one.
func mainnetBase58(s string) string {
	if len(s) > 40 { // 25 bytes take at most 35 characters
		return ""
	}
	b, err := base58.Decode([]byte(s))
	if err != nil || len(b) != 25 {
		return ""
	}
	sum := doubleSHA256(b[:21])
	if !bytes.Equal(sum[:4], b[21:]) {
		return ""
	}
	switch b[0] {
	case versionTestnetP2PKH:
		return base58Check(versionP2PKH, b[1:21])
	case versionTestnetP2SH:
		return base58Check(versionP2SH, b[1:21])
	}
	return ""
}

func doubleSHA256(b []byte) [32]byte {
	h := sha256.Sum256(b)
	return sha256.Sum256(h[:])
}

// base58Check is Base58Check: version ‖ payload ‖ 4 checksum bytes.
func base58Check(version byte, payload []byte) string {
	b := append([]byte{version}, payload...)
	sum := doubleSHA256(b)
	return base58.Encode(append(b, sum[:4]...))
}

// ForKey returns the addresses of a public key on curve c, in the encoding
// [keys.PrivateKey.PublicKey] returns (33-byte compressed on secp256k1, 32
// bytes on ed25519; 65-byte uncompressed secp256k1 keys are accepted too).
// A secp256k1 key gets Ethereum and Bitcoin P2WPKH, P2TR, P2PKH and
// P2SH-P2WPKH addresses,
// an ed25519 key a Solana address, and a stark key none.
func ForKey(c keys.Curve, pub []byte) (Addresses, error) {
	switch c {
	case keys.Secp256k1:
		p, err := parseSecp256k1(pub)
		if err != nil {
			return Addresses{}, err
		}
		tr, err := p2tr(p)
		if err != nil {
			return Addresses{}, err
		}
		return Addresses{
			Ethereum: ethereum(p), BitcoinP2WPKH: p2wpkh(p), BitcoinP2TR: tr,
			BitcoinP2PKH:      base58Check(versionP2PKH, hash160(p.SerializeCompressed())),
			BitcoinP2SHP2WPKH: p2shP2wpkh(p),
			p2pkhUncompressed: base58Check(versionP2PKH, hash160(p.SerializeUncompressed())),
		}, nil
	case keys.Ed25519:
		if len(pub) != 32 {
			return Addresses{}, fmt.Errorf("ed25519 public key is %d bytes, want 32", len(pub))
		}
		return Addresses{Solana: base58.Encode(pub)}, nil
	case keys.Stark:
		return Addresses{}, nil
	default:
		return Addresses{}, fmt.Errorf("unsupported curve %q: supported curves are secp256k1, stark and ed25519", c)
	}
}

func p2shP2wpkh(p *secp256k1.PublicKey) string {
	script := append([]byte{0x00, 0x14}, hash160(p.SerializeCompressed())...)
	return base58Check(versionP2SH, hash160(script))
}

func parseSecp256k1(pub []byte) (*secp256k1.PublicKey, error) { return secp.ParsePublicKey(pub) }

func keccak256(parts ...[]byte) []byte {
	h := sha3.NewLegacyKeccak256()
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

func ethereum(p *secp256k1.PublicKey) string {
	return eip55(keccak256(p.SerializeUncompressed()[1:])[12:])
}

// eip55 writes a 20-byte address in EIP-55 mixed case: a hex letter is
// upper case when the matching nibble of keccak256(lowercase hex) is ≥ 8.
func eip55(addr []byte) string {
	lower := hex.EncodeToString(addr)
	h := keccak256([]byte(lower))
	out := []byte("0x" + lower)
	for i := range len(lower) {
		nibble := h[i/2] >> 4
		if i%2 == 1 {
			nibble = h[i/2] & 0x0f
		}
		if c := out[2+i]; c >= 'a' && nibble >= 8 {
			out[2+i] = c - 'a' + 'A'
		}
	}
	return string(out)
}

func hash160(b []byte) []byte {
	s := sha256.Sum256(b)
	r := ripemd160.New()
	r.Write(s[:])
	return r.Sum(nil)
}

func p2wpkh(p *secp256k1.PublicKey) string {
	a, err := segwitEncode("bc", 0, hash160(p.SerializeCompressed()))
	if err != nil {
		panic("address: unreachable: 20-byte v0 program: " + err.Error())
	}
	return a
}

func p2tr(p *secp256k1.PublicKey) (string, error) {
	q, err := taprootOutputKey(p)
	if err != nil {
		return "", err
	}
	a, err := segwitEncode("bc", 1, q[:])
	if err != nil {
		panic("address: unreachable: 32-byte v1 program: " + err.Error())
	}
	return a, nil
}

// taprootOutputKey returns x(Q) for the BIP-86 key-path-only output of
// internal key p.
func taprootOutputKey(p *secp256k1.PublicKey) ([32]byte, error) { return secp.TaprootOutputKeyOf(p) }
