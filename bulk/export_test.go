package bulk_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/bulk"
	"github.com/dfnskeys/dfnskeys/internal/testutil"
	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/stretchr/testify/require"
)

func TestExport(t *testing.T) {
	t.Parallel()
	srv := testutil.NewServer(t)
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
		fmt.Fprintf(&input, `{"keyId":%q,"name":"n%d"}`+"\n", created.ID, i)
	}
	input.WriteString(`{"keyId":"key-missing"}` + "\n" + `{"name":"no id"}` + "\n")
	in := filepath.Join(dir, "keys.jsonl")
	require.NoError(t, os.WriteFile(in, []byte(input.String()), 0o600))
	out := filepath.Join(dir, "out")
	password := []byte("correct horse")
	light := keyformat.KeystoreOptions{KDF: "scrypt", ScryptN: 1024, ScryptR: 8, ScryptP: 1}

	runExport := func(format string) (*bulk.ExportSummary, map[int]bulk.ExportLine) {
		var report bytes.Buffer
		sum, err := bulk.Export(ctx, bulk.ExportOptions{InputPath: in, OutDir: out, OutputFormat: format, Password: password, Keystore: light, Report: &report, Client: c})
		require.NoError(t, err)
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
	require.Equal(t, 3, sum.Failed)
	require.Contains(t, lines[3].Error, "for secp256k1 keys only")
	require.Contains(t, lines[5].Error, "not found")
	require.Contains(t, lines[6].Error, "keyId is required")
	ed, ok := srv.Key(lines[3].KeyID)
	require.True(t, ok)
	require.False(t, ed.Key.Exported, "a key whose format is wrong is not exported")
	for _, row := range []int{1, 2, 4} {
		l := lines[row]
		require.Equal(t, bulk.StatusExported, l.Status)
		data, err := os.ReadFile(l.File)
		require.NoError(t, err)
		fi, _ := os.Stat(l.File)
		require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
		k, err := keyformat.ParseKeystore(data, password)
		require.NoError(t, err)
		require.True(t, k.Equal(originals[l.KeyID]))
	}
	// Again: nothing exported twice.
	sum, lines = runExport("keystore")
	require.Equal(t, 0, sum.Exported)
	require.Equal(t, 3, sum.AlreadyExported)
	for _, row := range []int{1, 2, 4} {
		require.Equal(t, bulk.StatusAlreadyExported, lines[row].Status)
	}

	// Hex files are separate from keystores: all four keys, ed25519 too.
	sum, lines = runExport("hex")
	require.Equal(t, 4, sum.Exported)
	require.Equal(t, bulk.StatusExported, lines[3].Status)
	data, err := os.ReadFile(lines[3].File)
	require.NoError(t, err)
	k, err := keyformat.ParseHex(keys.Ed25519, data, true)
	require.NoError(t, err)
	require.True(t, k.Equal(originals[lines[3].KeyID]))
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		require.False(t, strings.HasPrefix(e.Name(), ".dfnskeys-"), "no temporary file left behind")
	}
}
