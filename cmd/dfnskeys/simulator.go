package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/dfnskeys/dfnskeys"
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
signers really decrypt, validate and recombine key shares, and it verifies
user-action signatures, so any Dfns client can practise against it. It
writes the credential's private key to DIR/credential.pem (mode 0600) and
prints shell lines setting DFNS_API_URL, DFNS_AUTH_TOKEN, DFNS_CRED_ID and
DFNS_PRIVATE_KEY:

	sim=$(mktemp -d)
	dfnskeys simulator --state-dir "$sim" > "$sim/env" &
	sleep 1; . "$sim/env"

State lives in memory unless --state-file names a file to keep it in,
written (mode 0600, atomically, never through a symbolic link) after every
change, before answering, and at stop. Started again with the same
--state-file and --state-dir, it brings back its signers, credential,
token, keys, signature requests and, unless --addr says otherwise, its
address, so its URL (which journals record) stays the same (if the port
is taken, it serves on another and prints the new settings). The file
holds the signers' decryption keys, every key's shares and the
credential's private key IN THE CLEAR: it is for rehearsals only.

Rehearsing a migration: production is slower and sometimes fails.
--latency delays every response, --faults injects failures at random, and
a stop and restart with the same command (kill %1, then again) rehearses
an outage: the keys are still there, and a rerun of bulk-import skips the
rows it imported. For example:

	dfnskeys simulator --state-dir "$sim" --state-file "$sim/state.json" \
	    --addr 127.0.0.1:8555 --latency 40ms \
	    --faults 429=0.05,import-5xx=0.01,import-drop=0.01 > "$sim/env" &

--faults is a comma list of NAME=RATE, RATE the fraction (0 to 1) of
requests that get the fault:

  429          answer 429 Too Many Requests with Retry-After: 1, unprocessed
  5xx          answer 503 before processing the request
  5xx-after    process the request (a key is imported), then answer 502
  drop         process the request, then drop the connection unanswered
  bad-signature  sign, but return a signature that does not verify: a
               proof (prove, import --prove, bulk-import --prove) fails
  confirmed    report a signed request Confirmed (as Dfns does once it is
               broadcast) instead of Signed; a proof takes either

A name alone applies to every route; prefixed with import- (key and wallet
imports), export- (key and wallet exports), sign- (POST
/keys/{keyId}/signatures), action- (user-action signing) or read- (every
GET), to those only (bad-signature and confirmed take no prefix). As in
Dfns, signature requests are idempotent by externalId: a proof whose POST
got sign-5xx-after or sign-drop is retried and answered with the first
request, so sign-5xx=0.12,sign-drop=0.12,confirmed=0.3 rehearses proofs
that still land once per key.

Like Dfns, it also creates keys itself (POST /keys with scheme, curve and
name; every ECDSA key it creates is CGGMP24). To rehearse exporting such a
native key, start it with --create-key: the key IDs go to standard error.

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
		if err := sim.PrepareDir("--state-dir "+*stateDir, *stateDir); err != nil {
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
	settings, err := srv.WriteEnv("--state-dir "+*stateDir, *stateDir)
	if err != nil {
		return err
	}
	for _, kv := range settings {
		fmt.Fprintf(e.stdout, "export %s=%s\n", kv[0], shellQuote(kv[1]))
	}
	if f, ok := e.stdout.(*os.File); ok {
		_ = f.Sync()
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
	native := keys.Scheme{Protocol: keys.CGGMP24, Curve: keys.Secp256k1}
	for i, s := range append(keys.SupportedSchemes(), native) {
		r := demoRoundTrip(ctx, c, s, i == len(keys.SupportedSchemes()))
		if *asJSON {
			b, _ := json.Marshal(r)
			e.stdout.Write(safetext.JSON(append(b, '\n')))
		}
		label, importTime, result := r.Scheme, r.ImportTime, "ok"
		if r.Created {
			label, importTime, result = label+"*", "*"+importTime, "ok*"
		}
		if !r.OK {
			importTime, result = "-", "FAILED at "+r.stage
			failures = append(failures, fmt.Sprintf("%s: %s", label, r.Error))
		}
		table = append(table, []string{label, r.KeyID, importTime, r.ExportTime, result})
	}
	if len(failures) > 0 && *asJSON {
		return fmt.Errorf("%d of %d demonstrations failed", len(failures), len(table)-1)
	} else if *asJSON {
		return nil
	}
	printTable(e.stdout, table, 80, nil)
	fmt.Fprintln(e.stdout, "\nok: the key recovered from the export is the key imported")
	fmt.Fprintln(e.stdout, "*: created by the simulated Dfns itself (create time shown), not imported;\n   the key recovered matches the public key Dfns reports")
	for _, f := range failures {
		fmt.Fprintf(e.stdout, "FAILED %s\n", safetext.Line(f))
	}
	if len(failures) > 0 {
		return fmt.Errorf("%d of %d demonstrations failed", len(failures), len(table)-1)
	}
	fmt.Fprintf(e.stdout, "\nall %d protocol/curve pairs: imported, exported and recovered the same key\n", len(keys.SupportedSchemes()))
	fmt.Fprintf(e.stdout, "a key the simulated Dfns created itself: exported and recovered, matching\nits public key\n")
	return nil
}

// demoRow is one demonstration: a line of the table, or of --json.
type demoRow struct {
	Scheme     string `json:"scheme"`
	KeyID      string `json:"keyId"`
	Created    bool   `json:"created,omitempty"` // created by the simulated Dfns, not imported
	ImportTime string `json:"importTime"`        // the creation time when Created
	ExportTime string `json:"exportTime"`
	OK         bool   `json:"ok"`
	Error      string `json:"error,omitempty"`
	stage      string // where it failed
}

// demoRoundTrip imports a fresh random key of scheme s, exports it and
// checks that the recovered key is the key imported; or, native, has the
// simulated Dfns create the key itself (every ECDSA key Dfns creates is a
// CGGMP24 key) and checks the recovered key against its public key, the
// only expectation there is for it.
func demoRoundTrip(ctx context.Context, c *dfnskeys.Client, s keys.Scheme, native bool) demoRow {
	r := demoRow{Scheme: s.String(), Created: native, KeyID: "-", ImportTime: "-", ExportTime: "-"}
	fail := func(stage string, err error) demoRow {
		r.KeyID, r.ImportTime, r.ExportTime, r.stage, r.Error = "-", "-", "-", stage, fmt.Sprintf("at %s: %v", stage, err)
		return r
	}
	var key *keys.PrivateKey
	var keyID, publicKey string
	var opts dfnskeys.ExportOptions
	start := time.Now()
	if native {
		created, err := c.Keys.Create(ctx, &keys.CreateRequest{Scheme: "ECDSA", Curve: s.Curve, Name: "demo native key"})
		if err != nil {
			return fail("create", err)
		}
		keyID, publicKey = created.ID, created.PublicKey
	} else {
		var err error
		if key, err = keys.GeneratePrivateKey(s.Curve); err != nil {
			return fail("key generation", err)
		}
		defer key.Destroy()
		created, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{Protocol: s.Protocol, Name: "demo " + s.String()})
		if err != nil {
			return fail("import", err)
		}
		// The export is bound to the key imported: its public key,
		// computed here, not the one the API reports.
		keyID, opts.Expect = created.ID, keys.ExpectPublicKey(key.PublicKey())
	}
	r.ImportTime, start = demoDuration(time.Since(start)), time.Now()
	recovered, faulty, err := c.ExportKey(ctx, keyID, opts)
	if err != nil {
		return fail("export", err)
	}
	defer recovered.Destroy()
	r.ExportTime = demoDuration(time.Since(start))
	switch {
	case len(faulty) > 0:
		return fail("export", fmt.Errorf("faulty signers: %s", faulty))
	case native && recovered.PublicKeyHex() != publicKey:
		return fail("comparison", errors.New("the recovered key's public key differs from the key's"))
	case !native && !recovered.Equal(key):
		return fail("comparison", errors.New("the recovered key differs from the imported key"))
	}
	r.KeyID, r.OK = safetext.Text(keyID), true
	return r
}

// demoDuration rounds d for the table.
func demoDuration(d time.Duration) string { return d.Round(100 * time.Microsecond).String() }
