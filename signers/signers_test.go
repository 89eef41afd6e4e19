package signers

import (
	"encoding/json"
	"os"
	"sort"
	"testing"

	"github.com/dfnskeys/dfnskeys/encryption"
	"github.com/stretchr/testify/require"
)

func docsSignerIDs(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile("testdata/dfns-docs-examples.json")
	require.NoError(t, err)
	var f struct {
		ImportRequest struct {
			Shares []struct {
				SignerID string `json:"signerId"`
			} `json:"encryptedKeyShares"`
		} `json:"import_request"`
		Facts struct {
			Ordered bool `json:"import_shares_are_listed_in_ascending_order_of_decoded_signerId_bytes"`
		} `json:"facts"`
	}
	require.NoError(t, json.Unmarshal(raw, &f))
	require.True(t, f.Facts.Ordered)
	ids := make([]string, len(f.ImportRequest.Shares))
	for i, s := range f.ImportRequest.Shares {
		ids[i] = s.SignerID
	}
	return ids
}

// The real import request in Dfns's documentation lists shares in the order
// Sort produces; sorting the base64 strings would give another order.
func TestSortMatchesDocsExample(t *testing.T) {
	t.Parallel()
	want := docsSignerIDs(t)
	require.Len(t, want, 5)
	dk, err := encryption.GenerateDecryptionKey()
	require.NoError(t, err)
	ek := dk.EncryptionKey().String()
	// Feed them reversed so that the sort has work to do.
	var in []Signer
	for i := len(want) - 1; i >= 0; i-- {
		in = append(in, Signer{SignerID: want[i], EncryptionKey: ek})
	}
	got, err := Sort(in)
	require.NoError(t, err)
	for i := range got {
		require.Equal(t, want[i], got[i].SignerID, "position %d", i)
	}

	byString := append([]string(nil), want...)
	sort.Strings(byString)
	require.NotEqual(t, want, byString, "the base64 string order differs, so this test detects sorting by strings")
}

func TestSortRejects(t *testing.T) {
	t.Parallel()
	dk, err := encryption.GenerateDecryptionKey()
	require.NoError(t, err)
	ek := dk.EncryptionKey().String()
	id := "EX5PdJFcutVTJCgAcSGGGy264JwnrOLLyrZIqMHG67I="
	cases := map[string]struct {
		in   []Signer
		want string
	}{
		"duplicate":        {[]Signer{{id, ek}, {id, ek}}, "listed twice"},
		"unpadded id":      {[]Signer{{id[:len(id)-1], ek}}, "not standard padded base64"},
		"url-safe id":      {[]Signer{{"_-8=", ek}}, "not standard padded base64"},
		"empty id":         {[]Signer{{"", ek}}, "0 bytes"},
		"bad key":          {[]Signer{{id, "AQID"}}, "encryption key is 3 bytes"},
		"key version 2":    {[]Signer{{id, "Ag" + ek[2:]}}, "version 2"},
		"too many signers": {make([]Signer, 257), "more than"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Sort(c.in)
			require.ErrorContains(t, err, c.want)
		})
	}
}

func TestParseListAndCluster(t *testing.T) {
	t.Parallel()
	r, err := ParseList([]byte(`{"clusters":[{"clusterId":"cl-a","signers":[{"signerId":"AQ==","encryptionKey":"x"}]},{"clusterId":"cl-b","signers":[]}]}`))
	require.NoError(t, err)
	_, err = r.Cluster("")
	require.ErrorContains(t, err, "cl-a, cl-b")
	c, err := r.Cluster("cl-b")
	require.NoError(t, err)
	require.Equal(t, "cl-b", c.ClusterID)
	_, err = r.Cluster("cl-z")
	require.ErrorContains(t, err, `no cluster "cl-z"; available: cl-a, cl-b`)

	bare, err := ParseList([]byte(` [{"signerId":"AQ==","encryptionKey":"k"}]`))
	require.NoError(t, err)
	c, err = bare.Cluster("")
	require.NoError(t, err)
	require.Len(t, c.Signers, 1)

	_, err = ParseList([]byte(`{"items":[]}`))
	require.ErrorContains(t, err, `no "clusters"`)
	_, err = ParseList([]byte(`nope`))
	require.Error(t, err)
	empty, err := ParseList([]byte(`{"clusters":[]}`))
	require.NoError(t, err)
	_, err = empty.Cluster("")
	require.ErrorContains(t, err, "no signing cluster")
}

// A file given as --signers by mistake may be a key file: the error gives
// the offset of a syntax error, never the character found there.
func TestParseListQuotesNoInput(t *testing.T) {
	t.Parallel()
	for name, input := range map[string]string{
		"object then text": `{"clusters":[]} c0ffee`,
		"hex key":          "0c28fca386c7a227600b2fe50b7cae11ec86d3bf1fbe471be89827e19d72aa1d",
		"array then text":  `[] c0ffee`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseList([]byte(input))
			require.Error(t, err)
			require.Contains(t, err.Error(), "syntax error at byte offset")
			require.NotContains(t, err.Error(), "'c'")
			require.NotContains(t, err.Error(), "'0'")
		})
	}
}
