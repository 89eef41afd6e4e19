package base58_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/big"
	"testing"

	"github.com/dfnskeys/dfnskeys/internal/base58"
)

// Vectors from Bitcoin Core's src/test/data/base58_encode_decode.json,
// cross-checked with an independent Python implementation.
var base58Vectors = []struct{ hex, b58 string }{
	{"", ""},
	{"61", "2g"},
	{"626262", "a3gV"},
	{"636363", "aPEr"},
	{"73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"},
	{"00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"},
	{"516b6fcd0f", "ABnLTmg"},
	{"bf4f89001e670274dd", "3SEo3LWLoPntC"},
	{"572e4794", "3EFU7m"},
	{"ecac89cad93923c02321", "EJDM8drfXA6uyA"},
	{"10c8511e", "Rt5zm"},
	{"00000000000000000000", "1111111111"},
	{"000111d38e5fc9071ffcd20b4a763cc9ae4f252bb4e48fd66a835e252ada93ff480d6dd43dc62a641155a5", "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"},
	{"000000287fb4cd", "111233QC4"},
}

func TestBase58Vectors(t *testing.T) {
	t.Parallel()
	for _, v := range base58Vectors {
		raw, _ := hex.DecodeString(v.hex)
		if got := base58.Encode(raw); got != v.b58 {
			t.Errorf("Encode(%s) = %q, want %q", v.hex, got, v.b58)
		}
		if got := base58.AppendEncode([]byte("x"), raw); string(got) != "x"+v.b58 {
			t.Errorf("AppendEncode(x, %s) = %q, want %q", v.hex, got, "x"+v.b58)
		}
		got, err := base58.Decode([]byte(v.b58))
		if err != nil || !bytes.Equal(got, raw) {
			t.Errorf("Decode(%q) = %x, %v; want %s", v.b58, got, err, v.hex)
		}
	}
}

func TestDecodeInvalid(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in     string
		offset int
	}{
		{"0", 0}, {"O", 0}, {"I", 0}, {"l", 0}, {"11l", 2}, {"3SEo3LW+LoPntC", 7},
		{" 2g", 0}, {"2g ", 2}, {"2g\x00", 2}, {"2g\xff", 2},
	} {
		_, err := base58.Decode([]byte(tc.in))
		var ce base58.CorruptInputError
		if !errors.As(err, &ce) || int(ce) != tc.offset {
			t.Errorf("Decode(%q) error = %v, want offset %d", tc.in, err, tc.offset)
		}
	}
}

// base58Big is a reference implementation over math/big.
func base58Big(b []byte) string {
	const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	n := new(big.Int).SetBytes(b)
	var out []byte
	mod := new(big.Int)
	for n.Sign() > 0 {
		n.DivMod(n, big.NewInt(58), mod)
		out = append([]byte{alphabet[mod.Int64()]}, out...)
	}
	for i := 0; i < len(b) && b[i] == 0; i++ {
		out = append([]byte{'1'}, out...)
	}
	return string(out)
}

func FuzzDecode(f *testing.F) {
	for _, v := range base58Vectors {
		f.Add([]byte(v.b58))
	}
	f.Add([]byte("5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ"))
	f.Add([]byte("0OIl"))
	f.Fuzz(func(t *testing.T, s []byte) {
		if len(s) > 512 {
			return
		}
		raw, err := base58.Decode(s)
		if err != nil {
			return
		}
		// Base58 is a bijection: decoding then encoding gives the input back.
		if got := base58.Encode(raw); got != string(s) {
			t.Fatalf("Encode(Decode(%q)) = %q", s, got)
		}
		if want := base58Big(raw); want != string(s) {
			t.Fatalf("math/big encodes %x as %q, not %q", raw, want, s)
		}
	})
}

func FuzzEncode(f *testing.F) {
	for _, v := range base58Vectors {
		raw, _ := hex.DecodeString(v.hex)
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 256 {
			return
		}
		s := base58.Encode(b)
		if want := base58Big(b); s != want {
			t.Fatalf("Encode(%x) = %q, math/big gives %q", b, s, want)
		}
		back, err := base58.Decode([]byte(s))
		if err != nil || !bytes.Equal(back, b) {
			t.Fatalf("Decode(Encode(%x)) = %x, %v", b, back, err)
		}
	})
}
