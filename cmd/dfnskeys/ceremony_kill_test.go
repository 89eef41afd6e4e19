package main

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dfnskeys/dfnskeys/bulk"
	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signers"
)

// runKilled runs bin with args and env until a run exits 0, killing the
// first kills runs with SIGKILL once progress() has grown by a random
// amount (or after 20 s). It returns the number of runs.
func runKilled(t *testing.T, bin string, args, env []string, kills, step int, progress func() int) int {
	t.Helper()
	runs := 0
	killed := 0
	var last string
	for {
		require.LessOrEqual(t, runs, kills+10, "no successful run after %d runs: %s", runs, last)
		runs++
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		var stderr strings.Builder
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		if killed < kills {
			more, _ := rand.Int(rand.Reader, big.NewInt(int64(step)))
			target, started := progress()+1+int(more.Int64()), time.Now()
			ended := false
			for !ended && progress() < target && time.Since(started) < 20*time.Second {
				select {
				case err := <-done:
					ended = true
					if err == nil {
						return runs
					}
				case <-time.After(time.Millisecond):
				}
			}
			if !ended {
				require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
				<-done
				killed++
			}
			continue
		}
		if err := <-done; err == nil {
			return runs
		}
		last = lastLine(stderr.String())
		t.Logf("run %d failed (rerunning): %s", runs, last)
	}
}

// TestCeremonyBulkSurvivesSIGKILL runs the bulk ceremony as a user would:
// bulk-split offline, with no DFNS_* settings, killed and rerun; then,
// with the key files deleted and only the credentials in the environment,
// bulk-import of the requests against a faulty simulator, killed and
// rerun. Every key ends in Dfns exactly once.
func TestCeremonyBulkSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: builds the binary")
	}
	t.Parallel()
	rows := scale(60, 600)
	bin := buildBinary(t)
	srv := sim.NewServer(t)
	srv.SetLatency(time.Millisecond)
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.FailBefore, Route: sim.RouteImportKey, Rate: 0.02, Status: http.StatusServiceUnavailable}))
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.DropResponse, Route: sim.RouteImportKey, Count: 5}))

	dir := t.TempDir()
	var list signers.ListResponse
	for _, c := range srv.Clusters() {
		list.Clusters = append(list.Clusters, signers.Cluster{ClusterID: c.ID, Signers: c.WireSigners()})
	}
	sj, err := json.Marshal(&list)
	require.NoError(t, err)
	signersFile := filepath.Join(dir, "signers.json")
	require.NoError(t, os.WriteFile(signersFile, sj, 0o644))

	offline := filepath.Join(dir, "offline")
	require.NoError(t, os.Mkdir(offline, 0o700))
	want := map[string]bool{}
	input, err := os.Create(filepath.Join(offline, "input.jsonl"))
	require.NoError(t, err)
	for i := 1; i <= rows; i++ {
		c, secret := keys.Secp256k1, make([]byte, 32)
		k := killTestKey(t, c)
		copy(secret, k.Bytes())
		if i%3 == 0 {
			c = keys.Ed25519
			_, _ = rand.Read(secret)
			k, err = keys.NewPrivateKey(c, secret)
			require.NoError(t, err)
		}
		want[k.PublicKeyHex()] = true
		name := fmt.Sprintf("k%04d", i)
		require.NoError(t, os.WriteFile(filepath.Join(offline, name), []byte(hex.EncodeToString(secret)), 0o600))
		fmt.Fprintf(input, `{"name":%q,"keyFile":%q,"curve":%q}`+"\n", name, name, c)
	}
	require.NoError(t, input.Close())

	// OFFLINE: nothing but PATH in the environment.
	out := filepath.Join(dir, "carry")
	docs := func() int {
		m, _ := filepath.Glob(filepath.Join(out, "row-*.json"))
		return len(m)
	}
	runs := runKilled(t, bin, []string{"bulk-split", "--input", filepath.Join(offline, "input.jsonl"), "--signers", signersFile, "--out-dir", out, "--report", filepath.Join(offline, "split-report.jsonl"), "--workers", "4"},
		[]string{"PATH=" + os.Getenv("PATH")}, 2, rows/4, docs)
	t.Logf("bulk-split succeeded on run %d", runs)
	require.Equal(t, rows, docs())
	leftovers, _ := filepath.Glob(filepath.Join(out, ".*tmp*"))
	require.Empty(t, leftovers, "no half-written document is left")
	require.Zero(t, srv.KeyCount(), "the offline step sent nothing")

	// The keys stay offline: deleted before the online step.
	require.NoError(t, os.RemoveAll(offline))
	for _, m := range must(filepath.Glob(filepath.Join(out, "*"))) {
		b, err := os.ReadFile(m)
		require.NoError(t, err)
		require.NotContains(t, string(b), "keyFile")
	}

	// ONLINE: the credentials only.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cred.pem"), srv.CredentialPEM(), 0o600))
	report := filepath.Join(dir, "report.jsonl")
	env := []string{"DFNS_API_URL=" + srv.URL(), "DFNS_AUTH_TOKEN=" + srv.Token(), "DFNS_CRED_ID=" + srv.CredentialID(), "DFNS_PRIVATE_KEY=" + filepath.Join(dir, "cred.pem")}
	runs = runKilled(t, bin, []string{"bulk-import", "--input", filepath.Join(out, bulk.RequestsFile), "--journal", filepath.Join(dir, "journal"), "--report", report, "--pinned-signers", signersFile, "--workers", "4"},
		env, 3, rows/6, srv.KeyCount)
	t.Logf("bulk-import of the requests succeeded on run %d", runs)

	got := map[string]string{}
	for _, k := range srv.Keys() {
		_, dup := got[k.Key.PublicKey]
		require.False(t, dup, "two keys with public key %s", k.Key.PublicKey)
		got[k.Key.PublicKey] = k.Key.ID
	}
	require.Len(t, got, rows)
	for pub := range want {
		require.Contains(t, got, pub)
	}
	f, err := os.Open(report)
	require.NoError(t, err)
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l bulk.ReportLine
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l))
		require.Contains(t, []string{bulk.StatusImported, bulk.StatusAlreadyImported}, l.Status, "row %d: %s", l.Row, l.Error)
		require.Equal(t, got[l.PublicKey], l.KeyID)
		n++
	}
	require.Equal(t, rows, n)

	// A rerun creates nothing.
	before := srv.KeyCount()
	cmd := exec.Command(bin, "bulk-import", "--input", filepath.Join(out, bulk.RequestsFile), "--journal", filepath.Join(dir, "journal"), "--report", report, "--pinned-signers", signersFile)
	cmd.Env = env
	outb, err := cmd.CombinedOutput()
	require.NoError(t, err, string(outb))
	require.Contains(t, string(outb), fmt.Sprintf("0 imported, %d already imported", rows))
	require.Equal(t, before, srv.KeyCount())

	// The bulk export, the same way: requests offline, sending killed and
	// rerun online, recovery offline against the report's public keys.
	secret := filepath.Join(dir, "secret")
	runKilled(t, bin, []string{"bulk-export-request", "--input", report, "--carry-dir", out, "--key-dir", secret, "--report", filepath.Join(dir, "q.jsonl")},
		[]string{"PATH=" + os.Getenv("PATH")}, 0, 1, func() int { return 0 })
	exports := func() int {
		n := 0
		for _, r := range srv.Requests() {
			if r.Method == "POST" && strings.HasSuffix(r.Path, "/export") {
				n++
			}
		}
		return n
	}
	runs = runKilled(t, bin, []string{"bulk-export", "--input", report, "--carry-dir", out, "--report", filepath.Join(dir, "s.jsonl")},
		env, 2, rows/4, exports)
	t.Logf("bulk-export --carry-dir succeeded on run %d, after %d export requests for %d keys", runs, exports(), rows)
	runKilled(t, bin, []string{"bulk-recover", "--input", report, "--carry-dir", out, "--key-dir", secret, "--report", filepath.Join(dir, "rec.jsonl")},
		[]string{"PATH=" + os.Getenv("PATH")}, 0, 1, func() int { return 0 })
	for pub, id := range got {
		k, err := exportedPublicKey(filepath.Join(secret, id+".json"))
		require.NoError(t, err)
		require.Equal(t, pub, k)
	}
}

// exportedPublicKey returns the public key of the export document at p.
func exportedPublicKey(p string) (string, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return "", err
	}
	k, err := keyformat.Parse(keyformat.JSON, "", data, keyformat.Secrets{})
	if err != nil {
		return "", err
	}
	defer k.Destroy()
	return k.PublicKeyHex(), nil
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestCeremonyExportSIGINT: Ctrl-C while Dfns's answer to 'export
// --request --response-out' is on its way does not lose it: the answer is
// saved, still encrypted, and recovers offline to the key.
func TestCeremonyExportSIGINT(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: builds the binary")
	}
	t.Parallel()
	bin := buildBinary(t)
	h := newCLIHarness(t)
	key, id := h.importKey(t, keys.Secp256k1)
	dk, req := filepath.Join(h.dir, "dk"), filepath.Join(h.dir, "req.json")
	code, stderr := h.run(nil, "export-request", "--key", id, "--decryption-key-out", dk, "--request-out", req)
	require.Zero(t, code, stderr)
	require.NoError(t, h.srv.SetFaults(sim.Fault{Kind: sim.DelayAfter, Route: sim.RouteExportKey, Count: 1, Wait: 3 * time.Second}))
	resp := filepath.Join(h.dir, "resp.json")
	cmd := exec.Command(bin, "export", id, "--request", req, "--response-out", resp)
	cmd.Env = h.environ()
	var errb strings.Builder
	cmd.Stderr = &errb
	require.NoError(t, cmd.Start())
	require.Eventually(t, func() bool { k, _ := h.srv.Key(id); return k.Key.Exported }, 30*time.Second, 5*time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	require.NoError(t, cmd.Wait(), errb.String())
	require.Contains(t, errb.String(), "interrupt: the export is under way; finishing it and saving the answer")
	out := filepath.Join(h.dir, "key.json")
	code, stderr = h.run(nil, "recover", "--response", resp, "--decryption-key", dk, "--expect-public-key", key.PublicKeyHex(), "--out", out)
	require.Zero(t, code, stderr)
	got, err := exportedPublicKey(out)
	require.NoError(t, err)
	require.Equal(t, key.PublicKeyHex(), got)
}
