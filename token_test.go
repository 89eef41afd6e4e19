package dfnskeys

import (
	"encoding/base64"
	"strings"
	"testing"
)

func jwt(payload string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"EdDSA"}`)) + "." + enc.EncodeToString([]byte(payload)) + ".c2ln"
}

func TestOrgIDFromToken(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, token, want string
	}{
		{"dfns claims", jwt(`{"iss":"auth.dfns.io","https://custom/app_metadata":{"userId":"us-1","orgId":"or-2k4sd-8f3ja-9ojkr2s8bgd7p0b1","tokenKind":"Service"}}`), "or-2k4sd-8f3ja-9ojkr2s8bgd7p0b1"},
		{"padded base64url", strings.Replace(jwt(`{"https://custom/app_metadata":{"orgId":"or-1"}}`), ".c2ln", "=.c2ln", 1), "or-1"},
		{"no claim", jwt(`{"sub":"x"}`), ""},
		{"claim not an object", jwt(`{"https://custom/app_metadata":"or-1"}`), ""},
		{"orgId not a string", jwt(`{"https://custom/app_metadata":{"orgId":7}}`), ""},
		{"control characters", jwt(`{"https://custom/app_metadata":{"orgId":"or-1\u001b[31m"}}`), ""},
		{"space", jwt(`{"https://custom/app_metadata":{"orgId":"or 1"}}`), ""},
		{"too long", jwt(`{"https://custom/app_metadata":{"orgId":"` + strings.Repeat("a", 101) + `"}}`), ""},
		{"not a JWT", "opaque-token", ""},
		{"two parts", "a.b", ""},
		{"bad base64", "a.!!!.c", ""},
		{"payload not JSON", jwt(`not json`), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := orgIDFromToken(tc.token); got != tc.want {
				t.Errorf("orgIDFromToken = %q, want %q", got, tc.want)
			}
		})
	}
}

func FuzzOrgIDFromToken(f *testing.F) {
	f.Add(jwt(`{"https://custom/app_metadata":{"orgId":"or-1"}}`))
	f.Add(jwt(`{"https://custom/app_metadata":{"orgId":"or-\u00e9"}}`))
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, token string) {
		id := orgIDFromToken(token)
		if len(id) > 100 || strings.ContainsAny(id, " \t\r\n\x00\x1b") {
			t.Fatalf("orgIDFromToken(%q) = %q: not an ID", token, id)
		}
		if id != "" && !strings.Contains(token, ".") {
			t.Fatalf("an ID from a token that is not a JWT: %q", token)
		}
	})
}
