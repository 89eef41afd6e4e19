package signers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// ErrPinMismatch is wrapped by the error of [CheckPinned] when the listed
// signers differ from the pinned ones.
var ErrPinMismatch = errors.New("the cluster's signers differ from the pinned signers")

// Fingerprint returns the SHA-256 of an encryption key's bytes, as 64 hex
// digits: the value to compare out of band when pinning.
func Fingerprint(p Parsed) string {
	sum := sha256.Sum256(p.EncryptionKey.Bytes())
	return hex.EncodeToString(sum[:])
}

// CheckPinned reports whether listed (a cluster from GET /signers) holds
// exactly the pinned signers with the same encryption keys. Signers are
// matched by decoded ID and keys by their bytes. When they differ, the
// error wraps [ErrPinMismatch] and names every signer that was added,
// is missing or has another key. Pinning protects the shares of an import
// against a tampered GET /signers answer: check before sending anything.
func CheckPinned(listed, pinned []Signer) error {
	if len(pinned) == 0 {
		return fmt.Errorf("%w: the pinned list is empty", ErrPinMismatch)
	}
	got, err := Sort(listed)
	if err != nil {
		return fmt.Errorf("the listed signers: %w", err)
	}
	want, err := Sort(pinned)
	if err != nil {
		return fmt.Errorf("the pinned signers: %w", err)
	}
	var diffs []string
	i, j := 0, 0
	for i < len(got) || j < len(want) {
		var c int
		switch {
		case i == len(got):
			c = 1
		case j == len(want):
			c = -1
		default:
			c = bytes.Compare(got[i].ID, want[j].ID)
		}
		switch {
		case c < 0:
			diffs = append(diffs, fmt.Sprintf("signer %s (key fingerprint %s) is listed but not pinned", got[i].SignerID, Fingerprint(got[i])))
			i++
		case c > 0:
			diffs = append(diffs, fmt.Sprintf("pinned signer %s is not listed", want[j].SignerID))
			j++
		default:
			if !got[i].EncryptionKey.Equal(want[j].EncryptionKey) {
				diffs = append(diffs, fmt.Sprintf("signer %s has key fingerprint %s, but %s is pinned", got[i].SignerID, Fingerprint(got[i]), Fingerprint(want[j])))
			}
			i++
			j++
		}
	}
	if len(diffs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrPinMismatch, strings.Join(diffs, "; "))
}
