package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/internal/safefile"
	"github.com/dfnskeys/dfnskeys/internal/safetext"
	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/keys"
)

var simulatorCommand = &command{
	name:    "simulator",
	summary: "run a local Dfns-compatible API to practise against",
	usage: `Usage: dfnskeys simulator --state-dir DIR [--addr 127.0.0.1:0] [--signers 5]
         [--create-key SCHEME/CURVE]... [--state-file FILE]
         [--latency DURATION] [--faults SPEC]

Runs a Dfns-compatible API on a loopback address until interrupted. Its
signing cluster really decrypts, validates and recombines key shares, and it
verifies user-action signatures, so any Dfns client can practise imports
and exports against it. It writes the credential's private key to
DIR/credential.pem (mode 0600) and prints shell lines that set
DFNS_API_URL, DFNS_AUTH_TOKEN, DFNS_CRED_ID and DFNS_PRIVATE_KEY:

	sim=$(mktemp -d)
	dfnskeys simulator --state-dir "$sim" > "$sim/env" &
	sleep 1; . "$sim/env"

State lives in memory: keys vanish when the simulator stops, unless
--state-file names a file to keep them in. The simulator writes that file
(mode 0600, atomically, never through a symbolic link) after every change,
before it answers, and when it stops; started again with the same
--state-file and --state-dir it brings back its signers, credential, token,
keys, signature requests and, unless --addr says otherwise, its address, so
its URL (which journals record) stays the same (if that port is taken, it
serves on another and prints the new settings). The state file holds the
signers' decryption keys, every key's shares and the credential's private
key IN THE CLEAR: it is for rehearsals only, never for a key of value.

Rehearsing a migration: production answers slower and sometimes fails.
--latency delays every response and --faults injects failures at random;
stop and restart the simulator midway with the same command to rehearse an
outage:

	sim=$(mktemp -d)
	dfnskeys simulator --state-dir "$sim" --state-file "$sim/state.json" \
	    --addr 127.0.0.1:8555 --latency 40ms \
	    --faults 429=0.05,import-5xx=0.01,import-drop=0.01 > "$sim/env" &
	sleep 1; . "$sim/env"
	dfnskeys bulk-import --input keys.csv --journal run.journal \
	    --report imported.jsonl
	# stop the simulator (kill %1) and start it again with the same
	# command: the keys are still there, and a rerun of bulk-import
	# skips the rows it imported
	dfnskeys bulk-export --input imported.jsonl --out-dir out \
	    --report exported.jsonl

Faults (--faults), a comma list of NAME=RATE, RATE a fraction from 0 to 1
of the requests that get the fault:

  429          answer 429 Too Many Requests with Retry-After: 1, unprocessed
  5xx          answer 503 before processing the request
  5xx-after    process the request (a key is imported), then answer 502
  drop         process the request, then drop the connection unanswered
  bad-signature  sign, but return a signature that does not verify, so that a
               proof (prove, import --prove, bulk-import --prove) fails
  confirmed    report a signed request as Confirmed (as Dfns does once a
               signature is broadcast) instead of Signed; a proof takes
               either as signed
               (bad-signature and confirmed take no prefix: they concern
               signature requests only)

A name alone applies to every route; prefixed with import- (key and wallet
imports), export- (key and wallet exports), sign- (signature requests, POST
/keys/{keyId}/signatures), action- (user-action signing) or read- (every
GET), to those routes only: import-drop=0.01. Signature requests are
idempotent by externalId, as in Dfns: a proof whose POST got sign-5xx-after
or sign-drop is retried and answered with the request made first, so
--faults sign-5xx=0.12,sign-drop=0.12,confirmed=0.3 rehearses proofs that
still land once per key.

Like Dfns, it also creates keys itself (POST /keys with scheme, curve and
name; every ECDSA key it creates is a CGGMP24 key). To rehearse exporting
such a native key, start it with --create-key: the key IDs are printed on
standard error.

Flags:
  --state-dir DIR        where to write credential.pem (created if needed, mode
                         0700); refused when it is a link, or writable by or
                         belonging to another user
  --addr ADDR            listen address, loopback only (default 127.0.0.1:0)
  --signers N            signers in the cluster (default 5)
  --create-key SCHEME/CURVE
                         create a key as Dfns would, at start: ECDSA/secp256k1,
                         ECDSA/stark, Schnorr/secp256k1 or EdDSA/ed25519;
                         repeat for more keys; not repeated when the state
                         comes back from --state-file
  --state-file FILE      keep the state in FILE, secrets in the clear, for
                         rehearsals (see above); restored when it exists
  --latency DURATION     delay every response by DURATION (Go syntax: 20ms,
                         1.5s; default 0)
  --faults SPEC          inject faults at random (see above)
`,
	run: runSimulator,
}

func runSimulator(e *env, args []string) error {
	fs := newFlagSet("simulator")
	stateDir := pathFlag(fs, "state-dir")
	addr := fs.String("addr", "127.0.0.1:0", "")
	n := fs.Int("signers", 5, "")
	var create []keys.CreateRequest
	fs.Func("create-key", "", func(v string) error {
		scheme, curve, ok := strings.Cut(v, "/")
		if !ok {
			return fmt.Errorf("%q is not SCHEME/CURVE, for example ECDSA/secp256k1", v)
		}
		create = append(create, keys.CreateRequest{Scheme: scheme, Curve: keys.Curve(curve), Name: "created by the simulator"})
		return nil
	})
	stateFile := pathFlag(fs, "state-file")
	latency := fs.Duration("latency", 0, "")
	var faults []sim.Fault
	faultSpec := ""
	fs.Func("faults", "", func(v string) error {
		var err error
		faults, err = sim.ParseFaults(v)
		faultSpec = strings.Join(strings.Fields(strings.ReplaceAll(v, ",", " ")), ",")
		return err
	})
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := requireFlags("state-dir", *stateDir); err != nil {
		return err
	}
	if *n < 2 || *n > 256 {
		return usagef("--signers %d is invalid: a cluster has 2 to 256 signers", *n)
	}
	if *latency < 0 || *latency > maxLatency {
		return usagef("--latency %s is invalid: use 0 to %s, for example 20ms", *latency, maxLatency)
	}
	signersSet := false
	fs.Visit(func(f *flag.Flag) { signersSet = signersSet || f.Name == "signers" })
	if *stateFile != "" {
		// The state file is written at start, often into --state-dir.
		if err := makeStateDir(*stateDir); err != nil {
			return err
		}
	}
	// Without a state file, start (and so validate --addr) before
	// creating anything on disk.
	opts := []sim.ServerOption{sim.WithAddr(*addr), sim.WithSigners(*n), sim.WithRequestLog(1000)}
	if len(faults) > 0 {
		// One line per fault injected, so that a rehearsal shows what it
		// exercised. The path is the client's: escaped.
		var mu sync.Mutex
		opts = append(opts, sim.WithFaultLog(func(line string) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(e.stderr, "dfnskeys simulator: %s\n", safetext.Line(line))
		}))
	}
	if *stateFile != "" {
		opts = append(opts, sim.WithStateFile(*stateFile))
	}
	srv, err := sim.StartServer(opts...)
	if err != nil {
		return err
	}
	defer srv.Close()
	if srv.Restored() {
		if got := len(srv.Clusters()[0].Signers); signersSet && got != *n {
			return usagef("--signers %d: the cluster in --state-file %s has %d signers; drop --signers, or start a new state file", *n, *stateFile, got)
		}
		*n = len(srv.Clusters()[0].Signers)
		create = nil
	}
	srv.SetLatency(*latency)
	if err := srv.SetFaults(faults...); err != nil {
		return err
	}
	var created []*sim.StoredServerKey
	for _, req := range create {
		k, err := srv.CreateKey(&req)
		if err != nil {
			return usagef("--create-key %s/%s: %v", req.Scheme, req.Curve, err)
		}
		created = append(created, k)
	}
	if err := writeSimulatorEnv(e, srv, *stateDir); err != nil {
		return err
	}
	announceSimulator(e, srv, *n, *stateFile, *latency, faultSpec, created)
	ctx, stop := e.context()
	defer stop()
	<-ctx.Done()
	srv.Close()
	if err := srv.SaveState(); err != nil {
		return err
	}
	fmt.Fprintln(e.stderr, "dfnskeys simulator: stopped")
	return nil
}

// writeSimulatorEnv writes the credential to stateDir/credential.pem and
// prints the shell lines that point a client at srv.
func writeSimulatorEnv(e *env, srv *sim.Server, stateDir string) error {
	if err := makeStateDir(stateDir); err != nil {
		return err
	}
	pemPath, err := filepath.Abs(filepath.Join(stateDir, "credential.pem"))
	if err != nil {
		return err
	}
	if err := writePrivateFile(pemPath, srv.CredentialPEM()); err != nil {
		return fmt.Errorf("writing the credential: %w", err)
	}
	fmt.Fprintf(e.stdout, "export DFNS_API_URL=%s\n", shellQuote(srv.URL()))
	fmt.Fprintf(e.stdout, "export DFNS_AUTH_TOKEN=%s\n", shellQuote(srv.Token()))
	fmt.Fprintf(e.stdout, "export DFNS_CRED_ID=%s\n", shellQuote(srv.CredentialID()))
	fmt.Fprintf(e.stdout, "export DFNS_PRIVATE_KEY=%s\n", shellQuote(pemPath))
	if f, ok := e.stdout.(*os.File); ok {
		_ = f.Sync()
	}
	return nil
}

// announceSimulator says on standard error what the simulator serves.
func announceSimulator(e *env, srv *sim.Server, n int, stateFile string, latency time.Duration, faultSpec string, created []*sim.StoredServerKey) {
	fmt.Fprintf(e.stderr, "dfnskeys simulator: serving %s with %d signers; interrupt to stop\n", srv.URL(), n)
	switch {
	case srv.Restored():
		fmt.Fprintf(e.stderr, "dfnskeys simulator: restored %d %s from %s (--create-key is not repeated); it holds secrets in the clear: for rehearsals only\n",
			srv.KeyCount(), plural(srv.KeyCount(), "key", "keys"), stateFile)
	case stateFile != "":
		fmt.Fprintf(e.stderr, "dfnskeys simulator: keeping the state in %s, secrets in the clear: for rehearsals only\n", stateFile)
	}
	if latency > 0 || faultSpec != "" {
		fmt.Fprintf(e.stderr, "dfnskeys simulator: latency %s; faults: %s\n", latency, cmp.Or(faultSpec, "none"))
	}
	for _, k := range created {
		fmt.Fprintf(e.stderr, "dfnskeys simulator: created key %s (%s, %s, %s), public key %s\n",
			k.Key.ID, k.Key.Scheme, k.Key.Curve, k.Shares.Scheme.Protocol, k.Key.PublicKey)
	}
}

// maxLatency bounds --latency: a longer delay rehearses nothing useful.
const maxLatency = time.Minute

// makeStateDir creates dir if needed and checks it: not a symbolic link
// (one could be replaced to redirect the credential), and private
// (safefile.CheckDir).
func makeStateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating --state-dir: %w", err)
	}
	if fi, err := os.Lstat(dir); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("--state-dir %s is a symbolic link: give the directory itself (a fresh private one: mktemp -d)", dir)
	}
	return safefile.CheckDir("--state-dir "+dir, dir, safefile.TrustContents)
}

// writePrivateFile writes data to path, mode 0600, with
// safefile.Replace: a new file beside it renamed into place, which
// replaces a symbolic link rather than writing through it.
func writePrivateFile(path string, data []byte) error {
	f, err := safefile.Replace(path, data, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}

// shellQuote quotes s for POSIX shells.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

var demoCommand = &command{
	name:    "demo",
	summary: "import and export a key of every scheme, offline",
	usage: `Usage: dfnskeys demo [--json]

Starts an embedded Dfns-compatible simulator, imports a fresh random key for
each supported protocol/curve pair (CGGMP24 and CGGMP21 on secp256k1 and
stark, FROST_BITCOIN/secp256k1, FROST/ed25519) through the API client with
signed user actions, exports each back and checks that the recovered key
equals the original. It then has the simulator create a key itself, as Dfns
does for its own keys (CGGMP24/secp256k1), and exports it, checking the
recovered key against the key's public key. It prints a table within 80
columns: the scheme, the key ID, the import (or, marked *, creation) and
export times, and ok, or FAILED and, below the table, why; --json prints
one JSON object per row instead (scheme, keyId, created, importTime,
exportTime, ok, error). No account and no network are needed.
`,
	run: runDemo,
}

func runDemo(e *env, args []string) error {
	fs := newFlagSet("demo")
	asJSON := fs.Bool("json", false, "")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	srv, err := sim.StartServer(sim.WithRequestLog(1000))
	if err != nil {
		return err
	}
	defer srv.Close()
	c := srv.Client()
	ctx, stop := e.context()
	defer stop()
	list, err := c.Signers.List(ctx)
	if err != nil {
		return err
	}
	if !*asJSON {
		fmt.Fprintf(e.stdout, "dfnskeys demo: simulated Dfns API at %s,\ncluster %s with %d signers\n\n",
			srv.URL(), safetext.Text(list.Clusters[0].ClusterID), len(list.Clusters[0].Signers))
	}
	// A table within 80 columns; what failed is said below it, in full.
	table := [][]string{{"SCHEME", "KEY ID", "IMPORT", "EXPORT", "RESULT"}}
	var failures []string
	add := func(r demoRow) {
		if *asJSON {
			j := demoJSON{Scheme: strings.TrimSuffix(r.label, "*"), KeyID: r.keyID, Created: strings.HasSuffix(r.label, "*"),
				ImportTime: strings.TrimPrefix(r.importTime, "*"), ExportTime: r.exportTime, OK: r.err == nil}
			if r.err != nil {
				j.Error = r.err.Error()
			}
			b, _ := json.Marshal(j)
			e.stdout.Write(safetext.JSON(append(b, '\n')))
		}
		table = append(table, []string{r.label, r.keyID, r.importTime, r.exportTime, r.result})
		if r.err != nil {
			failures = append(failures, fmt.Sprintf("%s: %v", r.label, r.err))
		}
	}
	for _, s := range keys.SupportedSchemes() {
		add(demoScheme(ctx, c, s))
	}
	add(demoNative(ctx, c))
	if *asJSON {
		if len(failures) > 0 {
			return fmt.Errorf("%d of %d demonstrations failed", len(failures), len(keys.SupportedSchemes())+1)
		}
		return nil
	}
	printTable(e.stdout, table, 80, nil)
	fmt.Fprintln(e.stdout, "\nok: the key recovered from the export is the key imported")
	fmt.Fprintln(e.stdout, "*: created by the simulated Dfns itself (create time shown), not imported;\n   the key recovered matches the public key Dfns reports")
	for _, f := range failures {
		fmt.Fprintf(e.stdout, "FAILED %s\n", safetext.Line(f))
	}
	if failed := len(failures); failed > 0 {
		return fmt.Errorf("%d of %d demonstrations failed", failed, len(keys.SupportedSchemes())+1)
	}
	fmt.Fprintf(e.stdout, "\nall %d protocol/curve pairs: imported, exported and recovered the same key\n", len(keys.SupportedSchemes()))
	fmt.Fprintf(e.stdout, "a key the simulated Dfns created itself: exported and recovered, matching\nits public key\n")
	return nil
}

// demoJSON is one line of 'dfnskeys demo --json'.
type demoJSON struct {
	Scheme     string `json:"scheme"`
	KeyID      string `json:"keyId"`
	Created    bool   `json:"created,omitempty"` // created by the simulated Dfns, not imported
	ImportTime string `json:"importTime"`        // the creation time when Created
	ExportTime string `json:"exportTime"`
	OK         bool   `json:"ok"`
	Error      string `json:"error,omitempty"`
}

// demoRow is one line of the demo's table; err says why it failed.
type demoRow struct {
	label, keyID, importTime, exportTime, result string
	err                                          error
}

// demoFailed is the row of a demonstration that failed at stage.
func demoFailed(label, stage string, err error) demoRow {
	return demoRow{label: label, keyID: "-", importTime: "-", exportTime: "-", result: "FAILED at " + stage, err: fmt.Errorf("at %s: %w", stage, err)}
}

// demoDuration rounds d for the table.
func demoDuration(d time.Duration) string { return d.Round(100 * time.Microsecond).String() }

// demoNative creates a key in the simulated cluster (Dfns makes every
// ECDSA key it creates a CGGMP24 key) and exports it.
func demoNative(ctx context.Context, c *dfnskeys.Client) demoRow {
	const label = "CGGMP24/secp256k1*"
	fail := func(stage string, err error) demoRow { return demoFailed(label, stage, err) }
	start := time.Now()
	created, err := c.Keys.Create(ctx, &keys.CreateRequest{Scheme: "ECDSA", Curve: keys.Secp256k1, Name: "demo native key"})
	if err != nil {
		return fail("create", err)
	}
	createTime := time.Since(start)
	start = time.Now()
	// A key Dfns created is known only by what the API reports: there
	// is no other expectation to give.
	recovered, faulty, err := c.ExportKey(ctx, created.ID, dfnskeys.ExportOptions{})
	if err != nil {
		return fail("export", err)
	}
	defer recovered.Destroy()
	exportTime := time.Since(start)
	if len(faulty) > 0 {
		return fail("export", fmt.Errorf("faulty signers: %s", faulty))
	}
	if recovered.PublicKeyHex() != created.PublicKey {
		return fail("comparison", errors.New("the recovered key's public key differs from the key's"))
	}
	return demoRow{label: label, keyID: safetext.Text(created.ID), importTime: "*" + demoDuration(createTime), exportTime: demoDuration(exportTime), result: "ok*"}
}

func demoScheme(ctx context.Context, c *dfnskeys.Client, s keys.Scheme) demoRow {
	fail := func(stage string, err error) demoRow { return demoFailed(s.String(), stage, err) }
	key, err := keys.GeneratePrivateKey(s.Curve)
	if err != nil {
		return fail("key generation", err)
	}
	defer key.Destroy()
	start := time.Now()
	created, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{Protocol: s.Protocol, Name: "demo " + s.String()})
	if err != nil {
		return fail("import", err)
	}
	importTime := time.Since(start)
	start = time.Now()
	// The export is bound to the key imported: its public key, computed
	// here, not the one the API reports.
	recovered, faulty, err := c.ExportKey(ctx, created.ID, dfnskeys.ExportOptions{Expect: keys.ExpectPublicKey(key.PublicKey())})
	if err != nil {
		return fail("export", err)
	}
	if len(faulty) > 0 {
		defer recovered.Destroy()
		return fail("export", fmt.Errorf("faulty signers: %s", faulty))
	}
	defer recovered.Destroy()
	exportTime := time.Since(start)
	if !recovered.Equal(key) {
		return fail("comparison", errors.New("the recovered key differs from the imported key"))
	}
	return demoRow{label: s.String(), keyID: safetext.Text(created.ID), importTime: demoDuration(importTime), exportTime: demoDuration(exportTime), result: "ok"}
}
