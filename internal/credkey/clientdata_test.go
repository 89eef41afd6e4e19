package credkey

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestKeyClientData(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		challenge string
		want      string
	}{
		{"base64url", "Y2gtMmQ1cTMtNjBuZjUtOGEwcWJvbTY5Y2VkN29icw", `{"type":"key.get","challenge":"Y2gtMmQ1cTMtNjBuZjUtOGEwcWJvbTY5Y2VkN29icw"}`},
		{"quote and backslash", `a"b\c`, `{"type":"key.get","challenge":"a\"b\\c"}`},
		{"html characters not escaped", "<script>&amp;</script>", `{"type":"key.get","challenge":"<script>&amp;</script>"}`},
		{"control characters", "a\nb\tc\x00", `{"type":"key.get","challenge":"a\nb\tc\u0000"}`},
		{"non-ASCII kept as UTF-8", "défi✓", `{"type":"key.get","challenge":"défi✓"}`},
		{"slash not escaped", "a/b", `{"type":"key.get","challenge":"a/b"}`},
		{"spaces kept", " x ", `{"type":"key.get","challenge":" x "}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := KeyClientData(tc.challenge)
			require.NoError(t, err)
			require.Equal(t, tc.want, string(got))
			// The challenge survives a JSON round trip exactly.
			var back struct{ Type, Challenge string }
			require.NoError(t, json.Unmarshal(got, &back))
			require.Equal(t, "key.get", back.Type)
			require.Equal(t, tc.challenge, back.Challenge)
		})
	}
}

func TestKeyClientDataRejects(t *testing.T) {
	t.Parallel()
	for name, challenge := range map[string]string{
		"empty":        "",
		"invalid UTF8": "a\xffb",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := KeyClientData(challenge)
			require.ErrorContains(t, err, "")
		})
	}
}
