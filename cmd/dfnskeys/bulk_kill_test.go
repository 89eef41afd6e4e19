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
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dfnskeys/dfnskeys/bulk"
	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/internal/slowtest"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/stretchr/testify/require"
)

// TestBulkImportSurvivesSIGKILL runs `dfnskeys bulk-import` on a few
// thousand rows against the simulator with faults switched on, kills it with
// SIGKILL at random moments, and reruns it until a run succeeds. One row in
// fifty repeats an earlier row's key, and midway the journal is lost (the
// rerun starts a new one). Every distinct key must end imported exactly
// once, and the last report must map every row to its key.
func TestBulkImportSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("slow: builds the binary and imports thousands of keys")
	}
	// Full size: 2,000 rows (600 under the race detector, which slows the
	// in-process simulator ~10×) and eight kills; by default 200 rows and
	// four kills (see longTests).
	rows := scale(200, 2000)
	if slowtest.Race && longTests() {
		rows = 600
	}
	maxKills := scale(4, 8)
	lostAt := maxKills / 2 // the journal is lost after this kill
	const maxRuns = 20     // reruns after the kills, before giving up
	bin := buildBinary(t)
	srv := sim.NewServer(t)
	srv.SetLatency(time.Millisecond)
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.FailBefore, Route: sim.RouteListKeys, Rate: 0.05, Status: http.StatusServiceUnavailable}))
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.FailBefore, Route: sim.RouteActionInit, Rate: 0.02, Status: http.StatusBadGateway}))
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.FailBefore, Route: sim.RouteImportKey, Rate: 0.01, Status: http.StatusServiceUnavailable}))
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.RateLimit, Route: sim.RouteImportKey, Count: 20, Wait: time.Second}))
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.DropResponse, Route: sim.RouteImportKey, Count: 10}))
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.FailAfter, Route: sim.RouteImportKey, Count: 10, Status: http.StatusGatewayTimeout}))

	dir := t.TempDir()
	want := map[string][]int{} // public key → rows
	pubOfRow := map[int]string{}
	distinct := 0
	input, err := os.Create(filepath.Join(dir, "input.jsonl"))
	require.NoError(t, err)
	curves := []keys.Curve{keys.Secp256k1, keys.Ed25519, keys.Stark}
	for i := 1; i <= rows; i++ {
		c := curves[i%len(curves)]
		if i%50 == 0 {
			// Row i-36 has the same curve (36 is a multiple of 3).
			orig := fmt.Sprintf("k%05d", i-36)
			want[pubOfRow[i-36]] = append(want[pubOfRow[i-36]], i)
			fmt.Fprintf(input, `{"name":"again %d","keyFile":%q,"curve":%q}`+"\n", i, orig, c)
			continue
		}
		distinct++
		k := killTestKey(t, c)
		name := fmt.Sprintf("k%05d", i)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(hex.EncodeToString(k.Bytes())), 0o600))
		if c == keys.Ed25519 {
			// Export-style scalars would need --ed25519-scalar; use seeds.
			seed := make([]byte, 32)
			_, _ = rand.Read(seed)
			k, err = keys.NewPrivateKey(keys.Ed25519, seed)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(hex.EncodeToString(seed)), 0o600))
		}
		want[k.PublicKeyHex()] = []int{i}
		pubOfRow[i] = k.PublicKeyHex()
		fmt.Fprintf(input, `{"name":%q,"keyFile":%q,"curve":%q}`+"\n", name, name, c)
	}
	require.NoError(t, input.Close())
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cred.pem"), srv.CredentialPEM(), 0o600))

	report := filepath.Join(dir, "report.jsonl")
	args := []string{"bulk-import", "--input", filepath.Join(dir, "input.jsonl"), "--journal", filepath.Join(dir, "journal"), "--report", report, "--workers", "8"}
	env := append(os.Environ(), "DFNS_API_URL="+srv.URL(), "DFNS_AUTH_TOKEN="+srv.Token(), "DFNS_CRED_ID="+srv.CredentialID(), "DFNS_PRIVATE_KEY="+filepath.Join(dir, "cred.pem"))

	kills, runs := 0, 0
	var keysAtKill []int
	var lastErr error
	lastStderr := ""
	for {
		// Bounded: a bug that makes every run fail must not loop forever.
		require.LessOrEqual(t, runs, maxKills+maxRuns, "no successful run after %d runs and %d kills; the last ended with %v: %s", runs, kills, lastErr, lastStderr)
		runs++
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		var stderr strings.Builder
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var err error
		if kills < maxKills {
			// Kill while imports are under way: once the run has created
			// 10 + a random number below rows/16 more keys (or after 20 s,
			// whichever is first); the kills then leave rows to import.
			// A kill on a timer alone mostly lands during start-up or a
			// 429 pause, before any import.
			more, _ := rand.Int(rand.Reader, big.NewInt(int64(rows/16)))
			target, started := srv.KeyCount()+10+int(more.Int64()), time.Now()
			ended := false
			for !ended && srv.KeyCount() < target && time.Since(started) < 20*time.Second {
				select {
				case err = <-done:
					ended = true
				case <-time.After(2 * time.Millisecond):
				}
			}
			if !ended {
				keysAtKill = append(keysAtKill, srv.KeyCount())
				require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
				<-done
				kills++
				if kills == lostAt {
					// The journal is lost. Let the killed run's requests
					// settle first: without a journal, an import still in
					// flight at Dfns cannot be told from one never sent.
					time.Sleep(time.Second)
					require.NoError(t, os.Remove(filepath.Join(dir, "journal")))
				}
				continue
			}
		} else {
			err = <-done
		}
		if err == nil {
			break
		}
		lastErr, lastStderr = err, lastLine(stderr.String())
		t.Logf("run %d ended with %v (rows failed; rerunning): %s", runs, err, lastStderr)
	}
	t.Logf("succeeded on run %d after %d SIGKILLs, with the simulator holding %v keys at the kills", runs, kills, keysAtKill)
	require.Len(t, keysAtKill, maxKills)
	require.Greater(t, keysAtKill[lostAt-1], 0, "the journal was lost after keys had been imported")

	// Exactly one key per distinct key of the input.
	got := map[string]string{}
	for _, k := range srv.Keys() {
		_, dup := got[k.Key.PublicKey]
		require.False(t, dup, "two keys with public key %s", k.Key.PublicKey)
		got[k.Key.PublicKey] = k.Key.ID
	}
	require.Len(t, got, distinct)
	require.Len(t, want, distinct)
	for pub := range want {
		require.Contains(t, got, pub)
	}

	// The last report maps every row to its key.
	f, err := os.Open(report)
	require.NoError(t, err)
	defer f.Close()
	seen := map[int]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l bulk.ReportLine
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l))
		require.False(t, seen[l.Row], "row %d twice", l.Row)
		seen[l.Row] = true
		require.Contains(t, []string{bulk.StatusImported, bulk.StatusAlreadyImported}, l.Status, "row %d: %s", l.Row, l.Error)
		require.Contains(t, want[l.PublicKey], l.Row, "row %d's public key", l.Row)
		require.Equal(t, got[l.PublicKey], l.KeyID, "row %d's key id", l.Row)
		if l.DuplicateOf != 0 {
			require.Contains(t, want[l.PublicKey], l.DuplicateOf, "row %d is a duplicate of a row with the same key", l.Row)
		}
	}
	require.Len(t, seen, rows)
}

func killTestKey(t *testing.T, c keys.Curve) *keys.PrivateKey {
	t.Helper()
	k, err := keys.GeneratePrivateKey(c)
	require.NoError(t, err)
	return k
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// buildBinary builds dfnskeys once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "dfnskeys-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "dfnskeys")
		build := exec.Command("go", "build", "-o", binPath, ".")
		build.Stderr = os.Stderr
		binErr = build.Run()
	})
	require.NoError(t, binErr)
	return binPath
}

// TestBulkImportSIGINT interrupts a run with SIGINT: the rows in flight
// finish, the run stops with exit 1 and says to rerun, and every key the
// simulator holds is in the report as imported (none half-done).
func TestBulkImportSIGINT(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("slow: builds the binary")
	}
	bin := buildBinary(t)
	srv := sim.NewServer(t)
	srv.SetLatency(20 * time.Millisecond)
	dir := t.TempDir()
	input, err := os.Create(filepath.Join(dir, "input.jsonl"))
	require.NoError(t, err)
	const rows = 200
	for i := 1; i <= rows; i++ {
		k := killTestKey(t, keys.Secp256k1)
		name := fmt.Sprintf("k%d", i)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(hex.EncodeToString(k.Bytes())), 0o600))
		fmt.Fprintf(input, `{"keyFile":%q,"curve":"secp256k1"}`+"\n", name)
	}
	require.NoError(t, input.Close())
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cred.pem"), srv.CredentialPEM(), 0o600))
	report := filepath.Join(dir, "report.jsonl")
	cmd := exec.Command(bin, "bulk-import", "--input", filepath.Join(dir, "input.jsonl"), "--journal", filepath.Join(dir, "journal"), "--report", report, "--workers", "4")
	cmd.Env = append(os.Environ(), "DFNS_API_URL="+srv.URL(), "DFNS_AUTH_TOKEN="+srv.Token(), "DFNS_CRED_ID="+srv.CredentialID(), "DFNS_PRIVATE_KEY="+filepath.Join(dir, "cred.pem"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	require.Eventually(t, func() bool { return len(srv.Keys()) >= 5 }, 30*time.Second, 10*time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	err = cmd.Wait()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, stderr.String())
	require.Equal(t, 1, exit.ExitCode())
	require.Contains(t, stderr.String(), "interrupted after")
	require.Contains(t, stderr.String(), "rerun the same command to continue")

	imported := map[string]bool{}
	data, err := os.ReadFile(report)
	require.NoError(t, err)
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var l bulk.ReportLine
		require.NoError(t, json.Unmarshal([]byte(line), &l))
		require.Equal(t, bulk.StatusImported, l.Status, l.Error)
		imported[l.KeyID] = true
	}
	require.Less(t, len(imported), rows, "the run stopped early")
	require.Len(t, srv.Keys(), len(imported), "every key created is reported: the rows in flight finished")
	for _, k := range srv.Keys() {
		require.True(t, imported[k.Key.ID], "key %s is in the report", k.Key.ID)
	}
}
