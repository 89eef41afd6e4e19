package secp

import (
	"encoding/hex"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// BIP-86's first vector lists the internal and output keys.
func TestTaprootOutputKey(t *testing.T) {
	t.Parallel()
	pub, _ := hex.DecodeString("03cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115")
	p, err := secp256k1.ParsePubKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	q, err := TaprootOutputKeyOf(p)
	if want := "a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c"; err != nil || hex.EncodeToString(q[:]) != want {
		t.Errorf("output key = %x, %v; want %s", q, err, want)
	}
}

// The TapTweak tagged hash of BIP-340: SHA256(SHA256(tag)‖SHA256(tag)‖msg),
// against a value computed with Python's hashlib.
func TestTaggedHash(t *testing.T) {
	t.Parallel()
	got := TaggedHash("TapTweak", make([]byte, 32))
	if want := "38acfd2d72ad71541503bf9521485ed40eb70ad40dd562d29677a32c917d8e61"; hex.EncodeToString(got[:]) != want {
		t.Errorf("taggedHash = %x, want %s", got, want)
	}
}
