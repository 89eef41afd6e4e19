package keyformat

import (
	"crypto/subtle"
	"encoding/binary"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/dfnskeys/dfnskeys/internal/base58"
	"github.com/dfnskeys/dfnskeys/keys"
)

// Extended-key version bytes (BIP-32, and SLIP-0132 for the yprv/zprv
// prefixes that BIP-49 and BIP-84 wallets write). The prefix does not
// change the key; it only says which addresses a wallet showed for it.
var xprvVersions = map[uint32]string{
	0x0488ade4: "xprv", 0x04358394: "tprv",
	0x049d7878: "yprv", 0x044a4e28: "uprv",
	0x04b2430c: "zprv", 0x045f18bc: "vprv",
}

var xpubVersions = map[uint32]string{
	0x0488b21e: "xpub", 0x043587cf: "tpub",
	0x049d7cb2: "ypub", 0x044a5262: "upub",
	0x04b24746: "zpub", 0x045f1cf6: "vpub",
}

// parseXPRV reads a BIP-32 extended private key (xprv, tprv, or the yprv
// and zprv forms of BIP-49 and BIP-84 wallets) and derives the secp256k1
// key at path below it. path is relative to the extended key: "m" is the
// key itself, "m/0/5" its child 0's child 5, "m/44'/60'/0'/0/0" the first
// Ethereum account below a master key. A path is required, so that a
// master key is never imported by mistake where a child was meant.
//
// The encoding is checked fully: Base58Check checksum, 78 bytes, a known
// private version (an extended public key is refused: it holds no private
// key), a 0x00 byte before the key, a key in [1, n), and for a depth-0 key
// a zero parent fingerprint and child number.
func parseXPRV(text []byte, path string) (*keys.PrivateKey, error) {
	if path == "" {
		return nil, errorf(XPRV, "a derivation path is required: the path below this extended key, for example m/44'/60'/0'/0/0 below a master key or m/0/0 below an account key (m alone is the extended key itself)")
	}
	steps, err := parsePath(path)
	if err != nil {
		return nil, wrap(XPRV, err)
	}
	t := trimSpace(text)
	if len(t) == 0 {
		return nil, errorf(XPRV, "empty input")
	}
	// 82 bytes encode to 111 or 112 characters; refuse far longer text
	// before the quadratic decoding.
	if len(t) > 120 {
		return nil, errorf(XPRV, "%d characters; an extended key has 111", len(t))
	}
	raw, err := base58.Decode(t)
	if err != nil {
		return nil, base58Error(XPRV, err, len(text)-len(trimLeftSpace(text)))
	}
	defer clear(raw)
	if len(raw) != 82 {
		return nil, errorf(XPRV, "decodes to %d bytes; an extended key has 82", len(raw))
	}
	payload, sum := raw[:78], raw[78:]
	want := doubleSHA256(payload)
	defer clear(want[:])
	if subtle.ConstantTimeCompare(want[:4], sum) != 1 {
		return nil, errorf(XPRV, "checksum mismatch: the extended key was mistyped or truncated")
	}
	version := binary.BigEndian.Uint32(payload[:4])
	if name, ok := xpubVersions[version]; ok {
		return nil, errorf(XPRV, "this is an extended public key (%s): it holds no private key; export the xprv from the wallet instead", name)
	}
	if _, ok := xprvVersions[version]; !ok {
		return nil, errorf(XPRV, "unknown version 0x%08x: not an xprv, tprv, yprv or zprv", version)
	}
	depth := payload[4]
	if depth == 0 && (binary.BigEndian.Uint32(payload[5:9]) != 0 || binary.BigEndian.Uint32(payload[9:13]) != 0) {
		return nil, errorf(XPRV, "a depth-0 (master) key must have a zero parent fingerprint and child number")
	}
	if int(depth)+len(steps) > maxPathDepth {
		return nil, errorf(XPRV, "the path takes the key below depth %d, which BIP-32 cannot express", maxPathDepth)
	}
	if payload[45] != 0 {
		return nil, errorf(XPRV, "the key data does not start with 0x00: not a private extended key")
	}
	var k secp256k1.ModNScalar
	defer k.Zero()
	if overflow := k.SetByteSlice(payload[46:78]); overflow || k.IsZero() {
		return nil, errorf(XPRV, "the private key is zero or not below the secp256k1 group order")
	}
	var chain [32]byte
	defer clear(chain[:])
	copy(chain[:], payload[13:45])
	if err := bip32Derive(&k, &chain, steps); err != nil {
		return nil, wrap(XPRV, err)
	}
	var key [32]byte
	defer clear(key[:])
	k.PutBytes(&key)
	pk, err := keys.NewPrivateKey(keys.Secp256k1, key[:])
	if err != nil {
		return nil, wrap(XPRV, err)
	}
	return pk, nil
}
