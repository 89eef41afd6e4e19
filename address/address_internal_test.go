package address

import (
	"encoding/hex"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// EIP-55's own examples: all caps, all lower, and mixed case.
func TestEIP55Examples(t *testing.T) {
	t.Parallel()
	for _, want := range []string{
		"0x52908400098527886E0F7030069857D2E4169EE7",
		"0x8617E340B3D01FA5F11F306F4090FD50E238070D",
		"0xde709f2102306220921060314715629080e2fb77",
		"0x27b1fdb04752bbc536007a920d24acb045561c26",
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
		"0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
		"0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
		"0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
	} {
		raw, err := hex.DecodeString(want[2:])
		if err != nil {
			t.Fatal(err)
		}
		if got := eip55(raw); got != want {
			t.Errorf("eip55(%x) = %s, want %s", raw, got, want)
		}
	}
}

// BIP-86's first vector lists the internal and output keys.
func TestTaprootOutputKey(t *testing.T) {
	t.Parallel()
	pub, _ := hex.DecodeString("03cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115")
	p, err := secp256k1.ParsePubKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	q, err := taprootOutputKey(p)
	if want := "a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c"; err != nil || hex.EncodeToString(q[:]) != want {
		t.Errorf("output key = %x, %v; want %s", q, err, want)
	}
}

// The TapTweak tagged hash of BIP-340: SHA256(SHA256(tag)‖SHA256(tag)‖msg),
// against a value computed with Python's hashlib.
func TestTaggedHash(t *testing.T) {
	t.Parallel()
	got := taggedHash("TapTweak", make([]byte, 32))
	if want := "38acfd2d72ad71541503bf9521485ed40eb70ad40dd562d29677a32c917d8e61"; hex.EncodeToString(got[:]) != want {
		t.Errorf("taggedHash = %x, want %s", got, want)
	}
}
