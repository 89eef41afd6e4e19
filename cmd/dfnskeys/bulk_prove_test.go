package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dfnskeys/dfnskeys/bulk"
	"github.com/dfnskeys/dfnskeys/dfnstest"
	"github.com/stretchr/testify/require"
)

// bulk-import --prove with faults on the signature routes, killed with
// SIGKILL while proofs are under way, then rerun until a run succeeds:
// every row ends imported once and proved, and no row proved by an
// earlier run is proved again (signature requests: one per row, plus at
// most one per worker for the proofs in flight at each kill).
func TestBulkImportProveSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it")
	}
	const rows, workers, kills = 60, 4, 3
	srv := dfnstest.NewServer(t)
	srv.SetLatency(5 * time.Millisecond)
	srv.SetErrorRate("GET /keys/{keyId}/signatures/{signatureId}", 0.1, http.StatusServiceUnavailable)
	srv.RateLimitNext("POST /keys/{keyId}/signatures", 3, 0)
	dir := t.TempDir()
	input, pubs := onceInput(t, dir, rows)
	env := simEnv(t, srv, dir)
	report := filepath.Join(dir, "report.jsonl")
	args := []string{"bulk-import", "--input", input, "--journal", filepath.Join(dir, "journal"), "--report", report, "--workers", "4", "--prove"}

	for k := range kills {
		p := startProc(t, env, args...)
		// Kill once a few more proofs have been asked for.
		target := srv.SignatureCount() + 5 + 5*k
		deadline := time.Now().Add(2 * time.Minute)
		for srv.SignatureCount() < target && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond)
		}
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
		p.wait(t)
	}
	require.Less(t, srv.SignatureCount(), rows, "the kills landed before every row was proved")

	var code int
	for range 5 {
		p := startProc(t, env, args...)
		if code = p.wait(t); code == 0 {
			require.Contains(t, p.stderr(), "proofs: ")
			break
		}
	}
	require.Equal(t, 0, code)
	requireOneKeyPerRow(t, srv, pubs, report)
	data, err := os.ReadFile(report)
	require.NoError(t, err)
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var l bulk.ReportLine
		require.NoError(t, json.Unmarshal([]byte(line), &l))
		require.NotNil(t, l.Proved, "row %d", l.Row)
		require.True(t, *l.Proved, "row %d: %s", l.Row, l.ProofError)
	}
	require.LessOrEqual(t, srv.SignatureCount(), rows+kills*workers, "proofs done twice: only those in flight at a kill")
	require.GreaterOrEqual(t, srv.SignatureCount(), rows)
}
