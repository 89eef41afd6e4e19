package address

import (
	"encoding/hex"
	"strings"
	"testing"
)

// Test vectors of BIP-173 and BIP-350. Every valid one was also checked
// against an independent Python implementation of the BIPs' reference code.

func TestBech32Valid(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s string
		v bech32Variant
	}{
		{"A12UEL5L", bech32},
		{"a12uel5l", bech32},
		{"an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs", bech32},
		{"abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw", bech32},
		{"11" + strings.Repeat("q", 82) + "c8247j", bech32},
		{"split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w", bech32},
		{"?1ezyfcl", bech32},
		{"A1LQFN3A", bech32m},
		{"a1lqfn3a", bech32m},
		{"an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6", bech32m},
		{"abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx", bech32m},
		{"11" + strings.Repeat("l", 82) + "ludsr8", bech32m},
		{"split1checkupstagehandshakeupstreamerranterredcaperredlc445v", bech32m},
		{"?1v759aa", bech32m},
	} {
		hrp, data, v, err := bech32Decode(tc.s)
		if err != nil || v != tc.v {
			t.Errorf("bech32Decode(%q) = variant %x, %v; want variant %x", tc.s, v, err, tc.v)
			continue
		}
		if got := bech32Encode(hrp, data, v); got != strings.ToLower(tc.s) {
			t.Errorf("bech32Encode round trip of %q = %q", tc.s, got)
		}
		// Flipping any data character must break the checksum.
		pos := strings.LastIndexByte(tc.s, '1') + 1
		mut := []byte(strings.ToLower(tc.s))
		mut[pos] = bech32Charset[(strings.IndexByte(bech32Charset, mut[pos])+1)%32]
		if _, _, _, err := bech32Decode(string(mut)); err == nil {
			t.Errorf("bech32Decode accepted %q with a changed character", mut)
		}
	}
}

func TestBech32Invalid(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		// BIP-173
		"\x201nwldj5", "\x7f1axkwrx", "\x801eym55h",
		"an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",
		"pzry9x0s0muk", "1pzry9x0s0muk", "x1b4n0q5v", "li1dgmt3", "de1lg7wt\xff", "A1G7SGD8", "10a06t8", "1qzzfhee",
		// BIP-350
		"\x201xj0phk", "\x7f1g6xzxy", "\x801vctc34",
		"an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4",
		"qyrz8wqd2c9m", "1qyrz8wqd2c9m", "y1b0jsk6g", "lt1igcx5c0", "in1muywd", "mm1crxm3i", "au1s5cgom",
		"M1VUXWEZ", "16plkw9", "1p2gdwpf",
	} {
		if _, _, _, err := bech32Decode(s); err == nil {
			t.Errorf("bech32Decode(%q) succeeded", s)
		}
	}
}

func TestSegwitValid(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ addr, script string }{
		{"BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "0014751e76e8199196d454941c45d1b3a323f1433bd6"},
		{"tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262"},
		{"bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y", "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6"},
		{"BC1SW50QGDZ25J", "6002751e"},
		{"bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "5210751e76e8199196d454941c45d1b3a323"},
		{"tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy", "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"},
		{"tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c", "5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"},
		{"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"},
	} {
		hrp := strings.ToLower(tc.addr[:2])
		ver, prog, err := segwitDecode(hrp, tc.addr)
		if err != nil {
			t.Errorf("segwitDecode(%q): %v", tc.addr, err)
			continue
		}
		op := byte(0)
		if ver > 0 {
			op = 0x50 + ver
		}
		if got := hex.EncodeToString(append([]byte{op, byte(len(prog))}, prog...)); got != tc.script {
			t.Errorf("segwitDecode(%q) script = %s, want %s", tc.addr, got, tc.script)
		}
		if got, err := segwitEncode(hrp, ver, prog); err != nil || got != strings.ToLower(tc.addr) {
			t.Errorf("segwitEncode round trip of %q = %q, %v", tc.addr, got, err)
		}
	}
}

func TestSegwitInvalid(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{
		"tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut",
		"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",
		"tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf",
		"BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",
		"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",
		"tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47",
		"bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",
		"BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",
		"bc1pw5dgrnzv",
		"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
		"BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",
		"tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq",
		"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf",
		"tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j",
		"bc1gmk9yu",
	} {
		for _, hrp := range []string{"bc", "tb"} {
			if _, _, err := segwitDecode(hrp, addr); err == nil {
				t.Errorf("segwitDecode(%q, %q) succeeded", hrp, addr)
			}
		}
	}
}

func FuzzSegwitDecode(f *testing.F) {
	f.Add("bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu")
	f.Add("bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr")
	f.Add("BC1SW50QGDZ25J")
	f.Add("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd")
	f.Fuzz(func(t *testing.T, addr string) {
		ver, prog, err := segwitDecode("bc", addr)
		if err != nil {
			return
		}
		got, err := segwitEncode("bc", ver, prog)
		if err != nil || got != strings.ToLower(addr) {
			t.Fatalf("segwitEncode(segwitDecode(%q)) = %q, %v", addr, got, err)
		}
	})
}
