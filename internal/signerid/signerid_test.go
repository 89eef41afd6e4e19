package signerid

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 32, 64} {
		id := base64.StdEncoding.EncodeToString(make([]byte, n))
		if b, err := Decode(id); err != nil || len(b) != n {
			t.Errorf("Decode(%d bytes) = %d bytes, %v", n, len(b), err)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"", "decodes to 0 bytes, want 1 to 64"},
		{base64.StdEncoding.EncodeToString(make([]byte, 65)), "decodes to 65 bytes, want 1 to 64"},
		{"AA", "is not standard padded base64"},           // unpadded
		{"AA-_", "is not standard padded base64"},         // URL alphabet
		{"\x1b[2Jx", `"\x1b[2Jx" is not standard padded`}, // escaped, never raw
	} {
		_, err := Decode(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Decode(%q) = %v; want an error containing %q", tc.in, err, tc.want)
		}
	}
}
