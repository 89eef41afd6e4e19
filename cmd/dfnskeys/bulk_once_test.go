package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dfnskeys/dfnskeys/bulk"
	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/stretchr/testify/require"
)

// The real-process tests of "import exactly once, whatever the user does":
// two runs at once, Ctrl-C once and twice, a journal used against another
// simulator, a 202 followed by a kill.

// onceInput writes rows secp256k1 hex keys, each in its own file, named
// "row N", and the input listing them; it returns the input's path and the
// public key of every row.
func onceInput(t *testing.T, dir string, rows int) (string, map[int]string) {
	t.Helper()
	input, err := os.Create(filepath.Join(dir, "input.jsonl"))
	require.NoError(t, err)
	pubs := map[int]string{}
	for i := 1; i <= rows; i++ {
		k := killTestKey(t, keys.Secp256k1)
		name := fmt.Sprintf("k%d.hex", i)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(hex.EncodeToString(k.Bytes())), 0o600))
		fmt.Fprintf(input, `{"name":"row %d","keyFile":%q,"curve":"secp256k1"}`+"\n", i, name)
		pubs[i] = k.PublicKeyHex()
	}
	require.NoError(t, input.Close())
	return input.Name(), pubs
}

// simEnv returns the environment that points dfnskeys at srv.
func simEnv(t *testing.T, srv *sim.Server, dir string) []string {
	t.Helper()
	pem := filepath.Join(dir, fmt.Sprintf("cred-%p.pem", srv))
	require.NoError(t, os.WriteFile(pem, srv.CredentialPEM(), 0o600))
	return append(os.Environ(), "DFNS_API_URL="+srv.URL(), "DFNS_AUTH_TOKEN="+srv.Token(), "DFNS_CRED_ID="+srv.CredentialID(), "DFNS_PRIVATE_KEY="+pem)
}

// proc is a dfnskeys process whose standard error is collected line by
// line as it comes.
type proc struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	errs []string
	line chan string
	done chan error
}

func startProc(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(buildBinary(t), args...), line: make(chan string, 1000), done: make(chan error, 1)}
	p.cmd.Env = env
	stderr, err := p.cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, p.cmd.Start())
	t.Cleanup(func() { _ = p.cmd.Process.Kill() })
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.errs = append(p.errs, sc.Text())
			p.mu.Unlock()
			select {
			case p.line <- sc.Text():
			default:
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		p.done <- p.cmd.Wait()
	}()
	return p
}

// waitLine waits for a line of standard error matching re.
func (p *proc) waitLine(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case l := <-p.line:
			if m := re.FindStringSubmatch(l); m != nil {
				return m
			}
		case <-timeout:
			t.Fatalf("no line matching %s; stderr:\n%s", re, p.stderr())
		}
	}
}

// wait waits for the process to end and returns its exit status.
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case err := <-p.done:
		if err == nil {
			return 0
		}
		exit, ok := err.(*exec.ExitError)
		require.True(t, ok, "%v", err)
		return exit.ExitCode()
	case <-time.After(5 * time.Minute):
		t.Fatalf("the process did not end; stderr:\n%s", p.stderr())
		return -1
	}
}

func (p *proc) stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.errs, "\n")
}

// countRequests counts the simulator's requests with method and path.
func countRequests(srv *sim.Server, method, path string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// requireOneKeyPerRow checks that the simulator holds exactly one key for
// each row's public key and nothing else, and that report maps every row
// to it.
func requireOneKeyPerRow(t *testing.T, srv *sim.Server, pubs map[int]string, report string) {
	t.Helper()
	byPub := map[string]string{}
	for _, k := range srv.Keys() {
		_, dup := byPub[k.Key.PublicKey]
		require.False(t, dup, "two keys with public key %s", k.Key.PublicKey)
		byPub[k.Key.PublicKey] = k.Key.ID
	}
	require.Len(t, byPub, len(pubs))
	data, err := os.ReadFile(report)
	require.NoError(t, err)
	seen := map[int]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var l bulk.ReportLine
		require.NoError(t, json.Unmarshal([]byte(line), &l))
		require.Contains(t, []string{bulk.StatusImported, bulk.StatusAlreadyImported}, l.Status, "row %d: %s", l.Row, l.Error)
		require.Equal(t, pubs[l.Row], l.PublicKey, "row %d", l.Row)
		require.Equal(t, byPub[l.PublicKey], l.KeyID, "row %d", l.Row)
		seen[l.Row] = true
	}
	require.Len(t, seen, len(pubs))
}

var interruptedLine = regexp.MustCompile(`^dfnskeys: bulk-import: interrupted: no new row is started; waiting for the (\d+) rows? in flight to finish \(interrupt again to stop at once\)$`)

// Ctrl-C under latency: the message comes at once with the number of rows
// in flight, no row starts after the signal (every user action the
// simulator sees after it belongs to a row in flight), the summary says
// the run was interrupted and how to resume, and the rerun completes with
// every key imported exactly once.
func TestBulkImportSIGINTStartsNothingNew(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("slow: builds the binary")
	}
	srv := sim.NewServer(t)
	srv.SetLatency(40 * time.Millisecond)
	dir := t.TempDir()
	input, pubs := onceInput(t, dir, 120)
	env := simEnv(t, srv, dir)
	report := filepath.Join(dir, "report.jsonl")
	args := []string{"bulk-import", "--input", input, "--journal", filepath.Join(dir, "journal"), "--report", report, "--workers", "8"}

	p := startProc(t, env, args...)
	require.Eventually(t, func() bool { return srv.KeyCount() >= 8 }, time.Minute, 5*time.Millisecond)
	// Each row's import starts with exactly one user-action challenge.
	initsBefore := countRequests(srv, "POST", "/auth/action/init")
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGINT))
	m := p.waitLine(t, interruptedLine)
	inFlight, _ := strconv.Atoi(m[1])
	require.LessOrEqual(t, inFlight, 8)
	require.Equal(t, 1, p.wait(t), p.stderr())
	require.LessOrEqual(t, countRequests(srv, "POST", "/auth/action/init")-initsBefore, inFlight,
		"the only rows whose import began after the signal were in flight at it")
	require.Regexp(t, `(?m)^120 rows: \d+ imported, 0 already imported \(skipped\), 0 failed, \d+ not started \(interrupted\), in `, p.stderr())
	require.Regexp(t, fmt.Sprintf(`(?m)^dfnskeys: bulk-import: interrupted after \d+ of 120 rows \(the %d in flight finished; no row started after the interrupt\): rerun the same command to continue$`, inFlight), p.stderr())
	keysAfterStop := srv.KeyCount()
	require.Less(t, keysAfterStop, 120)

	srv.SetLatency(0)
	p = startProc(t, env, args...)
	require.Equal(t, 0, p.wait(t), p.stderr())
	require.Regexp(t, fmt.Sprintf(`(?m)^120 rows: %d imported, %d already imported \(skipped\), 0 failed, in `, 120-keysAfterStop, keysAfterStop), p.stderr())
	requireOneKeyPerRow(t, srv, pubs, report)
}

// A second Ctrl-C stops at once and says what a rerun will settle; the
// rerun imports every key exactly once, resolving the rows that were in
// flight by looking them up.
func TestBulkImportSecondSIGINTStopsAtOnce(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("slow: builds the binary")
	}
	srv := sim.NewServer(t)
	srv.SetLatency(300 * time.Millisecond)
	dir := t.TempDir()
	input, pubs := onceInput(t, dir, 40)
	env := simEnv(t, srv, dir)
	report := filepath.Join(dir, "report.jsonl")
	args := []string{"bulk-import", "--input", input, "--journal", filepath.Join(dir, "journal"), "--report", report, "--workers", "8"}

	p := startProc(t, env, args...)
	require.Eventually(t, func() bool { return countRequests(srv, "POST", "/auth/action/init") >= 8 }, time.Minute, 5*time.Millisecond)
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGINT))
	m := p.waitLine(t, interruptedLine)
	n, _ := strconv.Atoi(m[1])
	require.Positive(t, n, "rows were in flight")
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGINT))
	require.Equal(t, 1, p.wait(t), p.stderr())
	require.Contains(t, p.stderr(), fmt.Sprintf("dfnskeys: bulk-import: stopped at once with up to %d rows in flight, whose imports may or may not have been sent. The journal records such rows as started, so a rerun looks each one up in Dfns before sending anything: none is imported twice. Rerun the same command to continue; this run's report was not written", n))
	require.NoFileExists(t, report)

	// Let requests the killed run had sent reach the simulator.
	time.Sleep(time.Second)
	srv.SetLatency(0)
	p = startProc(t, env, args...)
	require.Equal(t, 0, p.wait(t), p.stderr())
	requireOneKeyPerRow(t, srv, pubs, report)
}

// Two runs on one journal at the same time: the second refuses at once,
// naming the journal and the first run's process, and sends nothing; the
// first imports every key once.
func TestBulkImportTwoRunsOnOneJournal(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("slow: builds the binary")
	}
	srv := sim.NewServer(t)
	srv.SetLatency(20 * time.Millisecond)
	dir := t.TempDir()
	input, pubs := onceInput(t, dir, 60)
	env := simEnv(t, srv, dir)
	journal := filepath.Join(dir, "journal")
	args := []string{"bulk-import", "--input", input, "--journal", journal, "--workers", "4"}

	first := startProc(t, env, append(args, "--report", filepath.Join(dir, "first.jsonl"))...)
	require.Eventually(t, func() bool { return srv.KeyCount() >= 1 }, time.Minute, 5*time.Millisecond)
	second := startProc(t, env, append(args, "--report", filepath.Join(dir, "second.jsonl"))...)
	require.Equal(t, 1, second.wait(t), second.stderr())
	host, _ := os.Hostname()
	require.Equal(t, fmt.Sprintf("dfnskeys: bulk-import: the journal %s is in use by process %d on host %s: another bulk-import is running on it, and two runs on one journal could import keys twice; wait for it to finish, or stop it (Ctrl-C) and rerun", journal, first.cmd.Process.Pid, host), second.stderr())
	require.NoFileExists(t, filepath.Join(dir, "second.jsonl"))
	require.Equal(t, 0, first.wait(t), first.stderr())
	requireOneKeyPerRow(t, srv, pubs, filepath.Join(dir, "first.jsonl"))
	require.NoFileExists(t, journal+".pid", "the sidecar goes with the run")
}

// A policy holds every import for approval (202): the run is killed with
// SIGKILL while imports are being answered, and rerun twice after the
// policy is lifted. No row's import is ever sent twice: rows recorded as waiting are not resent, and nor are the
// rows in flight at the kill, since any of them may have been answered 202
// just before it.
func TestBulkImportPolicyApprovalThenKill(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("slow: builds the binary")
	}
	srv := sim.NewServer(t)
	srv.SetLatency(30 * time.Millisecond)
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.PolicyApproval, Route: sim.RouteImportKey, Rate: 1}))
	dir := t.TempDir()
	input, _ := onceInput(t, dir, 60)
	env := simEnv(t, srv, dir)
	report := filepath.Join(dir, "report.jsonl")
	args := []string{"bulk-import", "--input", input, "--journal", filepath.Join(dir, "journal"), "--report", report, "--workers", "8"}

	answered := func() int {
		n := 0
		for _, r := range srv.Requests() {
			if r.Path == "/keys/import" && r.Status == 202 {
				n++
			}
		}
		return n
	}
	p := startProc(t, env, args...)
	require.Eventually(t, func() bool { return answered() >= 10 }, time.Minute, time.Millisecond)
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
	p.wait(t)
	time.Sleep(500 * time.Millisecond) // requests the killed run sent reach the simulator

	// The policy is lifted: the rerun imports the rows never sent, and
	// sends none of the others again.
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.PolicyApproval, Route: sim.RouteImportKey}))
	p = startProc(t, env, args...)
	require.Equal(t, 1, p.wait(t), "rows wait for approval: %s", p.stderr())
	p = startProc(t, env, args...)
	require.Equal(t, 1, p.wait(t), p.stderr())

	sends := map[string]int{}
	for _, r := range srv.Requests() {
		if r.Method == "POST" && r.Path == "/keys/import" {
			var body struct{ Name string }
			require.NoError(t, json.Unmarshal(r.Body, &body))
			sends[body.Name]++
			require.Equal(t, 1, sends[body.Name], "%s's import was sent twice", body.Name)
		}
	}
	data, err := os.ReadFile(report)
	require.NoError(t, err)
	waiting := 0
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var l bulk.ReportLine
		require.NoError(t, json.Unmarshal([]byte(line), &l))
		switch l.Status {
		case bulk.StatusImported, bulk.StatusAlreadyImported:
			require.Equal(t, 1, sends[l.Name], "row %d was sent once", l.Row)
		case bulk.StatusFailed:
			require.Regexp(t, `waits for policy approval ap-|may wait for a policy approval`, l.Error)
			waiting++
		default:
			t.Fatalf("row %d: %s", l.Row, l.Status)
		}
	}
	t.Logf("%d rows sent once each, %d still waiting (answered 202, or in flight at the kill), %d imported", len(sends), waiting, srv.KeyCount())
	require.GreaterOrEqual(t, waiting, 10, "the rows answered 202 before the kill are still waiting")
	require.Positive(t, srv.KeyCount())
	require.Equal(t, 60-waiting, srv.KeyCount(), "every other row was imported once the policy was lifted")
}

// A journal from a rehearsal (one simulator) used against production (a
// second simulator) is refused before anything is sent, with a message
// that says how to start a new journal; the new journal imports everything.
func TestBulkImportJournalOfAnotherTarget(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("slow: builds the binary")
	}
	rehearsal, production := sim.NewServer(t), sim.NewServer(t)
	dir := t.TempDir()
	input, pubs := onceInput(t, dir, 20)
	journal := filepath.Join(dir, "journal")
	report := filepath.Join(dir, "report.jsonl")
	args := []string{"bulk-import", "--input", input, "--journal", journal, "--report", report}

	p := startProc(t, simEnv(t, rehearsal, dir), args...)
	require.Equal(t, 0, p.wait(t), p.stderr())
	require.Equal(t, 20, rehearsal.KeyCount())

	p = startProc(t, simEnv(t, production, dir), args...)
	require.Equal(t, 1, p.wait(t))
	require.Equal(t, fmt.Sprintf("dfnskeys: bulk-import: the journal %s was made against %s, organisation %s, cluster %s, but this run is against %s, organisation %s, cluster %s: a journal only describes keys in the API, organisation and signing cluster it was made against (a rehearsal's journal says nothing about production). To import into this one, start a new journal (--journal NEW_FILE): keys it already holds are found and reported, not imported again",
		journal, rehearsal.URL(), rehearsal.OrgID(), rehearsal.Clusters()[0].ID, production.URL(), production.OrgID(), production.Clusters()[0].ID), p.stderr())
	require.Zero(t, production.KeyCount())
	require.Zero(t, countRequests(production, "POST", "/auth/action/init"), "nothing was sent")

	p = startProc(t, simEnv(t, production, dir), "bulk-import", "--input", input, "--journal", filepath.Join(dir, "production.journal"), "--report", report)
	require.Equal(t, 0, p.wait(t), p.stderr())
	requireOneKeyPerRow(t, production, pubs, report)
}
