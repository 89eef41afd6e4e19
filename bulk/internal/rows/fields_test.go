package rows

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFieldName(t *testing.T) {
	for _, tc := range []struct{ name, known, suggest string }{
		{"keyFile", "keyFile", ""},
		{"KEYFILE", "keyFile", ""}, // case is not a misspelling
		{"keyFle", "", "keyFile"},
		{"key_file", "", "keyFile"},
		{"expectedAdress", "", "expectedAddress"},
		{"expected_adress", "", "expectedAddress"},
		{"pasword_env", "", "passwordEnv"},
		{"nmae", "", "name"},  // a swap is one edit
		{"curv", "", "curve"}, // short names: one edit
		{"note", "", ""},      // two edits from name: another field
		{"id", "", ""},        // two edits from kind
		{"date", "", ""},      // two edits from name
		{"comment", "", ""},   // far from everything
		{"paths", "", "path"}, // one edit
		{strings.Repeat("x", 100), "", ""},
	} {
		known, suggest := fieldName(tc.name)
		require.Equal(t, tc.known, known, tc.name)
		require.Equal(t, tc.suggest, suggest, tc.name)
	}
}

func readAll(t *testing.T, input, name string) ([]*Row, []error, *Reader) {
	t.Helper()
	rd, err := NewReader(strings.NewReader(input), name)
	require.NoError(t, err)
	var rows []*Row
	var errs []error
	for {
		row, err := rd.Next()
		if err == io.EOF {
			return rows, errs, rd
		}
		var re *RowError
		if errors.As(err, &re) {
			errs = append(errs, err)
			continue
		}
		require.NoError(t, err)
		rows = append(rows, row)
	}
}

func TestUnknownFieldsAreIgnoredAndNamed(t *testing.T) {
	rows, errs, rd := readAll(t, `{"keyFile":"a","curve":"stark","note":"x","owner":{"team":"ops"}}
{"keyFile":"b","curve":"stark","note":"y"}
{"keyFle":"c","curve":"stark","paswordEnv":"X"}
`, "in.jsonl")
	require.Len(t, rows, 2)
	require.Equal(t, []string{"note", "owner"}, rd.Ignored())
	require.Len(t, errs, 1)
	require.EqualError(t, errs[0], `row 3: unknown field "keyFle": did you mean "keyFile"?; unknown field "paswordEnv": did you mean "passwordEnv"?`)

	rows, errs, rd = readAll(t, "keyFile,Curve,owner,,note\na,stark,ops,,x\n", "in.csv")
	require.Empty(t, errs)
	require.Len(t, rows, 1)
	require.Equal(t, "stark", rows[0].Curve)
	require.Equal(t, []string{"note", "owner"}, rd.Ignored())

	_, err := NewReader(strings.NewReader("keyFile,curve,expectedAdress\n"), "in.csv")
	require.EqualError(t, err, `unknown CSV column "expectedAdress": did you mean "expectedAddress"? (the columns are name, keyFile, format, curve, protocol, path, expectedAddress, kind, passwordEnv, passwordFile, requestFile; others are ignored)`)

	var many strings.Builder
	for i := range 30 {
		many.WriteString(`{"keyFile":"a","curve":"stark","extraField` + string(rune('a'+i%26)) + string(rune('a'+i/26)) + `":1}` + "\n")
	}
	_, _, rd = readAll(t, many.String(), "in.jsonl")
	require.Len(t, rd.Ignored(), 21)
	require.Equal(t, "…", rd.Ignored()[20])
}

func TestRangeRowsAreNumberedInOrder(t *testing.T) {
	rows, errs, _ := readAll(t, `{"name":"w","keyFile":"m","format":"mnemonic","curve":"secp256k1","path":"m/44'/60'/0'/0/3-5"}
{"keyFile":"b","curve":"stark"}
{"keyFile":"m","format":"MNEMONIC","curve":"secp256k1","path":"m/0-99999"}
{"keyFile":"x","format":"xprv","curve":"secp256k1","path":"m/1h-2h"}
`, "in.jsonl")
	require.Len(t, errs, 1)
	require.Contains(t, errs[0].Error(), "row 5: path \"m/0-99999\": the range 0-99999 is 100000 accounts; at most 1000")
	var got []string
	for _, r := range rows {
		got = append(got, strings.Join([]string{r.Name, r.Path}, " "))
		require.NotZero(t, r.Source)
	}
	require.Equal(t, []string{"w-3 m/44'/60'/0'/0/3", "w-4 m/44'/60'/0'/0/4", "w-5 m/44'/60'/0'/0/5", " ", " m/1h", " m/2h"}, got)
	require.Equal(t, []int{1, 2, 3, 4, 6, 7}, []int{rows[0].Number, rows[1].Number, rows[2].Number, rows[3].Number, rows[4].Number, rows[5].Number})
	require.Equal(t, []int{1, 1, 1, 2, 4, 4}, []int{rows[0].Source, rows[1].Source, rows[2].Source, rows[3].Source, rows[4].Source, rows[5].Source})
}

// Field names are input text: escaped and bounded wherever they are named,
// and not shown when they look like secrets (a CSV whose first line is a
// data row holding a key). See docs/threat-model.md §3 and §5.
func TestFieldNamesEscapedAndBounded(t *testing.T) {
	long := strings.Repeat("x", 1000)
	_, errs, rd := readAll(t, `{"keyFile":"a","curve":"stark","zz\u001b[8m\u202e":1,"`+long+`":2}
{"keyFle\u001b":"c","curve":"stark"}
`, "in.jsonl")
	require.Equal(t, []string{`x` + strings.Repeat("x", 63) + `\…[936 more bytes]`, `zz\x1b[8m\u202e`}, rd.Ignored())
	require.Len(t, errs, 1)
	require.EqualError(t, errs[0], `row 2: unknown field "keyFle\x1b": did you mean "keyFile"?`)

	const key = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f3c0ffe"
	_, _, rd = readAll(t, "keyFile,curve,"+key+"\nk,stark,x\n", "in.csv")
	require.Equal(t, []string{"(a name that looks like a secret, not shown)"}, rd.Ignored())
}

// A keyFile or passwordFile that looks like a secret fails its row, and
// the value is not shown.
func TestSecretAsFileName(t *testing.T) {
	const key = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f3c0ffe"
	_, errs, _ := readAll(t, `{"keyFile":"`+key+`","curve":"stark"}
{"keyFile":"k","curve":"secp256k1","format":"keystore","passwordFile":"eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c0ffee"}
`, "in.jsonl")
	require.Len(t, errs, 2)
	require.EqualError(t, errs[0], "row 1: keyFile looks like a secret, not a file name (not shown): put the key in a file readable only by you and give that file's path")
	require.EqualError(t, errs[1], "row 2: passwordFile looks like a secret, not a file name (not shown): put the password in a file readable only by you and give that file's path")
	for _, e := range errs {
		require.NotContains(t, e.Error(), "c0ffe")
	}
}

// A row's name that looks like a secret fails the row: Dfns would store
// it and show it to everyone who lists keys.
func TestSecretAsName(t *testing.T) {
	_, errs, _ := readAll(t, `{"keyFile":"k","curve":"stark","name":"4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f3c0ffe"}
`, "in.jsonl")
	require.Len(t, errs, 1)
	require.EqualError(t, errs[0], "row 1: name looks like a secret, not a key name (not shown): Dfns stores a key's name and shows it to everyone who can list keys; give a short descriptive name")
}
