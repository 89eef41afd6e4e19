package bulk_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/bulk"
	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
)

func exportLines(t *testing.T, report *bytes.Buffer) map[int]bulk.ExportLine {
	t.Helper()
	lines := map[int]bulk.ExportLine{}
	sc := bufio.NewScanner(report)
	for sc.Scan() {
		var l bulk.ExportLine
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l))
		lines[l.Row] = l
	}
	return lines
}

func exportRequests(srv *sim.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/export") {
			n++
		}
	}
	return n
}

// An API substituting another key (docs/threat-model.md §2) against
// bulk-export fed rows with a publicKey, as a bulk-import report has: the
// row fails, nothing is sent for it and nothing is written; rows without a
// publicKey say they were checked against the API's public key only.
func TestExportSubstitutedKey(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	c := client(t, srv)
	ctx := context.Background()
	imported := func() (*keys.PrivateKey, *keys.Key) {
		k := randomKey(t, keys.Secp256k1)
		created, err := c.ImportKey(ctx, k, dfnskeys.ImportKeyOptions{AllowDuplicate: true})
		require.NoError(t, err)
		return k, created.Key
	}
	_, victim := imported()
	goodKey, good := imported()
	_, plain := imported()
	_, other := imported()
	require.NoError(t, srv.SubstituteKey(victim.ID, other.ID))

	dir := t.TempDir()
	for _, ext := range []string{".jsonl", ".csv"} {
		t.Run(ext, func(t *testing.T) {
			in := filepath.Join(dir, "report"+ext)
			var input string
			if ext == ".jsonl" {
				input = fmt.Sprintf(`{"row":1,"keyId":%q,"publicKey":%q,"status":"imported"}`+"\n"+`{"row":2,"keyId":%q,"publicKey":%q,"status":"imported"}`+"\n"+`{"keyId":%q}`+"\n",
					victim.ID, victim.PublicKey, good.ID, strings.ToUpper(good.PublicKey), plain.ID)
			} else {
				input = fmt.Sprintf("keyId,publicKey\n%s,%s\n%s,%s\n%s,\n", victim.ID, victim.PublicKey, good.ID, good.PublicKey, plain.ID)
			}
			require.NoError(t, os.WriteFile(in, []byte(input), 0o600))
			out := filepath.Join(dir, "out"+strings.TrimPrefix(ext, "."))
			before := exportRequests(srv)
			var report bytes.Buffer
			sum, err := bulk.Export(ctx, bulk.ExportOptions{InputPath: in, OutDir: out, OutputFormat: "json", Report: &report, Client: c})
			require.NoError(t, err)
			lines := exportLines(t, &report)
			require.Equal(t, 1, sum.Failed)
			v := lines[1]
			require.Equal(t, bulk.StatusFailed, v.Status)
			require.Contains(t, v.Error, "which is not the expected public key: the API would return another key than expected; nothing was exported")
			require.Equal(t, victim.PublicKey, v.PublicKey, "the report keeps the row's public key, not the API's")
			require.Empty(t, v.File)
			entries, err := os.ReadDir(out)
			require.NoError(t, err)
			for _, e := range entries {
				require.NotContains(t, e.Name(), victim.ID, "nothing is written for the substituted key")
			}
			stored, _ := srv.Key(victim.ID)
			require.False(t, stored.Key.Exported, "refused before the export")

			if ext == ".jsonl" {
				require.Equal(t, bulk.StatusExported, lines[2].Status)
				require.Equal(t, bulk.CheckedExpected, lines[2].CheckedAgainst)
				data, err := os.ReadFile(lines[2].File)
				require.NoError(t, err)
				k, err := keyformat.Parse(keyformat.JSON, keys.Secp256k1, data, keyformat.Secrets{})
				require.NoError(t, err)
				require.True(t, k.Equal(goodKey))
				k.Destroy()
				require.Equal(t, bulk.CheckedAPIOnly, lines[3].CheckedAgainst)
				require.Equal(t, 1, sum.APIOnly)
				require.Equal(t, before+2, exportRequests(srv))
			}
		})
	}
}

// A document planted in the output directory that records a row's key ID
// with another key does not make that key "already-exported"; the row
// fails and nothing is exported. A group-writable directory is refused.
func TestExportPlantedDocument(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	c := client(t, srv)
	ctx := context.Background()
	mine := randomKey(t, keys.Secp256k1)
	created, err := c.ImportKey(ctx, mine, dfnskeys.ImportKeyOptions{})
	require.NoError(t, err)
	dir := t.TempDir()
	in := filepath.Join(dir, "report.jsonl")
	require.NoError(t, os.WriteFile(in, []byte(fmt.Sprintf(`{"keyId":%q,"publicKey":%q}`+"\n", created.ID, created.PublicKey)), 0o600))
	out := filepath.Join(dir, "out")
	require.NoError(t, os.Mkdir(out, 0o700))

	// An attacker's key, recorded under the user's key ID.
	attacker := randomKey(t, keys.Secp256k1)
	doc, err := keyformat.Encode(keyformat.JSON, attacker, keyformat.EncodeOptions{KeyID: created.ID})
	require.NoError(t, err)
	planted := filepath.Join(out, created.ID+".json")
	require.NoError(t, os.WriteFile(planted, doc, 0o600))
	// And a document whose publicKey field claims the user's key but
	// whose private key is another: it records no public key.
	forged := strings.Replace(string(doc), attacker.PublicKeyHex(), created.PublicKey, 1)
	require.NotEqual(t, string(doc), forged)

	for _, content := range []string{string(doc), forged} {
		require.NoError(t, os.WriteFile(planted, []byte(content), 0o600))
		var report bytes.Buffer
		sum, err := bulk.Export(ctx, bulk.ExportOptions{InputPath: in, OutDir: out, OutputFormat: "json", Report: &report, Client: c})
		require.NoError(t, err)
		require.Equal(t, 1, sum.Failed)
		require.Zero(t, sum.AlreadyExported)
		l := exportLines(t, &report)[1]
		require.Equal(t, bulk.StatusFailed, l.Status)
		require.Contains(t, l.Error, "records key "+created.ID+" with another public key than this row's publicKey (or none): it does not count as exported, and nothing was exported")
		require.Zero(t, exportRequests(srv))
	}

	// The real file counts.
	require.NoError(t, os.Remove(planted))
	var report bytes.Buffer
	sum, err := bulk.Export(ctx, bulk.ExportOptions{InputPath: in, OutDir: out, OutputFormat: "json", Report: &report, Client: c})
	require.NoError(t, err)
	require.Equal(t, 1, sum.Exported)
	report.Reset()
	sum, err = bulk.Export(ctx, bulk.ExportOptions{InputPath: in, OutDir: out, OutputFormat: "json", Report: &report, Client: c})
	require.NoError(t, err)
	require.Equal(t, 1, sum.AlreadyExported)
	require.Equal(t, 1, exportRequests(srv))

	// Group- or other-writable: refused before anything, saying how to fix.
	for _, mode := range []os.FileMode{0o770, 0o702, 0o1777} {
		require.NoError(t, os.Chmod(out, mode))
		_, err = bulk.Export(ctx, bulk.ExportOptions{InputPath: in, OutDir: out, OutputFormat: "json", Report: &report, Client: c})
		require.ErrorContains(t, err, "can be written by group or others")
		require.ErrorContains(t, err, "run chmod go-w "+out)
	}
	require.NoError(t, os.Chmod(out, 0o700))
	require.Equal(t, 1, exportRequests(srv))
}

// A row's publicKey that is not a public key, or a key listed again with
// another publicKey, fails the row without an export.
func TestExportRowPublicKeyErrors(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	c := client(t, srv)
	ctx := context.Background()
	k := randomKey(t, keys.Secp256k1)
	created, err := c.ImportKey(ctx, k, dfnskeys.ImportKeyOptions{})
	require.NoError(t, err)
	other := randomKey(t, keys.Secp256k1)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	secret := hex.EncodeToString(k.Bytes())
	input := fmt.Sprintf(`{"keyId":%q,"publicKey":"not hex"}`+"\n"+`{"keyId":%q,"publicKey":%q}`+"\n"+`{"keyId":%q,"publicKey":%q}`+"\n"+`{"keyId":%q,"publicKey":%q}`+"\n",
		created.ID, created.ID, secret, created.ID, created.PublicKey, created.ID, other.PublicKeyHex())
	require.NoError(t, os.WriteFile(in, []byte(input), 0o600))
	var report bytes.Buffer
	sum, err := bulk.Export(ctx, bulk.ExportOptions{InputPath: in, OutDir: filepath.Join(dir, "out"), OutputFormat: "json", Report: &report, Client: c, Workers: 1})
	require.NoError(t, err)
	text := report.String()
	lines := exportLines(t, &report)
	require.Equal(t, "the row's publicKey: the expected public key is not hex; nothing was exported", lines[1].Error)
	require.Contains(t, lines[2].Error, "(is it a private key?)")
	require.Contains(t, text, created.PublicKey)
	require.NotContains(t, text, secret, "a private key pasted as publicKey is never echoed")
	require.Equal(t, bulk.StatusExported, lines[3].Status)
	require.Equal(t, bulk.StatusFailed, lines[4].Status)
	require.Contains(t, lines[4].Error, "records key "+created.ID+" with another public key than this row's publicKey")
	require.Equal(t, 1, sum.Exported)
	require.Equal(t, 3, sum.Failed)
	require.Equal(t, 1, exportRequests(srv))
}
