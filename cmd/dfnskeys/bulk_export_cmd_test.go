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

// On a terminal, bulk-import asks for the run-wide passwords its input
// needs before sending anything, without echo.
func TestBulkImportAsksForMissingPasswords(t *testing.T) {
	srv := testutil.NewServer(t)
	dir := t.TempDir()
	pem := filepath.Join(dir, "cred.pem")
	require.NoError(t, os.WriteFile(pem, srv.CredentialPEM(), 0o600))
	ks, err := keyformat.EncryptKeystore(freshCmdKey(t), []byte("typed"), keyformat.KeystoreOptions{KDF: "pbkdf2", PBKDF2Iterations: 1024})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ks.json"), ks, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "m.txt"), []byte("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about\n"), 0o600))
	input := filepath.Join(dir, "in.jsonl")
	require.NoError(t, os.WriteFile(input, []byte(`{"keyFile":"ks.json","format":"keystore","curve":"secp256k1"}
{"keyFile":"m.txt","format":"mnemonic","curve":"secp256k1","expectedAddress":"0x9858EfFD232B4033E47d90003D41EC34EcaEda94"}
`), 0o600))

	tty, err := os.Create(filepath.Join(dir, "tty"))
	require.NoError(t, err)
	defer tty.Close()
	oldTerm, oldRead := isTerminal, readPassword
	t.Cleanup(func() { isTerminal, readPassword = oldTerm, oldRead })
	isTerminal = func(f *os.File) bool { return f == tty }
	answers := [][]byte{[]byte("typed"), {}} // the keystore password, then an empty passphrase
	readPassword = func(*os.File) ([]byte, error) {
		a := answers[0]
		answers = answers[1:]
		return a, nil
	}
	vars := map[string]string{"DFNS_API_URL": srv.URL(), "DFNS_AUTH_TOKEN": srv.Token(), "DFNS_CRED_ID": srv.CredentialID(), "DFNS_PRIVATE_KEY": pem}
	var stdout, stderr strings.Builder
	e := &env{stdin: tty, stdout: &stdout, stderr: &stderr,
		getenv:    func(k string) string { return vars[k] },
		lookupEnv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }}
	code := runEnv(e, []string{"bulk-import", "--input", input, "--journal", filepath.Join(dir, "j"), "--report", filepath.Join(dir, "r.jsonl")})
	require.Equal(t, 0, code, stderr.String())
	require.True(t, strings.HasPrefix(stderr.String(), "keystore password (not echoed): \nmnemonic passphrase (empty for none) (not echoed): \n"), stderr.String())
	require.Empty(t, answers)
	require.Equal(t, 2, srv.KeyCount())
	require.NotContains(t, stderr.String(), "typed")
}

func freshCmdKey(t *testing.T) *keys.PrivateKey {
	t.Helper()
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	k, err := keys.NewPrivateKey(keys.Secp256k1, b)
	require.NoError(t, err)
	return k
}
