package main

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/auth"
	"github.com/dfnskeys/dfnskeys/internal/testutil"
	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/stretchr/testify/require"
)

func TestBulkExportCommand(t *testing.T) {
	t.Parallel()
	srv := testutil.NewServer(t)
	signer, err := auth.NewKeySigner(srv.CredentialID(), srv.CredentialPEM())
	require.NoError(t, err)
	c, err := dfnskeys.NewClient(dfnskeys.WithBaseURL(srv.URL()), dfnskeys.WithAuthToken(srv.Token()), dfnskeys.WithSigner(signer))
	require.NoError(t, err)
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	key, err := keys.NewPrivateKey(keys.Secp256k1, b)
	require.NoError(t, err)
	created, err := c.ImportKey(context.Background(), key, dfnskeys.ImportKeyOptions{})
	require.NoError(t, err)

	dir := t.TempDir()
	pem := filepath.Join(dir, "cred.pem")
	require.NoError(t, os.WriteFile(pem, srv.CredentialPEM(), 0o600))
	input := filepath.Join(dir, "keys.csv")
	require.NoError(t, os.WriteFile(input, []byte("keyId,name\n"+created.ID+",treasury\n"), 0o600))
	vars := map[string]string{
		"DFNS_API_URL": srv.URL(), "DFNS_AUTH_TOKEN": srv.Token(), "DFNS_CRED_ID": srv.CredentialID(), "DFNS_PRIVATE_KEY": pem,
	}
	runWith := func(extra map[string]string, args ...string) (int, string) {
		var stdout, stderr strings.Builder
		e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
			getenv:    func(k string) string { v, _ := lookup2(vars, extra, k); return v },
			lookupEnv: func(k string) (string, bool) { return lookup2(vars, extra, k) }}
		return runEnv(e, args), stderr.String()
	}
	out := filepath.Join(dir, "out")
	args := []string{"bulk-export", "--input", input, "--out-dir", out, "--report", filepath.Join(dir, "report.jsonl")}

	code, msg := runWith(nil, args...)
	require.Equal(t, 1, code)
	require.Contains(t, msg, "set DFNS_KEYSTORE_PASSWORD")
	k, _ := srv.Key(created.ID)
	require.False(t, k.Key.Exported, "nothing exported without a password")

	code, msg = runWith(map[string]string{"DFNS_KEYSTORE_PASSWORD": "pw"}, args...)
	require.Equal(t, 0, code, msg)
	require.Contains(t, msg, "1 rows: 1 exported")
	data, err := os.ReadFile(filepath.Join(out, created.ID+".json"))
	require.NoError(t, err)
	got, err := keyformat.ParseKeystore(data, []byte("pw"))
	require.NoError(t, err)
	require.True(t, got.Equal(key))

	code, msg = runWith(map[string]string{"DFNS_KEYSTORE_PASSWORD": "pw"}, args...)
	require.Equal(t, 0, code, msg)
	require.Contains(t, msg, "1 already exported")

	code, msg = runWith(nil, "bulk-export", "--input", input)
	require.Equal(t, 2, code)
	require.Contains(t, msg, "missing required flag --out-dir")
	code, _ = runWith(nil, append(args, "--format", "pem")...)
	require.Equal(t, 2, code)
}

func lookup2(a, b map[string]string, k string) (string, bool) {
	if v, ok := b[k]; ok {
		return v, true
	}
	v, ok := a[k]
	return v, ok
}
