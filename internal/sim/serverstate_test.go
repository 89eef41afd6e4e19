package sim

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dfnskeys/dfnskeys/auth"
	"github.com/dfnskeys/dfnskeys/keys"
)

// TestStateFileRestart imports, creates and exports keys on a server with a
// state file, stops it, starts another on the same file and checks that
// everything a client relies on came back: the token, the credential, the
// cluster's signers, and keys that still export to the same private key.
func TestStateFileRestart(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.json")
	s1, err := StartServer(WithStateFile(path), WithSigners(3))
	require.NoError(t, err)
	require.False(t, s1.Restored())
	fi, err := os.Lstat(path)
	require.NoError(t, err, "the state file is written at start")
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	c1 := newClient(t, s1)
	imported := randomKey(t, keys.Secp256k1)
	resp, b := c1.signed("/keys/import", mustJSON(t, c1.importRequest(imported, "")))
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	var k1 keys.Key
	require.NoError(t, json.Unmarshal(b, &k1))
	created, err := s1.CreateKey(&keys.CreateRequest{Scheme: "EdDSA", Curve: keys.Ed25519, Name: "native"})
	require.NoError(t, err)
	s1.AddPlaceholderKeys(2)
	exported, _ := s1.Key(k1.ID)
	signers1 := c1.cluster(0)
	// The state is saved before the answer: a kill now loses nothing. The
	// file is read as a second server would, without closing the first.
	s2, err := StartServer(WithStateFile(path))
	require.NoError(t, err)
	require.True(t, s2.Restored())
	require.Equal(t, len(s1.Keys()), len(s2.Keys()))
	s2.Close()
	s1.Close()

	s3, err := StartServer(WithStateFile(path), WithSigners(7)) // the file's cluster wins
	require.NoError(t, err)
	t.Cleanup(s3.Close)
	require.True(t, s3.Restored())
	require.Equal(t, s1.Token(), s3.Token())
	require.Equal(t, s1.CredentialID(), s3.CredentialID())
	require.Equal(t, s1.CredentialPEM(), s3.CredentialPEM())
	require.Equal(t, s1.OrgID(), s3.OrgID())
	c3 := newClient(t, s3) // signs with the restored credential
	require.ElementsMatch(t, signers1, c3.cluster(0))
	var list keys.ListResponse
	c3.get("/keys", &list)
	require.Len(t, list.Items, 4)
	require.Equal(t, exported.Key, list.Items[0])
	require.Equal(t, created.Key, list.Items[1])

	// The restored shares export to the imported key.
	got := exportKey(t, c3, k1.ID)
	require.True(t, got.Equal(imported))
	k, ok := s3.Key(k1.ID)
	require.True(t, ok)
	require.True(t, k.Key.Exported)
	s3.Close()
	s4, err := StartServer(WithStateFile(path))
	require.NoError(t, err)
	t.Cleanup(s4.Close)
	k, ok = s4.Key(k1.ID)
	require.True(t, ok)
	require.True(t, k.Key.Exported, "the export was saved")
}

// exportKey exports id through c and recombines it.
func exportKey(t *testing.T, c *testClient, id string) *keys.PrivateKey {
	t.Helper()
	ctx, err := keys.NewExportContext()
	require.NoError(t, err)
	body := mustJSON(t, ctx.Request())
	resp, b := c.signed("/keys/"+id+"/export", body)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	var er keys.ExportResponse
	require.NoError(t, json.Unmarshal(b, &er))
	k, faulty, err := ctx.Recover(context.Background(), &er, keys.RecoverOptions{})
	require.NoError(t, err)
	require.Empty(t, faulty)
	return k
}

func TestStateFileRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	s, err := StartServer(WithStateFile(good))
	require.NoError(t, err)
	s.Close()
	b, err := os.ReadFile(good)
	require.NoError(t, err)
	require.Contains(t, string(b), "in the clear", "the file says what it holds")

	link := filepath.Join(dir, "link.json")
	require.NoError(t, os.Symlink(good, link))
	_, err = StartServer(WithStateFile(link))
	require.ErrorContains(t, err, "symbolic link")

	open := filepath.Join(dir, "open.json")
	require.NoError(t, os.WriteFile(open, b, 0o644))
	_, err = StartServer(WithStateFile(open))
	require.ErrorContains(t, err, "readable or writable by other users")

	for name, edit := range map[string]func(string) string{
		"not JSON":      func(string) string { return "hello" },
		"version":       func(s string) string { return strings.Replace(s, `"version": 1`, `"version": 2`, 1) },
		"no credential": func(s string) string { return strings.Replace(s, "PRIVATE KEY", "PUBLIC KEY", 2) },
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
		require.NoError(t, os.WriteFile(p, []byte(edit(string(b))), 0o600))
		_, err = StartServer(WithStateFile(p))
		require.Error(t, err, name)
		require.Contains(t, err.Error(), p, name)
	}
}

// FuzzRestore feeds arbitrary state files to restore: it must return an
// error or a consistent state, never panic.
func FuzzRestore(f *testing.F) {
	s, err := StartServer(WithSigners(2))
	if err != nil {
		f.Fatal(err)
	}
	_, _ = s.CreateKey(&keys.CreateRequest{Scheme: "ECDSA", Curve: keys.Secp256k1})
	path := filepath.Join(f.TempDir(), "state.json")
	s.stateFile = path
	if err := s.SaveState(); err != nil {
		f.Fatal(err)
	}
	s.Close()
	seed, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":1,"orgId":"o","token":"t","credentialId":"c","clusters":[{"id":"x","signers":[]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s := &Server{}
		if err := s.restore(b); err != nil {
			return
		}
		for _, k := range s.keys {
			if s.byID[k.Key.ID] != k {
				t.Fatalf("key %s restored inconsistently", k.Key.ID)
			}
		}
	})
}

// Without a fixed address, a restarted server serves the saved state's
// URL again (journals record it); a fixed address wins.
func TestStateFileKeepsTheAddress(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.json")
	s1, err := StartServer(WithStateFile(path))
	require.NoError(t, err)
	url := s1.URL()
	s1.Close()
	s2, err := StartServer(WithStateFile(path))
	require.NoError(t, err)
	require.Equal(t, url, s2.URL(), "the same URL after a restart")
	// Taken: served elsewhere rather than failing.
	s3, err := StartServer(WithStateFile(path))
	require.NoError(t, err)
	require.NotEqual(t, url, s3.URL())
	s3.Close()
	s2.Close()
}

// The default credential can be of each kind the simulator generates; a
// client signs with it, and a state file brings it back.
func TestCredentialAlgorithms(t *testing.T) {
	t.Parallel()
	for _, alg := range []auth.Algorithm{auth.AlgorithmEd25519, auth.AlgorithmECDSAP256, auth.AlgorithmRSA} {
		t.Run(string(alg), func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "state.json")
			s1, err := StartServer(WithCredentialAlgorithm(alg), WithStateFile(path))
			require.NoError(t, err)
			signer, err := auth.NewKeySigner(s1.CredentialID(), s1.CredentialPEM())
			require.NoError(t, err)
			require.Equal(t, alg, signer.Algorithm())
			c1 := newClient(t, s1)
			resp, b := c1.signed("/keys/import", mustJSON(t, c1.importRequest(randomKey(t, keys.Secp256k1), "")))
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
			s1.Close()

			s2, err := StartServer(WithStateFile(path))
			require.NoError(t, err)
			defer s2.Close()
			require.True(t, s2.Restored())
			c2 := newClient(t, s2)
			resp, b = c2.signed("/keys/import", mustJSON(t, c2.importRequest(randomKey(t, keys.Secp256k1), "")))
			require.Equal(t, http.StatusOK, resp.StatusCode, "the restored %s credential still signs: %s", alg, b)
		})
	}
	_, err := StartServer(WithCredentialAlgorithm(auth.AlgorithmECDSASecp256k1))
	require.ErrorContains(t, err, "RegisterCredential")
}

// Signature requests survive a restart: the same externalId is answered
// with the same request, and another body with a 409, as before.
func TestStateFileKeepsSignatureRequests(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.json")
	s1, err := StartServer(WithStateFile(path), WithSigners(3))
	require.NoError(t, err)
	c1 := newClient(t, s1)
	resp, b := c1.signed("/keys/import", mustJSON(t, c1.importRequest(randomKey(t, keys.Secp256k1), "")))
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	var k keys.Key
	require.NoError(t, json.Unmarshal(b, &k))
	body := `{"kind":"Hash","hash":"0x` + strings.Repeat("11", 32) + `","externalId":"ext-1"}`
	resp, b = c1.signed("/keys/"+k.ID+"/signatures", []byte(body))
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	var first struct{ ID, ExternalID string }
	require.NoError(t, json.Unmarshal(b, &first))
	require.Equal(t, "ext-1", first.ExternalID)
	s1.Close()

	s2, err := StartServer(WithStateFile(path))
	require.NoError(t, err)
	t.Cleanup(s2.Close)
	require.Equal(t, 1, s2.SignatureCount())
	c2 := newClient(t, s2)
	resp, b = c2.signed("/keys/"+k.ID+"/signatures", []byte(body))
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	var again struct{ ID string }
	require.NoError(t, json.Unmarshal(b, &again))
	require.Equal(t, first.ID, again.ID)
	other := strings.Replace(body, "0x11", "0x22", 1)
	resp, b = c2.signed("/keys/"+k.ID+"/signatures", []byte(other))
	require.Equal(t, http.StatusConflict, resp.StatusCode, "%s", b)
	require.Contains(t, string(b), `"error":{"id":"err-`)
	require.Equal(t, 1, s2.SignatureCount())
}

// A state file in a directory other users may write to (without the
// sticky bit) is refused: a planted file or link could replace the state.
func TestStateFileInSharedDirectoryRefused(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "shared")
	require.NoError(t, os.Mkdir(dir, 0o700))
	require.NoError(t, os.Chmod(dir, 0o770))
	_, err := StartServer(WithStateFile(filepath.Join(dir, "state.json")))
	require.ErrorContains(t, err, "can be written by group or others (mode 0770)")
	require.NoFileExists(t, filepath.Join(dir, "state.json"))
	// With the sticky bit, as /tmp has, it is accepted.
	require.NoError(t, os.Chmod(dir, 0o1777|os.ModeSticky))
	s, err := StartServer(WithStateFile(filepath.Join(dir, "state.json")))
	require.NoError(t, err)
	s.Close()
}
