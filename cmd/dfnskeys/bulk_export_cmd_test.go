package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
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

// cliHarness runs dfnskeys in-process against a simulator.
type cliHarness struct {
	srv  *sim.Server
	c    *dfnskeys.Client
	dir  string
	vars map[string]string
}

func newCLIHarness(t *testing.T) *cliHarness {
	t.Helper()
	srv := sim.NewServer(t)
	c := srv.Client()
	dir := t.TempDir()
	pem := filepath.Join(dir, "cred.pem")
	require.NoError(t, os.WriteFile(pem, srv.CredentialPEM(), 0o600))
	return &cliHarness{srv: srv, c: c, dir: dir, vars: map[string]string{
		"DFNS_API_URL": srv.URL(), "DFNS_AUTH_TOKEN": srv.Token(), "DFNS_CRED_ID": srv.CredentialID(), "DFNS_PRIVATE_KEY": pem,
	}}
}

func (h *cliHarness) run(extra map[string]string, args ...string) (int, string) {
	var stdout, stderr strings.Builder
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		getenv:    func(k string) string { v, _ := lookup2(h.vars, extra, k); return v },
		lookupEnv: func(k string) (string, bool) { return lookup2(h.vars, extra, k) }}
	return runEnv(e, args), stderr.String()
}

// importKey imports a new random key and returns it with its Dfns ID.
func (h *cliHarness) importKey(t *testing.T, c keys.Curve) (*keys.PrivateKey, string) {
	t.Helper()
	k, err := keys.GeneratePrivateKey(c)
	require.NoError(t, err)
	created, err := h.c.ImportKey(context.Background(), k, dfnskeys.ImportKeyOptions{})
	require.NoError(t, err)
	return k, created.ID
}

// exportCalls counts the POST /keys/{keyId}/export requests per key.
func (h *cliHarness) exportCalls() map[string]int {
	n := map[string]int{}
	for _, r := range h.srv.Requests() {
		if r.Method == "POST" && strings.HasPrefix(r.Path, "/keys/") && strings.HasSuffix(r.Path, "/export") {
			n[strings.TrimSuffix(strings.TrimPrefix(r.Path, "/keys/"), "/export")]++
		}
	}
	return n
}

func readExportReport(t *testing.T, path string) map[int]bulk.ExportLine {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	lines := map[int]bulk.ExportLine{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l bulk.ExportLine
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l))
		lines[l.Row] = l
	}
	return lines
}

// TestBulkExportCommand exports secp256k1, stark and ed25519 keys: first
// as keystores (only secp256k1 can be, the others fail without being
// exported), then again into the same directory as json: only the keys
// still missing are exported, and every file reads back to its key.
func TestBulkExportCommand(t *testing.T) {
	t.Parallel()
	skipUnlessFullKDF(t) // two keystores written and read back
	h := newCLIHarness(t)
	type want struct {
		key *keys.PrivateKey
		id  string
	}
	var all []want
	var input strings.Builder
	input.WriteString("name,keyId,note\n")
	for i, c := range []keys.Curve{keys.Secp256k1, keys.Ed25519, keys.Stark, keys.Secp256k1} {
		k, id := h.importKey(t, c)
		all = append(all, want{k, id})
		fmt.Fprintf(&input, "k%d,%s,anything\n", i, id)
	}
	fmt.Fprintf(&input, "again,%s,\n", all[0].id)
	in := filepath.Join(h.dir, "keys.csv")
	require.NoError(t, os.WriteFile(in, []byte(input.String()), 0o600))
	out := filepath.Join(h.dir, "out")
	report := filepath.Join(h.dir, "report.jsonl")
	args := []string{"bulk-export", "--input", in, "--out-dir", out, "--report", report}

	code, msg := h.run(nil, args...)
	require.Equal(t, 1, code)
	require.Contains(t, msg, "set DFNS_KEYSTORE_PASSWORD (or run on a terminal to be asked); nothing was exported")
	require.Empty(t, h.exportCalls(), "nothing exported without a password")

	pw := map[string]string{"DFNS_KEYSTORE_PASSWORD": "pw"}
	code, msg = h.run(pw, args...)
	require.Equal(t, 1, code, msg)
	require.Contains(t, msg, "5 rows: 2 exported, 1 already exported (skipped), 2 failed")
	lines := readExportReport(t, report)
	require.Equal(t, bulk.StatusAlreadyExported, lines[5].Status)
	require.Contains(t, lines[5].Error, "listed again: exported for row 1")
	for _, row := range []int{2, 3} {
		require.Equal(t, bulk.StatusFailed, lines[row].Status)
		require.Contains(t, lines[row].Error, "format keystore is for secp256k1 keys only")
	}
	for _, row := range []int{1, 4} {
		l := lines[row]
		require.Equal(t, bulk.StatusExported, l.Status, l.Error)
		require.Equal(t, filepath.Join(out, l.KeyID+".keystore.json"), l.File)
		data, err := os.ReadFile(l.File)
		require.NoError(t, err)
		got, err := keyformat.Parse(keyformat.Keystore, "", data, keyformat.Secrets{Password: []byte("pw")})
		require.NoError(t, err)
		require.True(t, got.Equal(all[row-1].key))
		require.Equal(t, l.KeyID, keyformat.RecordedKeyID(data))
		fi, err := os.Stat(l.File)
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	}
	calls := h.exportCalls()
	require.Equal(t, map[string]int{all[0].id: 1, all[3].id: 1}, calls, "the ed25519 and stark keys were not exported")

	// Again with another format: the keystores' keys are skipped by key ID;
	// the others are exported as json documents.
	code, msg = h.run(nil, append(args, "--format", "json")...)
	require.Equal(t, 0, code, msg)
	require.Contains(t, msg, "5 rows: 2 exported, 3 already exported (skipped), 0 failed")
	calls = h.exportCalls()
	for _, w := range all {
		require.Equal(t, 1, calls[w.id], "key %s exported once", w.id)
	}
	lines = readExportReport(t, report)
	for _, row := range []int{2, 3} {
		l := lines[row]
		require.Equal(t, bulk.StatusExported, l.Status, l.Error)
		data, err := os.ReadFile(l.File)
		require.NoError(t, err)
		got, err := keyformat.Parse(keyformat.JSON, "", data, keyformat.Secrets{})
		require.NoError(t, err)
		require.True(t, got.Equal(all[row-1].key))
		require.Equal(t, all[row-1].key.PublicKeyHex(), got.PublicKeyHex())
	}
	// And once more: nothing to do.
	code, msg = h.run(pw, args...)
	require.Equal(t, 0, code, msg)
	require.Contains(t, msg, "5 rows: 0 exported, 5 already exported (skipped), 0 failed")
	require.Equal(t, calls, h.exportCalls())
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	require.Len(t, entries, 4, "one file per key, no temporary file")
	fi, err := os.Stat(report)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o644)&^umask(), fi.Mode().Perm(), "the report is created 0644 less the umask")

	// Usage errors.
	code, msg = h.run(nil, "bulk-export", "--input", in)
	require.Equal(t, 2, code)
	require.Contains(t, msg, "missing required flag --out-dir")
	for _, f := range []string{"hex", "wif"} {
		code, msg = h.run(nil, append(args, "--format", f)...)
		require.Equal(t, 2, code)
		require.Contains(t, msg, "its files must record their key ID")
	}
	code, _ = h.run(nil, append(args, "--format", "pem")...)
	require.Equal(t, 2, code)
}

// TestBulkExportFromImportReport feeds bulk-import's report to
// bulk-export: keyId is read, every other field ignored; a row whose import
// failed has no key and is reported, not guessed.
func TestBulkExportFromImportReport(t *testing.T) {
	t.Parallel()
	h := newCLIHarness(t)
	var input strings.Builder
	var originals []*keys.PrivateKey
	for i, c := range []keys.Curve{keys.Secp256k1, keys.Ed25519, keys.Stark} {
		k, err := keys.GeneratePrivateKey(c)
		require.NoError(t, err)
		originals = append(originals, k)
		name := fmt.Sprintf("k%d.hex", i)
		kind := ""
		if c == keys.Ed25519 {
			kind = `,"kind":"scalar"` // a scalar, as Dfns exports it
		}
		raw := k.Bytes()
		require.NoError(t, os.WriteFile(filepath.Join(h.dir, name), []byte(hex.EncodeToString(raw)), 0o600))
		fmt.Fprintf(&input, `{"name":"k%d","keyFile":%q,"curve":%q%s}`+"\n", i, name, c, kind)
	}
	input.WriteString(`{"name":"broken","keyFile":"nosuch.hex","curve":"secp256k1"}` + "\n")
	in := filepath.Join(h.dir, "wallets.jsonl")
	require.NoError(t, os.WriteFile(in, []byte(input.String()), 0o600))
	importReport := filepath.Join(h.dir, "import-report.jsonl")
	code, msg := h.run(nil, "bulk-import", "--input", in, "--journal", filepath.Join(h.dir, "journal"), "--report", importReport)
	require.Equal(t, 1, code, msg) // the broken row
	require.Contains(t, msg, "3 imported")

	out := filepath.Join(h.dir, "out")
	exportReport := filepath.Join(h.dir, "export-report.jsonl")
	code, msg = h.run(nil, "bulk-export", "--input", importReport, "--out-dir", out, "--report", exportReport, "--format", "json")
	require.Equal(t, 1, code, msg)
	require.Contains(t, msg, "4 rows: 3 exported, 0 already exported (skipped), 1 failed")
	// The import report lists rows in the order they finished: match by name.
	lines := readExportReport(t, exportReport)
	var exported []bulk.ExportLine
	for _, l := range lines {
		if l.Name == "" {
			require.Equal(t, bulk.StatusFailed, l.Status)
			require.Contains(t, l.Error, "keyId is missing or empty (in a bulk-import report: the row was not imported)")
			continue
		}
		require.Equal(t, bulk.StatusExported, l.Status, l.Error)
		var i int
		_, err := fmt.Sscanf(l.Name, "k%d", &i)
		require.NoError(t, err)
		data, err := os.ReadFile(l.File)
		require.NoError(t, err)
		got, err := keyformat.Parse(keyformat.JSON, "", data, keyformat.Secrets{})
		require.NoError(t, err)
		require.True(t, got.Equal(originals[i]), "%s: the same key came back", l.Name)
		exported = append(exported, l)
	}
	require.Len(t, exported, 3)

	// The exported documents import again, as bulk-import rows of format
	// json, to the same public keys.
	var again strings.Builder
	want := map[string]bool{}
	for _, l := range exported {
		fmt.Fprintf(&again, `{"keyFile":%q,"format":"json","curve":%q}`+"\n", l.File, l.Curve)
		want[l.PublicKey] = true
	}
	for _, k := range originals {
		require.True(t, want[k.PublicKeyHex()], "the original key %s was exported", k.PublicKeyHex())
	}
	in2 := filepath.Join(h.dir, "again.jsonl")
	require.NoError(t, os.WriteFile(in2, []byte(again.String()), 0o600))
	report2 := filepath.Join(h.dir, "again-report.jsonl")
	code, msg = h.run(nil, "bulk-import", "--input", in2, "--journal", filepath.Join(h.dir, "journal2"), "--report", report2)
	require.Equal(t, 0, code, msg)
	data, err := os.ReadFile(report2)
	require.NoError(t, err)
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var l bulk.ReportLine
		require.NoError(t, json.Unmarshal([]byte(line), &l))
		require.Equal(t, bulk.StatusImported, l.Status, l.Error)
		require.True(t, want[l.PublicKey], "public key %s is one of the exported keys'", l.PublicKey)
		delete(want, l.PublicKey)
	}
	require.Empty(t, want, "every exported key imported again")
}

func lookup2(a, b map[string]string, k string) (string, bool) {
	if v, ok := b[k]; ok {
		return v, true
	}
	v, ok := a[k]
	return v, ok
}

// umask returns the process's umask, measured by creating a file.
func umask() os.FileMode {
	dir, err := os.MkdirTemp("", "umask")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "f")
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o777)
	if err != nil {
		panic(err)
	}
	f.Close()
	fi, err := os.Stat(p)
	if err != nil {
		panic(err)
	}
	return 0o777 &^ fi.Mode().Perm()
}

// An interrupt before any export starts: the run stops, says how many rows
// it did not start, and the rerun exports them all.
func TestBulkExportInterruptedSaysNotStarted(t *testing.T) {
	h := newCLIHarness(t)
	var lines []string
	for range 3 {
		k, id := h.importKey(t, keys.Secp256k1)
		lines = append(lines, fmt.Sprintf(`{"keyId":%q,"publicKey":%q}`, id, k.PublicKeyHex()))
		k.Destroy()
	}
	in := filepath.Join(h.dir, "ids.jsonl")
	require.NoError(t, os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o600))
	args := []string{"bulk-export", "--input", in, "--out-dir", filepath.Join(h.dir, "out"), "--report", filepath.Join(h.dir, "r.jsonl"), "--format", "json"}

	interrupt := make(chan struct{}, 1)
	interrupt <- struct{}{} // Ctrl-C before the first row
	var stderr strings.Builder
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr, interrupt: interrupt,
		getenv:    func(k string) string { return h.vars[k] },
		lookupEnv: func(k string) (string, bool) { v, ok := h.vars[k]; return v, ok }}
	require.Equal(t, 1, runEnv(e, args), stderr.String())
	require.Contains(t, stderr.String(), "3 rows: 0 exported, 0 already exported (skipped), 0 failed, 3 not started (interrupted)\n")
	require.Contains(t, stderr.String(), "interrupted after 0 of 3 rows (3 not started)")
	require.Empty(t, h.exportCalls())

	code, msg := h.run(nil, args...)
	require.Equal(t, 0, code, msg)
	require.Contains(t, msg, "3 rows: 3 exported, 0 already exported (skipped), 0 failed\n")
}
