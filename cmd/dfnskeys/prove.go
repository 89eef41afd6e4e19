package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/internal/safetext"
)

var proveCommand = &command{
	name:    "prove",
	summary: "have Dfns sign with a key, and verify it here",
	usage: `Usage: dfnskeys prove KEY_ID [--public-key HEX] [--external-id ID]
         [--timeout DURATION] [connection flags]

Shows that Dfns can sign with a key: asks Dfns to sign a hash with it (POST
/keys/{keyId}/signatures, kind Hash), waits until it is signed and verifies
the signature here (ECDSA over the raw hash on secp256k1, StarkNet ECDSA on
stark, BIP-340 under the BIP-341 key-path tweak for Schnorr, RFC 8032 for
EdDSA) under the public key Dfns reports, or --public-key, the one you
computed yourself ('dfnskeys inspect'): use that before retiring the old copy
of a key, so that the proof does not rest on what the API says.

The request's externalId (Dfns's idempotency key) is derived from the key ID
and that public key, or is --external-id, and the hash from the externalId:
a lost answer is retried, and prove run again gets the signature Dfns made
the first time. Give another --external-id for a fresh proof (one is needed
after a request that failed or was rejected).

Prints the proof as JSON (key, signature request, externalId, hash,
signature, public key). Exit status 0 only when the signature verifies; 1
when it does not, when Dfns fails or rejects the request, when the network
kept the proof from completing (run it again to finish), or when a policy
holds it for approval (approve it, then run prove again). It costs one
signed user action and needs the Keys:Signatures:Create and
Keys:Signatures:Read permissions. An exported key cannot be proved: Dfns no
longer signs with it.

Flags:
  --public-key HEX      verify against this public key instead of Dfns's
  --external-id ID      the signature request's externalId (printable ASCII,
                        at most 200 characters); default: derived from the
                        key ID and the public key
  --timeout DURATION    how long to wait for the signature (default 2m)

` + connUsage,
	run: runProve,
}

// proofJSON is what prove (and import --prove) print.
type proofJSON struct {
	KeyID       string `json:"keyId"`
	SignatureID string `json:"signatureId"`
	ExternalID  string `json:"externalId"`
	Scheme      string `json:"scheme"`
	PublicKey   string `json:"publicKey"`
	Hash        string `json:"hash"`
	R           string `json:"r"`
	S           string `json:"s"`
	Proved      bool   `json:"proved"`
}

func proofOutput(p *dfnskeys.Proof) proofJSON {
	return proofJSON{KeyID: p.KeyID, SignatureID: p.SignatureID, ExternalID: p.ExternalID, Scheme: p.Scheme.String(), PublicKey: p.PublicKey,
		Hash: "0x" + hex.EncodeToString(p.Hash), R: p.Signature.R, S: p.Signature.S, Proved: true}
}

func runProve(e *env, args []string) error {
	fs := newFlagSet("prove")
	pubHex := fs.String("public-key", "", "")
	timeout := fs.Duration("timeout", 2*time.Minute, "")
	externalID := fs.String("external-id", "", "")
	cf := addConnFlags(fs)
	keyID, err := parseKeyIDArgs(fs, args, "prove")
	if err != nil {
		return err
	}
	if *timeout <= 0 {
		return usagef("--timeout %s is invalid: it must be positive, for example 30s or 2m", *timeout)
	}
	var pub []byte
	if *pubHex != "" {
		b, err := hex.DecodeString(strings.TrimPrefix(strings.TrimSpace(*pubHex), "0x"))
		if err != nil || (len(b) != 32 && len(b) != 33) {
			return usagef("--public-key must be the key's public key in hex: 66 digits (secp256k1, stark) or 64 (ed25519), as 'dfnskeys inspect' prints it")
		}
		pub = b
	}
	c, ctx, stop, err := cf.connect(e, true)
	if err != nil {
		return err
	}
	defer stop()
	key, err := c.Keys.Get(ctx, keyID)
	if err != nil {
		return err
	}
	if pub != nil {
		if !strings.EqualFold(hex.EncodeToString(pub), key.PublicKey) {
			fmt.Fprintf(e.stderr, "note: Dfns reports public key %s for %s; verifying against the --public-key given instead\n", printable(key.PublicKey), printable(key.ID))
		}
	}
	proof, err := c.ProveKey(ctx, key, dfnskeys.ProveOptions{PublicKey: pub, Timeout: *timeout, ExternalID: *externalID})
	if err != nil {
		var pending *dfnskeys.PolicyPendingError
		if errors.As(err, &pending) {
			return fmt.Errorf("a policy holds the signature request for approval: approve it in Dfns, then run prove again (%w)", err)
		}
		return err
	}
	fmt.Fprintf(e.stderr, "proved: Dfns signed with %s and the signature verifies under public key %s\n", printable(key.ID), printable(proof.PublicKey))
	b, err := json.MarshalIndent(proofOutput(proof), "", "  ")
	if err != nil {
		return err
	}
	_, err = e.stdout.Write(safetext.JSON(append(b, '\n')))
	return err
}
