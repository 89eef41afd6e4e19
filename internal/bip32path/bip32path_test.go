package bip32path

import (
	"slices"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys/keys"
)

func TestParse(t *testing.T) {
	t.Parallel()
	const h = 1 << 31
	for _, tc := range []struct {
		in   string
		want []uint32
	}{
		{"m", []uint32{}},
		{" m ", []uint32{}},
		{"m/0", []uint32{0}},
		{"m/44'/60'/0'/0/0", []uint32{44 + h, 60 + h, h, 0, 0}},
		{"m/44h/501H/0'/0'", []uint32{44 + h, 501 + h, h, h}},
		{"m/2147483647'/2147483647", []uint32{h + h - 1, h - 1}},
		{"m/007", []uint32{7}},
	} {
		got, err := Parse(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("Parse(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{
		"", "M", "m/", "/0", "0/1", "m//0", "m/0/", "m/-1", "m/+1", "m/1.5", "m/0x10", "m/2147483648",
		"m/2147483648'", "m/99999999999999999999", "m/0''", "m/'", "m/h", "m/1 /2", "m/ 1",
		"m" + strings.Repeat("/0", 256),
	} {
		if got, err := Parse(in); err == nil || !strings.HasPrefix(err.Error(), "invalid derivation path") {
			t.Errorf("Parse(%q) = %v, %v; want an error", in, got, err)
		}
	}
	if _, err := Parse("m" + strings.Repeat("/0", 255)); err != nil {
		t.Errorf("depth 255: %v", err)
	}
}

func TestDefault(t *testing.T) {
	t.Parallel()
	for c, want := range map[keys.Curve]string{
		keys.Secp256k1: "m/44'/60'/0'/0/0",
		keys.Ed25519:   "m/44'/501'/0'/0'",
		keys.Stark:     "",
		"p256":         "",
	} {
		if got := Default(c); got != want {
			t.Errorf("Default(%s) = %q, want %q", c, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{"m", "m/44'/60'/0'/0/0", "m/44h/501H/0'/0'", "m/2147483647'", "m/2147483648", "m//0"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, path string) {
		steps, err := Parse(path)
		if err != nil {
			return
		}
		if len(steps) > 255 || !strings.HasPrefix(strings.TrimSpace(path), "m") || strings.Count(path, "/") != len(steps) {
			t.Fatalf("Parse(%q) = %v", path, steps)
		}
	})
}
