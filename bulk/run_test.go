package bulk_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/address"
	"github.com/dfnskeys/dfnskeys/bulk"
	"github.com/dfnskeys/dfnskeys/bulk/internal/journal"
	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/stretchr/testify/require"
)

func client(t testing.TB, srv *sim.Server) *dfnskeys.Client {
	t.Helper()
	return srv.Client(dfnskeys.WithRetryPolicy(dfnskeys.RetryPolicy{MaxAttempts: 6, InitialBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond, MaxRetryAfter: 5 * time.Second, LookupAttempts: 2, LookupDelay: 10 * time.Millisecond}))
}

// fixture writes key files of several formats and an input listing them.
type fixture struct {
	dir, input string
	want       map[int]string // row → expected public key, for rows that must import
	rows       int
}

func newFixture(t testing.TB, n int, extra ...string) *fixture {
	t.Helper()
	f := &fixture{dir: t.TempDir(), want: map[int]string{}}
	f.input = filepath.Join(f.dir, "input.jsonl")
	var lines []string
	for i := 1; i <= n; i++ {
		var (
			row  map[string]string
			pub  string
			file = fmt.Sprintf("k%d", i)
		)
		switch i % 4 {
		case 0: // secp256k1 hex with 0x
			k := randomKey(t, keys.Secp256k1)
			writeFile(t, f.dir, file, []byte("0x"+hex.EncodeToString(k.Bytes())+"\n"))
			row, pub = map[string]string{"curve": "secp256k1"}, k.PublicKeyHex()
			a, _ := address.ForKey(keys.Secp256k1, k.PublicKey())
			row["expectedAddress"] = a.Ethereum
		case 1: // WIF, FROST_BITCOIN
			k := randomKey(t, keys.Secp256k1)
			w, err := keyformat.Encode(keyformat.WIF, k, keyformat.EncodeOptions{})
			require.NoError(t, err)
			writeFile(t, f.dir, file, w)
			row, pub = map[string]string{"curve": "secp256k1", "format": "wif", "protocol": "FROST_BITCOIN"}, k.PublicKeyHex()
		case 2: // Solana keypair
			seed := make([]byte, 32)
			_, _ = rand.Read(seed)
			kp := ed25519.NewKeyFromSeed(seed)
			nums := make([]string, 64)
			for j, b := range kp {
				nums[j] = fmt.Sprint(b)
			}
			writeFile(t, f.dir, file, []byte("["+strings.Join(nums, ",")+"]"))
			k, err := keys.NewPrivateKey(keys.Ed25519, seed)
			require.NoError(t, err)
			row, pub = map[string]string{"curve": "ed25519", "format": "solana"}, k.PublicKeyHex()
		case 3: // stark hex
			k := randomKey(t, keys.Stark)
			writeFile(t, f.dir, file, []byte(hex.EncodeToString(k.Bytes())))
			row, pub = map[string]string{"curve": "stark"}, k.PublicKeyHex()
		}
		row["keyFile"], row["name"] = file, fmt.Sprintf("wallet %d", i)
		b, _ := json.Marshal(row)
		lines = append(lines, string(b))
		f.want[i] = pub
	}
	lines = append(lines, extra...)
	f.rows = len(lines)
	writeFile(t, f.dir, "input.jsonl", []byte(strings.Join(lines, "\n")+"\n"))
	return f
}

func writeFile(t testing.TB, dir, name string, data []byte) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o600))
}

func randomKey(t testing.TB, c keys.Curve) *keys.PrivateKey {
	t.Helper()
	k, err := keys.GeneratePrivateKey(c)
	require.NoError(t, err)
	return k
}

func run(t testing.TB, ctx context.Context, f *fixture, c *dfnskeys.Client, mod func(*bulk.ImportOptions)) (*bulk.Summary, map[int]bulk.ReportLine) {
	t.Helper()
	return runWith(t, bulk.Import, ctx, f, c, mod)
}

// validate is run as a dry run (ImportOptions.DryRun): no client, no
// journal.
func validate(t testing.TB, ctx context.Context, f *fixture, mod func(*bulk.ImportOptions)) (*bulk.Summary, map[int]bulk.ReportLine) {
	t.Helper()
	dryRun := func(ctx context.Context, opts bulk.ImportOptions) (*bulk.Summary, error) {
		opts.DryRun = true
		return bulk.Import(ctx, opts)
	}
	return runWith(t, dryRun, ctx, f, nil, mod)
}

func runWith(t testing.TB, entry func(context.Context, bulk.ImportOptions) (*bulk.Summary, error), ctx context.Context, f *fixture, c *dfnskeys.Client, mod func(*bulk.ImportOptions)) (*bulk.Summary, map[int]bulk.ReportLine) {
	t.Helper()
	var report bytes.Buffer
	opts := bulk.ImportOptions{InputPath: f.input, JournalPath: filepath.Join(f.dir, "journal"), Report: &report, Workers: 4, Client: c}
	if mod != nil {
		mod(&opts)
	}
	sum, err := entry(ctx, opts)
	require.NoError(t, err)
	lines := map[int]bulk.ReportLine{}
	sc := bufio.NewScanner(&report)
	for sc.Scan() {
		var l bulk.ReportLine
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l))
		_, dup := lines[l.Row]
		require.False(t, dup, "row %d reported twice", l.Row)
		lines[l.Row] = l
	}
	return sum, lines
}

// serverKeys maps public key → number of keys the simulator holds with it.
func serverKeys(srv *sim.Server) map[string]int {
	m := map[string]int{}
	for _, k := range srv.Keys() {
		m[k.Key.PublicKey]++
	}
	return m
}

func requireExactlyOnce(t *testing.T, srv *sim.Server, f *fixture) {
	t.Helper()
	got := serverKeys(srv)
	require.Len(t, got, len(f.want))
	for row, pub := range f.want {
		require.Equal(t, 1, got[pub], "row %d: keys with public key %s", row, pub)
	}
	require.Len(t, srv.Keys(), len(f.want))
}

func TestRunImportsEveryRowOnceAndReportsMalformedRows(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	c := client(t, srv)
	f := newFixture(t, 12,
		`{"keyFile":"k1"}`, // 13: no curve
		`not json`,         // 14
		`{"keyFile":"missing","curve":"secp256k1"}`,                                                           // 15: no such file
		`{"keyFile":"k4","curve":"secp256k1","expectedAddress":"0x0000000000000000000000000000000000000001"}`, // 16
		`{"keyFile":"k4","curve":"secp256k1","extra":true,"note":"x"}`,                                        // 17: unknown fields, ignored
		`{"keyFle":"k4","curve":"secp256k1"}`,                                                                 // 18: misspelt field
	)
	var notices []string
	sum, lines := run(t, context.Background(), f, c, func(o *bulk.ImportOptions) {
		o.Notice = func(s string) { notices = append(notices, s) }
	})
	require.Equal(t, []string{"ignoring the input's unknown fields extra, note (the fields read are name, keyFile, format, curve, protocol, path, expectedAddress, kind, passwordEnv, passwordFile, requestFile)"}, notices, "the unknown fields are mentioned once")
	require.Equal(t, 18, sum.Total)
	require.Equal(t, 12, sum.Imported)
	require.Equal(t, 1, sum.AlreadyImported)
	require.Equal(t, 5, sum.Failed)
	require.Len(t, lines, 18, "one report line per input row")
	for row, pub := range f.want {
		l := lines[row]
		require.Equal(t, bulk.StatusImported, l.Status, "row %d: %s", row, l.Error)
		require.Equal(t, pub, l.PublicKey)
		require.True(t, strings.HasPrefix(l.KeyID, "key-"))
		require.NotNil(t, l.Addresses)
		require.Equal(t, fmt.Sprintf("wallet %d", row), l.Name)
	}
	require.Contains(t, lines[13].Error, "curve is required")
	require.Contains(t, lines[14].Error, "not a JSON object")
	require.Contains(t, lines[15].Error, "opening keyFile missing")
	require.Contains(t, lines[16].Error, "expected address")
	require.Equal(t, bulk.StatusAlreadyImported, lines[17].Status, lines[17].Error)
	require.Equal(t, 4, lines[17].DuplicateOf)
	require.Equal(t, lines[4].KeyID, lines[17].KeyID)
	require.Equal(t, `unknown field "keyFle": did you mean "keyFile"?`, lines[18].Error)
	require.Empty(t, lines[16].KeyID)
	requireExactlyOnce(t, srv, f)

	// The same input again imports nothing.
	sum, lines = run(t, context.Background(), f, c, nil)
	require.Equal(t, 0, sum.Imported)
	require.Equal(t, 13, sum.AlreadyImported)
	require.Equal(t, 5, sum.Failed)
	for row := range f.want {
		require.Equal(t, bulk.StatusAlreadyImported, lines[row].Status)
		require.NotEmpty(t, lines[row].KeyID)
	}
	requireExactlyOnce(t, srv, f)
	for _, l := range lines {
		b, _ := json.Marshal(l)
		for row := range f.want {
			raw, _ := os.ReadFile(filepath.Join(f.dir, fmt.Sprintf("k%d", row)))
			require.NotContains(t, string(b), strings.TrimSpace(strings.TrimPrefix(string(raw), "0x")), "no secret in the report")
		}
	}
}

// The two crash points: killed after the import was processed but before it
// was journaled, and killed after journaling "started" but before sending.
func TestRunResolvesInterruptedRows(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	c := client(t, srv)
	f := newFixture(t, 3)
	digest, err := journal.InputDigest(f.input)
	require.NoError(t, err)
	j, err := journal.Open(filepath.Join(f.dir, "journal"), digest)
	require.NoError(t, err)
	pub1, _ := hex.DecodeString(f.want[1])
	pub2, _ := hex.DecodeString(f.want[2])
	require.NoError(t, j.Put(1, journal.Record{State: journal.StateStarted, PublicKey: pub1}))
	require.NoError(t, j.Put(2, journal.Record{State: journal.StateStarted, PublicKey: pub2}))
	require.NoError(t, j.Close())
	// Row 1's import went through before the "crash".
	raw, _ := os.ReadFile(filepath.Join(f.dir, "k1"))
	k1, err := keyformat.Parse(keyformat.WIF, "", raw, keyformat.Secrets{})
	require.NoError(t, err)
	created, err := c.ImportKey(context.Background(), k1, dfnskeys.ImportKeyOptions{Protocol: keys.FROSTBitcoin})
	require.NoError(t, err)

	before := len(srv.Requests())
	sum, lines := run(t, context.Background(), f, c, nil)
	require.Equal(t, bulk.StatusAlreadyImported, lines[1].Status)
	require.Equal(t, created.ID, lines[1].KeyID)
	require.Equal(t, bulk.StatusImported, lines[2].Status)
	require.Equal(t, bulk.StatusImported, lines[3].Status)
	require.Equal(t, 2, sum.Imported)
	requireExactlyOnce(t, srv, f)
	// An unresolved started row is searched for as often as the retry
	// policy's lookups say (client sets LookupAttempts 2) before it is
	// imported; those listings fill the client's key index too, so
	// nothing lists the keys again.
	listings := 0
	for _, r := range srv.Requests()[before:] {
		if r.Method == "POST" && r.Path == "/keys/import" {
			break
		}
		if r.Method == "GET" && r.Path == "/keys" {
			listings++
		}
	}
	require.Equal(t, 2, listings, "GET /keys before the first import")
}

func TestRunUnderFaultsConverges(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	c := client(t, srv)
	f := newFixture(t, 40)
	srv.SetLatency(2 * time.Millisecond)
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.FailBefore, Route: sim.RouteImportKey, Rate: 0.1, Status: http.StatusServiceUnavailable})) // ambiguous: never resent
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.FailBefore, Route: sim.RouteListKeys, Rate: 0.1, Status: http.StatusBadGateway}))
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.FailBefore, Route: sim.RouteActionInit, Rate: 0.1, Status: http.StatusInternalServerError}))
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.RateLimit, Route: sim.RouteImportKey, Count: 5}))
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.DropResponse, Route: sim.RouteImportKey, Count: 3}))
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.FailAfter, Route: sim.RouteImportKey, Count: 3, Status: http.StatusBadGateway}))
	runs := 0
	for {
		runs++
		require.Less(t, runs, 15, "the runs must converge")
		sum, lines := run(t, context.Background(), f, c, func(o *bulk.ImportOptions) { o.Workers = 8 })
		require.Len(t, lines, 40)
		if sum.Failed == 0 {
			break
		}
	}
	requireExactlyOnce(t, srv, f)
	t.Logf("converged after %d runs", runs)
}

func TestRunInterruptFinishesInFlightRows(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	c := client(t, srv)
	f := newFixture(t, 60)
	srv.SetLatency(5 * time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	imports := func() int {
		n := 0
		for _, r := range srv.Requests() {
			if r.Method == "POST" && r.Path == "/keys/import" {
				n++
			}
		}
		return n
	}
	importsAtCancel, inFlight, told := -1, -1, 0
	sum, lines := run(t, ctx, f, c, func(o *bulk.ImportOptions) {
		o.ProgressEvery = time.Nanosecond
		o.Progress = func(p bulk.Progress) {
			if p.Done >= 10 && importsAtCancel < 0 {
				importsAtCancel = imports()
				cancel()
			}
		}
		o.OnInterrupt = func(n int) { inFlight = n; told++ }
	})
	require.True(t, sum.Interrupted)
	require.Equal(t, 1, told, "OnInterrupt is called once, before Run returns")
	require.Equal(t, inFlight, sum.InFlightAtInterrupt)
	require.LessOrEqual(t, inFlight, 4, "at most one row per worker is in flight")
	// No row starts after the interrupt: the only imports sent after it are
	// those of the rows in flight. (Rows used to wait in a buffered channel
	// and start after the interrupt: up to 4 more here.)
	require.LessOrEqual(t, imports()-importsAtCancel, inFlight)
	require.Less(t, sum.Done, 60)
	require.Equal(t, sum.Done, len(lines))
	for _, l := range lines {
		require.Equal(t, bulk.StatusImported, l.Status, "a row in flight at the interrupt finishes: %s", l.Error)
	}
	require.Len(t, srv.Keys(), sum.Imported, "every started row finished")
	sum, _ = run(t, context.Background(), f, c, nil)
	require.False(t, sum.Interrupted)
	require.Equal(t, 60, sum.Imported+sum.AlreadyImported)
	requireExactlyOnce(t, srv, f)
}

func TestValidateSendsNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 8, `{"keyFile":"k1","curve":"ed25519"}`)
	sum, lines := validate(t, context.Background(), f, nil)
	require.Equal(t, 8, sum.Valid)
	require.Equal(t, 1, sum.Failed)
	require.Equal(t, bulk.StatusValid, lines[3].Status)
	require.Equal(t, f.want[3], lines[3].PublicKey)
	require.Equal(t, bulk.StatusFailed, lines[9].Status)
	_, err := os.Stat(filepath.Join(f.dir, "journal"))
	require.True(t, os.IsNotExist(err), "a dry run writes no journal")
}

func TestCSVInputAndChangedInput(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	c := client(t, srv)
	f := newFixture(t, 4)
	var csv strings.Builder
	csv.WriteString("name,keyFile,format,curve,protocol,path,expectedAddress\n")
	sc := bufio.NewScanner(strings.NewReader(mustRead(t, f.input)))
	for sc.Scan() {
		var r map[string]string
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r))
		fmt.Fprintf(&csv, "%q,%s,%s,%s,%s,,%s\n", r["name"], r["keyFile"], r["format"], r["curve"], r["protocol"], r["expectedAddress"])
	}
	f.input = filepath.Join(f.dir, "input.csv")
	writeFile(t, f.dir, "input.csv", []byte(csv.String()))
	sum, lines := run(t, context.Background(), f, c, nil)
	require.Equal(t, 4, sum.Imported, "%v", lines)
	requireExactlyOnce(t, srv, f)

	// A changed input cannot reuse the journal.
	writeFile(t, f.dir, "input.csv", []byte(csv.String()+"\"x\",k1,wif,secp256k1,,,\n"))
	_, err := bulk.Import(context.Background(), bulk.ImportOptions{InputPath: f.input, JournalPath: filepath.Join(f.dir, "journal"), Report: &bytes.Buffer{}, Client: c})
	require.ErrorContains(t, err, "different input file")
}

func mustRead(t testing.TB, path string) string {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

// A row waiting for a policy approval is never resent: a second request,
// once approved, would create a second key. Once the key exists (approved),
// a rerun finds it.
func TestRunPolicyApprovalIsNeverResent(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	c := client(t, srv)
	f := newFixture(t, 3)
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.PolicyApproval, Route: sim.RouteImportKey, Rate: 1}))
	sum, lines := run(t, context.Background(), f, c, nil)
	require.Equal(t, 3, sum.Failed)
	require.Contains(t, lines[1].Error, "needs policy approval ap-")
	require.Empty(t, srv.Keys())

	// Policies off now, but the rows are still waiting for their approvals.
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.PolicyApproval, Route: sim.RouteImportKey}))
	sum, lines = run(t, context.Background(), f, c, nil)
	require.Equal(t, 3, sum.Failed)
	require.Contains(t, lines[2].Error, "waits for policy approval ap-")
	require.Empty(t, srv.Keys(), "nothing resent")

	// Row 2's approval goes through: Dfns creates its key.
	raw, _ := os.ReadFile(filepath.Join(f.dir, "k2"))
	k2, err := keyformat.Parse(keyformat.Solana, "", raw, keyformat.Secrets{})
	require.NoError(t, err)
	created, err := c.ImportKey(context.Background(), k2, dfnskeys.ImportKeyOptions{})
	require.NoError(t, err)
	sum, lines = run(t, context.Background(), f, c, nil)
	require.Equal(t, bulk.StatusAlreadyImported, lines[2].Status)
	require.Equal(t, created.ID, lines[2].KeyID)
	require.Equal(t, 2, sum.Failed)
	require.Len(t, srv.Keys(), 1)
}

// A row whose import created a key with another public key is reported,
// never imported again.
func TestRunRejectedRowIsNeverResent(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	c := client(t, srv)
	f := newFixture(t, 2)
	digest, err := journal.InputDigest(f.input)
	require.NoError(t, err)
	j, err := journal.Open(filepath.Join(f.dir, "journal"), digest)
	require.NoError(t, err)
	require.NoError(t, j.Put(1, journal.Record{State: journal.StateRejected, PublicKey: []byte{2}, KeyID: "key-odd"}))
	require.NoError(t, j.Close())
	sum, lines := run(t, context.Background(), f, c, nil)
	require.Equal(t, bulk.StatusFailed, lines[1].Status)
	require.Equal(t, "key-odd", lines[1].KeyID)
	require.Contains(t, lines[1].Error, "created key key-odd with a different public key")
	require.Equal(t, 1, sum.Imported)
	require.Len(t, srv.Keys(), 1)
}

// Killed after a 202 arrived but before it was journaled, a row reads as
// started. In a journal that has seen a policy approval, such a row is
// never resent: it may be waiting for an approval too. Rows never started
// are imported as usual.
func TestRunStartedRowIsNotResentOnceApprovalsWereSeen(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	c := client(t, srv)
	f := newFixture(t, 3)
	digest, err := journal.InputDigest(f.input)
	require.NoError(t, err)
	j, err := journal.Open(filepath.Join(f.dir, "journal"), digest)
	require.NoError(t, err)
	pub1, _ := hex.DecodeString(f.want[1])
	pub2, _ := hex.DecodeString(f.want[2])
	// Row 1 was approved and imported long ago; its record keeps the mark.
	require.NoError(t, j.Put(1, journal.Record{State: journal.StateImported, PublicKey: pub1, KeyID: "key-approved", Approval: true}))
	require.NoError(t, j.Put(2, journal.Record{State: journal.StateStarted, PublicKey: pub2}))
	require.NoError(t, j.Close())

	sum, lines := run(t, context.Background(), f, c, nil)
	require.Equal(t, bulk.StatusFailed, lines[2].Status)
	require.Contains(t, lines[2].Error, "may wait for a policy approval (this journal has seen approvals), so it is not sent again")
	require.Equal(t, bulk.StatusImported, lines[3].Status)
	require.Equal(t, 1, sum.Imported)
	require.Len(t, srv.Keys(), 1, "row 2 was not sent")

	// Still not sent on the next run; found once Dfns has the key.
	_, lines = run(t, context.Background(), f, c, nil)
	require.Contains(t, lines[2].Error, "so it is not sent again")
	raw, _ := os.ReadFile(filepath.Join(f.dir, "k2"))
	k2, err := keyformat.Parse(keyformat.Solana, "", raw, keyformat.Secrets{})
	require.NoError(t, err)
	created, err := c.ImportKey(context.Background(), k2, dfnskeys.ImportKeyOptions{})
	require.NoError(t, err)
	_, lines = run(t, context.Background(), f, c, nil)
	require.Equal(t, bulk.StatusAlreadyImported, lines[2].Status)
	require.Equal(t, created.ID, lines[2].KeyID)
	require.Len(t, srv.Keys(), 2)
}

// The summary counts what the network did to the run: counted faults on
// the import route give exact numbers.
func TestRunSummaryCountsFaultsRetriesAndLookups(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	c := client(t, srv)
	f := newFixture(t, 6)
	// Two reads answered 502 (retried), one import dropped after it was
	// processed (looked up by public key, not resent).
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.FailBefore, Route: sim.RouteListKeys, Count: 2, Status: http.StatusBadGateway}))
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.DropResponse, Route: sim.RouteImportKey, Count: 1}))
	sum, lines := run(t, context.Background(), f, c, func(o *bulk.ImportOptions) { o.Workers = 1 })
	require.Len(t, lines, 6)
	require.Zero(t, sum.Failed)
	require.Equal(t, int64(3), sum.Network.Faults, "2 failed reads and 1 dropped import")
	require.Equal(t, int64(2), sum.Network.Retries, "the reads are retried; the import is not resent")
	require.Equal(t, int64(1), sum.Network.Lookups, "the dropped import is looked up")
	requireExactlyOnce(t, srv, f)

	// A second run meets no fault: its own counts are zero.
	sum, _ = run(t, context.Background(), f, c, nil)
	require.Equal(t, dfnskeys.CallStats{}, sum.Network)
}
