package dfnskeys_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/stretchr/testify/require"
)

func TestNewClientFromEnv(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	pemFile := filepath.Join(t.TempDir(), "cred.pem")
	require.NoError(t, os.WriteFile(pemFile, srv.CredentialPEM(), 0o600))
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	full := map[string]string{
		"DFNS_API_URL": srv.URL(), "DFNS_AUTH_TOKEN": srv.Token(),
		"DFNS_CRED_ID": srv.CredentialID(), "DFNS_PRIVATE_KEY": pemFile,
	}

	// A file path and an inline PEM (with literal \n, as in .env files)
	// both give a client that can sign.
	inline := strings.ReplaceAll(string(srv.CredentialPEM()), "\n", `\n`)
	for name, pemValue := range map[string]string{"file": pemFile, "inline": inline} {
		m := map[string]string{}
		for k, v := range full {
			m[k] = v
		}
		m["DFNS_PRIVATE_KEY"] = pemValue
		c, err := dfnskeys.NewClientFromEnvFunc(env(m))
		require.NoError(t, err, name)
		require.Equal(t, srv.URL(), c.BaseURL())
		key, err := keys.GeneratePrivateKey(keys.Secp256k1)
		require.NoError(t, err)
		_, err = c.ImportKey(context.Background(), key, dfnskeys.ImportKeyOptions{})
		require.NoError(t, err, "%s: the client signs user actions", name)
	}

	// Without a credential, a read-only client.
	c, err := dfnskeys.NewClientFromEnvFunc(env(map[string]string{"DFNS_API_URL": srv.URL(), "DFNS_AUTH_TOKEN": srv.Token()}))
	require.NoError(t, err)
	_, err = c.Signers.List(context.Background())
	require.NoError(t, err)
	// Options override the environment.
	c, err = dfnskeys.NewClientFromEnvFunc(env(full), dfnskeys.WithBaseURL("http://127.0.0.1:1/api"))
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:1/api", c.BaseURL())
	// Unset, the URL is Dfns's.
	c, err = dfnskeys.NewClientFromEnvFunc(env(map[string]string{"DFNS_AUTH_TOKEN": "t"}))
	require.NoError(t, err)
	require.Equal(t, "https://api.dfns.io", c.BaseURL())

	secret := "MC4CAQAwBQYDK2VwBCIEIPLACEHOLDERSECRETKEYMATERIAL0000000000000"
	for name, tc := range map[string]struct {
		env  map[string]string
		want string
	}{
		"no token":       {map[string]string{}, "DFNS_AUTH_TOKEN is not set"},
		"cred id only":   {map[string]string{"DFNS_AUTH_TOKEN": "t", "DFNS_CRED_ID": "c"}, "DFNS_PRIVATE_KEY is not"},
		"key only":       {map[string]string{"DFNS_AUTH_TOKEN": "t", "DFNS_PRIVATE_KEY": pemFile}, "DFNS_CRED_ID is not"},
		"missing file":   {map[string]string{"DFNS_AUTH_TOKEN": "t", "DFNS_CRED_ID": "c", "DFNS_PRIVATE_KEY": "/no/such.pem"}, "names no existing file"},
		"bare base64":    {map[string]string{"DFNS_AUTH_TOKEN": "t", "DFNS_CRED_ID": "c", "DFNS_PRIVATE_KEY": secret}, "names no existing file"},
		"multi-line key": {map[string]string{"DFNS_AUTH_TOKEN": "t", "DFNS_CRED_ID": "c", "DFNS_PRIVATE_KEY": secret + "\n" + secret}, "looks like key material"},
		"bad URL":        {map[string]string{"DFNS_AUTH_TOKEN": "t", "DFNS_API_URL": "api.dfns.io"}, "must be an absolute"},
	} {
		_, err := dfnskeys.NewClientFromEnvFunc(env(tc.env))
		require.ErrorContains(t, err, tc.want, name)
		require.NotContains(t, err.Error(), secret[10:40], "%s: the value is never echoed", name)
	}
}
