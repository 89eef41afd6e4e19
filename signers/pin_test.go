package signers

import (
	"encoding/base64"
	"slices"
	"testing"

	"github.com/dfnskeys/dfnskeys/encryption"
	"github.com/stretchr/testify/require"
)

func testSigners(t *testing.T, n int) []Signer {
	t.Helper()
	var out []Signer
	for i := range n {
		dk, err := encryption.GenerateDecryptionKey()
		require.NoError(t, err)
		out = append(out, Signer{SignerID: base64.StdEncoding.EncodeToString([]byte{byte(i + 1), 7}), EncryptionKey: dk.EncryptionKey().String()})
	}
	return out
}

func TestCheckPinned(t *testing.T) {
	t.Parallel()
	pinned := testSigners(t, 4)
	extra := testSigners(t, 6)[5]
	reordered := slices.Clone(pinned)
	slices.Reverse(reordered)
	otherKey := slices.Clone(pinned)
	otherKey[2].EncryptionKey = extra.EncryptionKey

	require.NoError(t, CheckPinned(pinned, pinned))
	require.NoError(t, CheckPinned(reordered, pinned), "order does not matter")

	for name, c := range map[string]struct {
		listed, pinned []Signer
		want           []string
	}{
		"signer added":    {append(slices.Clone(pinned), extra), pinned, []string{"signer " + extra.SignerID + " (key fingerprint ", "is listed but not pinned"}},
		"signer missing":  {pinned[:3], pinned, []string{"pinned signer " + pinned[3].SignerID + " is not listed"}},
		"other key":       {otherKey, pinned, []string{"signer " + pinned[2].SignerID + " has key fingerprint ", "is pinned"}},
		"substituted":     {append(slices.Clone(pinned[:3]), extra), pinned, []string{"pinned signer " + pinned[3].SignerID + " is not listed", extra.SignerID + " (key fingerprint"}},
		"nothing pinned":  {pinned, nil, []string{"the pinned list is empty"}},
		"bad pinned list": {pinned, []Signer{{SignerID: "!", EncryptionKey: "x"}}, []string{"the pinned signers: signer ID \"!\""}},
	} {
		t.Run(name, func(t *testing.T) {
			err := CheckPinned(c.listed, c.pinned)
			if name != "bad pinned list" {
				require.ErrorIs(t, err, ErrPinMismatch)
			}
			for _, w := range c.want {
				require.ErrorContains(t, err, w)
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	t.Parallel()
	// SHA-256 of the 34 key bytes (0x01 ‖ compressed G), all 64 hex digits,
	// as computed by Python's hashlib.
	p, err := Sort([]Signer{{SignerID: "AQ==", EncryptionKey: "AQJ5vmZ++dy7rFWgYpXOhwsHApv82y3OKNlZ8oFbFvgXmA=="}})
	require.NoError(t, err)
	require.Equal(t, "24b30cedfa8401faab46c2852814ba0d372822fb9111662869845d367b670263", Fingerprint(p[0]))
}
