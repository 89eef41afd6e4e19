package keyformat

import (
	"encoding/hex"
	"testing"
)

// hexNibble must agree with encoding/hex on every byte.
func TestHexNibbleExhaustive(t *testing.T) {
	t.Parallel()
	for c := range 256 {
		want, err := hex.DecodeString("0" + string(rune(c)))
		v, ok := hexNibble(byte(c))
		if c >= 0x80 {
			err = hex.InvalidByteError(c) // string(rune(c)) is two bytes
		}
		switch {
		case err == nil && (ok != 1 || v != want[0]):
			t.Errorf("hexNibble(%q) = %d, %d; want %d, 1", c, v, ok, want[0])
		case err != nil && ok != 0:
			t.Errorf("hexNibble(%q) accepted a non-digit", c)
		}
	}
}
