package bulk_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys/bulk"
	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/internal/slowtest"
	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/stretchr/testify/require"
)

const (
	testMnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
	// BIP-32 test vector 1's master key.
	testXPRV = "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi"
)

// rangeFixture writes a mnemonic, an xprv and a hex key, and an input of
// the given lines.
func rangeFixture(t *testing.T, lines ...string) *fixture {
	t.Helper()
	f := &fixture{dir: t.TempDir(), want: map[int]string{}}
	f.input = f.dir + "/input.jsonl"
	writeFile(t, f.dir, "words", []byte(testMnemonic+"\n"))
	writeFile(t, f.dir, "master.xprv", []byte(testXPRV+"\n"))
	k := randomKey(t, keys.Stark)
	writeFile(t, f.dir, "stark", []byte(fmt.Sprintf("%x", k.Bytes())))
	f.rows = len(lines)
	writeFile(t, f.dir, "input.jsonl", []byte(strings.Join(lines, "\n")+"\n"))
	return f
}

func mnemonicPub(t *testing.T, c keys.Curve, path string) string {
	t.Helper()
	k, err := keyformat.Parse(keyformat.Mnemonic, c, []byte(testMnemonic), keyformat.Secrets{Path: path})
	require.NoError(t, err)
	defer k.Destroy()
	return k.PublicKeyHex()
}

func xprvPub(t *testing.T, path string) string {
	t.Helper()
	k, err := keyformat.Parse(keyformat.XPRV, "", []byte(testXPRV), keyformat.Secrets{Path: path})
	require.NoError(t, err)
	defer k.Destroy()
	return k.PublicKeyHex()
}

func noPassphrase(o *bulk.ImportOptions) { o.Passphrase = []byte{} }

func TestRunExpandsPathRanges(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	c := client(t, srv)
	f := rangeFixture(t,
		`{"name":"eth","keyFile":"words","format":"mnemonic","curve":"secp256k1","path":"m/44'/60'/0'/0/0-9"}`, // rows 1-10
		`{"keyFile":"stark","curve":"stark"}`, // row 11, input row 2
		`{"name":"sol","keyFile":"words","format":"mnemonic","curve":"ed25519","path":"m/44'/501'/0-2'/0'"}`, // rows 12-14
		`{"name":"x","keyFile":"master.xprv","format":"xprv","curve":"secp256k1","path":"m/0'/1/2h-3h"}`,     // rows 15-16
	)
	sum, lines := run(t, context.Background(), f, c, noPassphrase)
	require.Equal(t, 16, sum.Total)
	for _, l := range lines {
		require.Equal(t, bulk.StatusImported, l.Status, "row %d: %s", l.Row, l.Error)
	}
	require.Equal(t, 16, sum.Imported)
	require.Len(t, lines, 16)
	pubs := map[string]bool{}
	for i := 0; i < 10; i++ {
		l := lines[1+i]
		path := fmt.Sprintf("m/44'/60'/0'/0/%d", i)
		require.Equal(t, path, l.Path)
		require.Equal(t, mnemonicPub(t, keys.Secp256k1, path), l.PublicKey, path)
		require.Equal(t, fmt.Sprintf("eth-%d", i), l.Name)
		require.Equal(t, bulk.StatusImported, l.Status)
		if i == 0 {
			require.Zero(t, l.InputRow, "row 1 is input row 1")
		} else {
			require.Equal(t, 1, l.InputRow)
		}
		pubs[l.PublicKey] = true
	}
	require.Len(t, pubs, 10, "ten distinct accounts")
	require.Equal(t, 2, lines[11].InputRow)
	require.Empty(t, lines[11].Path)
	for i := 0; i < 3; i++ {
		l := lines[12+i]
		path := fmt.Sprintf("m/44'/501'/%d'/0'", i)
		require.Equal(t, path, l.Path)
		require.Equal(t, mnemonicPub(t, keys.Ed25519, path), l.PublicKey, path)
		require.Equal(t, 3, l.InputRow)
	}
	for i := 0; i < 2; i++ {
		l := lines[15+i]
		path := fmt.Sprintf("m/0'/1/%dh", 2+i)
		require.Equal(t, path, l.Path)
		require.Equal(t, xprvPub(t, path), l.PublicKey, path)
		require.Equal(t, fmt.Sprintf("x-%d", 2+i), l.Name)
	}
	// BIP-32 test vector 1: m/0'/1/2' is a published key.
	require.Equal(t, "0357bfe1e341d01c69fe5654309956cbea516822fba8a601743a012a7896ee8dc2", lines[15].PublicKey)
	require.Len(t, srv.Keys(), 16)

	// A rerun imports nothing: the journal knows every account's row.
	sum, lines = run(t, context.Background(), f, c, noPassphrase)
	require.Equal(t, 0, sum.Imported)
	require.Equal(t, 16, sum.AlreadyImported)
	require.Equal(t, "m/44'/60'/0'/0/7", lines[8].Path)
	require.Len(t, srv.Keys(), 16)

	// A dry run numbers the rows the same way.
	sum, lines = validate(t, context.Background(), f, noPassphrase)
	require.Equal(t, 16, sum.Valid)
	require.Equal(t, "m/44'/501'/1'/0'", lines[13].Path)
}

// TestRunRefusesBadRanges accepts a range of exactly the bound (1000
// accounts, 1000 derivations: about 19 s under -race) only with
// DFNSKEYS_LONG_TESTS=1; by default that row is a 10-account range. The
// refusal of 1001 accounts, which derives nothing, runs in both. One worker
// keeps the rows in input order, so that the duplicate is the later row
// (with several, whichever is reached first holds the key: see
// ReportLine.DuplicateOf).
func TestRunRefusesBadRanges(t *testing.T) {
	t.Parallel()
	n := 10
	if slowtest.Long() {
		n = 1000
	}
	f := rangeFixture(t,
		`{"keyFile":"words","format":"mnemonic","curve":"secp256k1","path":"m/44'/60'/0'/0/0-1000"}`,                                                             // 1: 1001 accounts
		fmt.Sprintf(`{"keyFile":"words","format":"mnemonic","curve":"secp256k1","path":"m/44'/60'/0'/0/0-%d"}`, n-1),                                             // 2..n+1: n accounts (exactly the bound in the long run)
		`{"keyFile":"words","format":"mnemonic","curve":"secp256k1","path":"m/44'/60'/0'/0/0-1","expectedAddress":"0x9858EfFD232B4033E47d90003D41EC34EcaEda94"}`, // n+2
		`{"keyFile":"stark","curve":"stark","path":"m/0-1"}`,                                                                                                     // n+3: not mnemonic or xprv
		`{"keyFile":"words","format":"mnemonic","curve":"secp256k1","path":"m/44'/60'/0-1'/0/0-1"}`,                                                              // n+4: two ranges
		`{"keyFile":"words","format":"mnemonic","curve":"secp256k1","path":"m/44'/60'/0'/0/9-1"}`,                                                                // n+5: backwards
		`{"keyFile":"words","format":"mnemonic","curve":"ed25519","path":"m/44'/501'/0-1/0'"}`,                                                                   // n+6: not hardened
		`{"keyFile":"words","format":"mnemonic","curve":"secp256k1","path":"m/44'/60'/0'/0/0-2147483648"}`,                                                       // n+7: beyond 2^31
		`{"keyFile":"words","format":"mnemonic","curve":"secp256k1","path":"m/44'/x'/0'/0/0-1"}`,                                                                 // n+8: bad step elsewhere
		`{"keyFile":"words","format":"mnemonic","curve":"secp256k1","path":"m/44'/60'/0'/0/5"}`,                                                                  // n+9: no range
	)
	sum, lines := validate(t, context.Background(), f, func(o *bulk.ImportOptions) { noPassphrase(o); o.Workers = 1 })
	require.Equal(t, n+9, sum.Total)
	require.Equal(t, n+1, sum.Valid)
	require.Equal(t, 8, sum.Failed)
	require.Equal(t, `path "m/44'/60'/0'/0/0-1000": the range 0-1000 is 1001 accounts; at most 1000 are allowed in one row: split it over several rows`, lines[1].Error)
	require.Equal(t, fmt.Sprintf("m/44'/60'/0'/0/%d", n-1), lines[n+1].Path)
	require.Equal(t, 2, lines[n+1].InputRow)
	require.Contains(t, lines[n+2].Error, "expectedAddress cannot be checked on a row with a path range")
	require.Equal(t, 3, lines[n+2].InputRow)
	require.Contains(t, lines[n+3].Error, `a path range (m/0-1) is only for mnemonic and xprv rows, not format hex (the default when format is empty)`)
	require.Contains(t, lines[n+4].Error, "more than one range")
	require.Contains(t, lines[n+5].Error, "runs backwards")
	require.Contains(t, lines[n+6].Error, "hardened steps only: write the range 0-1'")
	require.Contains(t, lines[n+7].Error, "not a range of two indices below 2^31")
	require.Contains(t, lines[n+8].Error, "step 2 is not a number")
	require.Equal(t, bulk.StatusValid, lines[n+9].Status)
	require.Equal(t, mnemonicPub(t, keys.Secp256k1, "m/44'/60'/0'/0/5"), lines[n+9].PublicKey)
	require.Equal(t, 7, lines[n+9].DuplicateOf, "account 5 of input row 2's range is row 7")
}

// TestExpectedAddressSecretNotShown: a private key pasted into a row's
// expectedAddress column fails the row without the key in its error (the
// report and the terminal would show it); a wrong address is named.
func TestExpectedAddressSecretNotShown(t *testing.T) {
	t.Parallel()
	secret := strings.Repeat("3f", 32) // 64 hex digits: key material, not an address
	f := rangeFixture(t,
		`{"keyFile":"words","format":"mnemonic","curve":"secp256k1","expectedAddress":"`+secret+`"}`,
		`{"keyFile":"words","format":"mnemonic","curve":"secp256k1","expectedAddress":"0x0000000000000000000000000000000000000001"}`,
	)
	sum, lines := validate(t, context.Background(), f, noPassphrase)
	require.Equal(t, 2, sum.Failed)
	require.Equal(t, "the key does not have the expected address (not shown: it looks like a secret, not an address)", lines[1].Error)
	require.NotContains(t, lines[1].Error, secret)
	require.Equal(t, "the key does not have the expected address 0x0000000000000000000000000000000000000001", lines[2].Error)
}
