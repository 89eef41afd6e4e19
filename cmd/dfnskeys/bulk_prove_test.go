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

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/bulk"
	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/stretchr/testify/require"
)

// bulk-import --prove with faults on the signature routes (failing POSTs,
// POSTs processed but unanswered, Confirmed answers, failing polls),
// killed with SIGKILL while proofs are under way, then rerun until a run
// succeeds: every row ends imported once and proved, with exactly one
// signature request per key on the server: the journal records each
// proof's externalId before it is sent, and Dfns answers a repeated
// externalId with the request made first.
func TestBulkImportProveSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary and kills it")
	}
	// Full size 40 rows and three kills (see longTests), by default 30 and two.
	rows, kills := scale(30, 40), scale(2, 3)
	srv := sim.NewServer(t)
	srv.SetLatency(5 * time.Millisecond)
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.FailBefore, Route: sim.RouteGetSignature, Rate: 0.1, Status: http.StatusServiceUnavailable}))
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.RateLimit, Route: sim.RouteCreateSignature, Count: 3}))
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.FailBefore, Route: sim.RouteCreateSignature, Rate: 0.12, Status: http.StatusServiceUnavailable}))
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.DropResponse, Route: sim.RouteCreateSignature, Rate: 0.12}))
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.Confirmed, Rate: 0.3}))
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
	require.Equal(t, rows, srv.SignatureCount(), "one signature request per key, across kills and retries")
	for _, k := range srv.Keys() {
		require.Equal(t, 1, srv.SignatureCountOf(k.Key.ID), "key %s", k.Key.ID)
	}
}

// A rerun after a key was exported asks Dfns, not the journal
// (docs/threat-model.md §4): the row is reported unusable, not
// already-imported and not proved, the summary counts it apart, and the
// run exits 1 saying what to do.
func TestBulkImportRerunAfterExport(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	srv := sim.NewServer(t)
	dir := t.TempDir()
	input, _ := onceInput(t, dir, 3)
	env := simEnv(t, srv, dir)
	report := filepath.Join(dir, "report.jsonl")
	args := []string{"bulk-import", "--input", input, "--journal", filepath.Join(dir, "journal"), "--report", report, "--prove"}
	p := startProc(t, env, args...)
	require.Equal(t, 0, p.wait(t), p.stderr())
	first := readReport(t, report)
	exportedID := first[1].KeyID
	c := simClient(t, srv)
	exported, _, err := c.ExportKey(t.Context(), exportedID, dfnskeys.ExportOptions{})
	require.NoError(t, err)
	exported.Destroy()

	p = startProc(t, env, args...)
	require.Equal(t, 1, p.wait(t))
	again := readReport(t, report)
	require.Equal(t, bulk.StatusUnusable, again[1].Status)
	require.Nil(t, again[1].Proved)
	require.Contains(t, again[1].Error, "Dfns now reports that key exported")
	for _, row := range []int{2, 3} {
		require.Equal(t, bulk.StatusAlreadyImported, again[row].Status)
		require.True(t, *again[row].Proved)
	}
	require.Contains(t, p.stderr(), "1 unusable (Dfns reports the key exported, archived or deleted)")
	require.Contains(t, p.stderr(), "proofs: 2 proved")
	require.Contains(t, lastLine(p.stderr()), "Dfns now reports their keys exported, archived or deleted")
	require.Contains(t, lastLine(p.stderr()), "import them with a new journal")
	require.Equal(t, 3, srv.SignatureCount(), "the rerun asked for the same requests")
}

func readReport(t *testing.T, path string) map[int]bulk.ReportLine {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	out := map[int]bulk.ReportLine{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var l bulk.ReportLine
		require.NoError(t, json.Unmarshal([]byte(line), &l))
		out[l.Row] = l
	}
	return out
}

func simClient(t *testing.T, srv *sim.Server) *dfnskeys.Client {
	t.Helper()
	return srv.Client()
}
