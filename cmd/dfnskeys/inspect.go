package main

import (
	"github.com/dfnskeys/dfnskeys/address"
	"github.com/dfnskeys/dfnskeys/keys"
)

var inspectCommand = &command{
	name:    "inspect",
	summary: "show a key file's curve, public key and addresses",
	usage: `Usage: dfnskeys inspect [--curve CURVE] [key source flags]

Parses a private key and prints one JSON object: curve, publicKey (hex, as
Dfns reports it) and addresses. For secp256k1 those are five: ethereum
(EIP-55) and four Bitcoin mainnet kinds, bitcoinP2wpkh (bc1q…), bitcoinP2tr
(bc1p…, BIP-86 key-path), bitcoinP2pkh (1…) and bitcoinP2shP2wpkh (3…); for
ed25519, solana; none for stark. The key itself is never printed. The format
is detected when --format is not given; --curve defaults to secp256k1 for a
key whose format does not imply a curve (ed25519 for solana; the file's own
curve for json).

` + keySourceUsage,
	run: runInspect,
}

func runInspect(e *env, args []string) error {
	fs := newFlagSet("inspect")
	ks := addKeySource(fs, keys.Secp256k1)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	key, err := ks.load(e)
	if err != nil {
		return err
	}
	defer key.Destroy()
	a, err := address.ForKey(key.Curve(), key.PublicKey())
	if err != nil {
		return err
	}
	return printJSON(e, struct {
		Curve     keys.Curve        `json:"curve"`
		PublicKey string            `json:"publicKey"`
		Addresses address.Addresses `json:"addresses"`
	}{key.Curve(), key.PublicKeyHex(), a})
}
