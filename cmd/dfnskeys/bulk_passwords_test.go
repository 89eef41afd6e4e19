package main

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/stretchr/testify/require"
)

// On a terminal, bulk-import asks for the run-wide passwords its input
// needs before sending anything, without echo.
func TestBulkImportAsksForMissingPasswords(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	dir := t.TempDir()
	pem := filepath.Join(dir, "cred.pem")
	require.NoError(t, os.WriteFile(pem, srv.CredentialPEM(), 0o600))
	ks, err := keyformat.Encode(keyformat.Keystore, freshCmdKey(t), keyformat.EncodeOptions{Password: []byte("typed"), Keystore: keyformat.KeystoreOptions{KDF: "pbkdf2", PBKDF2Iterations: 1024}})
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
