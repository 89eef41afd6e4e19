package bulk_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/bulk"
	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/stretchr/testify/require"
)

func TestExport(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	c := client(t, srv)
	ctx := context.Background()
	dir := t.TempDir()
	var input strings.Builder
	originals := map[string]*keys.PrivateKey{}
	for i, curve := range []keys.Curve{keys.Secp256k1, keys.Secp256k1, keys.Ed25519, keys.Secp256k1} {
		k := randomKey(t, curve)
		created, err := c.ImportKey(ctx, k, dfnskeys.ImportKeyOptions{})
		require.NoError(t, err)
		originals[created.ID] = k
		fmt.Fprintf(&input, `{"keyId":%q,"name":"n%d","status":"imported","addresses":{"x":"y"},"path":"m/0","owner":"ops"}`+"\n", created.ID, i)
	}
	input.WriteString(`{"keyId":"key-missing"}` + "\n" + `{"name":"no id"}` + "\n" + `{"keyId":"../evil"}` + "\n" + `[1]` + "\n")
	in := filepath.Join(dir, "keys.jsonl")
	require.NoError(t, os.WriteFile(in, []byte(input.String()), 0o600))
	out := filepath.Join(dir, "out")
	password := []byte("correct horse")
	light := keyformat.KeystoreOptions{KDF: "scrypt", ScryptN: 1024, ScryptR: 8, ScryptP: 1}
	exports := func() int {
		n := 0
		for _, r := range srv.Requests() {
			if strings.HasSuffix(r.Path, "/export") {
				n++
			}
		}
		return n
	}

	runExport := func(format string) (*bulk.ExportSummary, map[int]bulk.ExportLine) {
		var report bytes.Buffer
		var progress []bulk.ExportProgress
		var notices []string
		sum, err := bulk.Export(ctx, bulk.ExportOptions{InputPath: in, OutDir: out, OutputFormat: format, Password: password, Keystore: light, Report: &report, Client: c,
			Progress: func(p bulk.ExportProgress) { progress = append(progress, p) }, Notice: func(s string) { notices = append(notices, s) }})
		require.NoError(t, err)
		// Extra fields are named once; a bulk-import report's own are not.
		require.Equal(t, []string{"ignoring the input's unknown field owner (the fields read are keyId, name and publicKey; a bulk-import report's own fields are ignored silently)"}, notices)
		require.NotEmpty(t, progress)
		last := progress[len(progress)-1]
		require.Equal(t, 8, last.Total)
		require.Equal(t, 8, last.Done)
		lines := map[int]bulk.ExportLine{}
		sc := bufio.NewScanner(&report)
		for sc.Scan() {
			var l bulk.ExportLine
			require.NoError(t, json.Unmarshal(sc.Bytes(), &l))
			lines[l.Row] = l
		}
		return sum, lines
	}
	sum, lines := runExport("keystore")
	require.Equal(t, 3, sum.Exported)
	require.Equal(t, 5, sum.Failed)
	require.Contains(t, lines[3].Error, "for secp256k1 keys only")
	require.Contains(t, lines[5].Error, "not found")
	require.Contains(t, lines[6].Error, "keyId is missing or empty")
	require.Contains(t, lines[7].Error, `keyId "../evil" is not a Dfns key ID`)
	require.Contains(t, lines[8].Error, "not a JSON object with a keyId field")
	ed, ok := srv.Key(lines[3].KeyID)
	require.True(t, ok)
	require.False(t, ed.Key.Exported, "a key whose format is wrong is not exported")
	for _, row := range []int{1, 2, 4} {
		l := lines[row]
		require.Equal(t, bulk.StatusExported, l.Status)
		require.Equal(t, "n"+fmt.Sprint(row-1), l.Name)
		data, err := os.ReadFile(l.File)
		require.NoError(t, err)
		fi, _ := os.Stat(l.File)
		require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
		k, err := keyformat.Parse(keyformat.Keystore, "", data, keyformat.Secrets{Password: password})
		require.NoError(t, err)
		require.True(t, k.Equal(originals[l.KeyID]))
	}
	require.Equal(t, 3, exports())
	// Again: nothing exported twice.
	sum, lines = runExport("keystore")
	require.Equal(t, 0, sum.Exported)
	require.Equal(t, 3, sum.AlreadyExported)
	for _, row := range []int{1, 2, 4} {
		require.Equal(t, bulk.StatusAlreadyExported, lines[row].Status)
	}
	require.Equal(t, 3, exports())

	// As json: only the ed25519 key is left, and it reads back as itself.
	sum, lines = runExport("json")
	require.Equal(t, 1, sum.Exported)
	require.Equal(t, 3, sum.AlreadyExported)
	require.Equal(t, 4, exports())
	require.Equal(t, bulk.StatusExported, lines[3].Status)
	data, err := os.ReadFile(lines[3].File)
	require.NoError(t, err)
	k, err := keyformat.Parse(keyformat.JSON, keys.Ed25519, data, keyformat.Secrets{})
	require.NoError(t, err)
	require.True(t, k.Equal(originals[lines[3].KeyID]))
	_, err = keyformat.Parse(keyformat.Hex, keys.Ed25519, data, keyformat.Secrets{})
	require.ErrorContains(t, err, "not hex: use format json", "the scalar cannot be read as a seed")
	entries, _ := os.ReadDir(out)
	require.Len(t, entries, 4)
	for _, e := range entries {
		require.False(t, strings.HasPrefix(e.Name(), "."), "no temporary file left behind")
	}
}

// TestExportLeftovers: what a killed run leaves is settled at the next
// start: a complete partial file is moved into place (and its key not
// exported again), an incomplete one deleted; a destination that cannot be
// created, or a final name taken by another file, fails the key without
// exporting it.
func TestExportLeftovers(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	c := client(t, srv)
	ctx := context.Background()
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	require.NoError(t, os.Mkdir(out, 0o700))
	var ids []string
	originals := map[string]*keys.PrivateKey{}
	var input strings.Builder
	for range 5 {
		k := randomKey(t, keys.Stark)
		created, err := c.ImportKey(ctx, k, dfnskeys.ImportKeyOptions{})
		require.NoError(t, err)
		ids = append(ids, created.ID)
		originals[created.ID] = k
		fmt.Fprintf(&input, "%s\n", created.ID)
	}
	in := filepath.Join(dir, "keys.csv")
	require.NoError(t, os.WriteFile(in, []byte("keyId\n"+input.String()), 0o600))

	// ids[0]: complete partial; ids[1]: truncated partial; ids[2]: a
	// directory where its partial file goes; ids[3]: its final name taken.
	doc, err := keyformat.Encode(keyformat.JSON, originals[ids[0]], keyformat.EncodeOptions{KeyID: ids[0]})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(out, "."+ids[0]+".json.partial"), doc, 0o600))
	doc1, err := keyformat.Encode(keyformat.JSON, originals[ids[1]], keyformat.EncodeOptions{KeyID: ids[1]})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(out, "."+ids[1]+".json.partial"), doc1[:len(doc1)-20], 0o600))
	require.NoError(t, os.MkdirAll(filepath.Join(out, "."+ids[2]+".json.partial", "x"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(out, ids[3]+".json"), []byte("someone's notes"), 0o600))

	var report bytes.Buffer
	var notices []string
	sum, err := bulk.Export(ctx, bulk.ExportOptions{InputPath: in, OutDir: out, OutputFormat: "json", Report: &report, Client: c,
		Notice: func(s string) { notices = append(notices, s) }})
	require.NoError(t, err)
	require.Equal(t, 1, sum.Finished)
	require.Equal(t, 2, sum.Removed) // the truncated file, and the directory's failed removal counts too
	require.Len(t, notices, 1)
	require.Contains(t, notices[0], "finished 1 file(s) and removed 2 incomplete temporary file(s) left by an interrupted run")
	lines := map[string]bulk.ExportLine{}
	sc := bufio.NewScanner(&report)
	for sc.Scan() {
		var l bulk.ExportLine
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l))
		lines[l.KeyID] = l
	}
	require.Equal(t, bulk.StatusAlreadyExported, lines[ids[0]].Status)
	require.Equal(t, bulk.StatusExported, lines[ids[1]].Status)
	require.Equal(t, bulk.StatusFailed, lines[ids[2]].Status)
	require.Contains(t, lines[ids[2]].Error, "is a directory")
	require.Contains(t, lines[ids[2]].Error, "nothing was exported")
	require.Equal(t, bulk.StatusFailed, lines[ids[3]].Status)
	require.Contains(t, lines[ids[3]].Error, "exists but does not record key "+ids[3]+"; nothing was exported")
	require.Equal(t, bulk.StatusExported, lines[ids[4]].Status)
	for i, id := range ids {
		k, _ := srv.Key(id)
		require.Equal(t, i == 1 || i == 4, k.Key.Exported, "key %d exported", i)
	}
	for _, id := range []string{ids[0], ids[1], ids[4]} {
		data, err := os.ReadFile(filepath.Join(out, id+".json"))
		require.NoError(t, err)
		k, err := keyformat.Parse(keyformat.JSON, "", data, keyformat.Secrets{})
		require.NoError(t, err)
		require.True(t, k.Equal(originals[id]))
	}
	b, err := os.ReadFile(filepath.Join(out, ids[3]+".json"))
	require.NoError(t, err)
	require.Equal(t, "someone's notes", string(b))
	_, err = os.Lstat(filepath.Join(out, "."+ids[1]+".json.partial"))
	require.ErrorIs(t, err, fs.ErrNotExist)
}
