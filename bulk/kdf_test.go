package bulk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dfnskeys/dfnskeys/bulk"
	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
)

// Keystores whose scrypt would take 1 GiB and 64 GiB are refused, before
// any derivation (the run takes no time and no memory), with a report line
// that says what was found, the limit and what to do; a standard keystore
// next to them is read. Eight workers, so that without the bound the
// derivations would all run at once.
func TestImportRefusesCostlyKeystores(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	k, err := keys.NewPrivateKey(keys.Secp256k1, bytes.Repeat([]byte{7}, 32))
	require.NoError(t, err)
	defer k.Destroy()
	good, err := keyformat.Encode(keyformat.Keystore, k, keyformat.EncodeOptions{Password: []byte("pw"), Keystore: keyformat.KeystoreOptions{ScryptN: 1 << 10}})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "good.json"), good, 0o600))
	costly := func(n, r int) []byte {
		var ks map[string]any
		require.NoError(t, json.Unmarshal(good, &ks))
		p := ks["crypto"].(map[string]any)["kdfparams"].(map[string]any)
		p["n"], p["r"] = n, r
		b, err := json.Marshal(ks)
		require.NoError(t, err)
		return b
	}
	var input strings.Builder
	for i := range 8 {
		n, r := 1<<20, 8 // 1 GiB
		if i%2 == 1 {
			n, r = 1<<26, 8 // 64 GiB
		}
		name := fmt.Sprintf("costly%d.json", i)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), costly(n, r), 0o600))
		fmt.Fprintf(&input, `{"keyFile":%q,"format":"keystore","curve":"secp256k1"}`+"\n", name)
	}
	input.WriteString(`{"keyFile":"good.json","format":"keystore","curve":"secp256k1"}` + "\n")
	in := filepath.Join(dir, "in.jsonl")
	require.NoError(t, os.WriteFile(in, []byte(input.String()), 0o600))

	var report bytes.Buffer
	sum, err := bulk.Import(context.Background(), bulk.ImportOptions{DryRun: true, InputPath: in, Report: &report, Workers: 8, Password: []byte("pw")})
	require.NoError(t, err)
	require.Equal(t, 1, sum.Valid)
	require.Equal(t, 8, sum.Failed)
	for _, line := range strings.Split(strings.TrimSpace(report.String()), "\n") {
		var l bulk.ReportLine
		require.NoError(t, json.Unmarshal([]byte(line), &l))
		if l.Row == 9 {
			require.Equal(t, bulk.StatusValid, l.Status, l.Error)
			require.Equal(t, k.PublicKeyHex(), l.PublicKey)
			continue
		}
		require.Equal(t, bulk.StatusFailed, l.Status)
		found := "scrypt n = 1048576, r = 8 need 1024 MiB of memory, above the limit of 512 MiB"
		if l.Row%2 == 0 {
			found = "scrypt n = 67108864 is above the limit of 1048576"
		}
		require.Contains(t, l.Error, found)
		require.Contains(t, l.Error, "refused before any key derivation")
		require.Contains(t, l.Error, "save it again with standard settings")
	}
}
