package bulk

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dfnskeys/dfnskeys/bulk/internal/journal"
	"github.com/dfnskeys/dfnskeys/bulk/internal/rows"
	"github.com/dfnskeys/dfnskeys/internal/proof"
)

func TestOptionsRedactPassword(t *testing.T) {
	t.Parallel()
	o := ImportOptions{InputPath: "in.jsonl", Password: []byte("hunter2-secret")}
	e := ExportOptions{OutDir: "out", Password: []byte("hunter2-secret")}
	for _, s := range []string{
		fmt.Sprintf("%v %+v %#v %s %q %x", o, o, o, o, o, o),
		fmt.Sprintf("%v %+v %#v %s", &o, e, &e, struct{ O ImportOptions }{o}),
	} {
		require.NotContains(t, s, "hunter2")
		require.NotContains(t, s, fmt.Sprint([]byte("hunter2")[:3])[1:8])
		require.NotContains(t, s, "68756e74") // hex of "hunt"
		require.Contains(t, s, "REDACTED")
	}
}

// The single-pass scan hashes exactly the bytes InputDigest hashes, so a
// journal made by one run is accepted by the next.
func TestScanInputDigestMatchesInputDigest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, body := range map[string]string{
		"a.jsonl": "{\"keyFile\":\"k\",\"curve\":\"stark\"}\n\n\nnot json\n\n",
		"b.csv":   "keyFile,curve\nk,stark\n\n\n",
		"c.jsonl": "",
	} {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
		got, _, _, err := scanInput(p, "", func(*rows.Row) {})
		require.NoError(t, err)
		want, err := journal.InputDigest(p)
		require.NoError(t, err)
		require.Equal(t, want, got, name)
	}
}

// The journal stores the externalIds the client makes, in compact form:
// both must agree on their shape.
func TestJournalHoldsTheClientsExternalIDs(t *testing.T) {
	require.Equal(t, proof.ExternalIDPrefix, journal.ProofExternalIDPrefix)
	j, err := journal.Open(filepath.Join(t.TempDir(), "j"), [32]byte{})
	require.NoError(t, err)
	defer j.Close()
	for i, ext := range []string{proof.ExternalID("key-1", []byte{2, 3}), proof.NewExternalID()} {
		require.NoError(t, j.Put(i+1, journal.Record{State: journal.StateImported, KeyID: "key-1", ProofExternalID: ext}))
		rec, err := j.Get(i + 1)
		require.NoError(t, err)
		require.Equal(t, ext, rec.ProofExternalID)
	}
}
