package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signers"
)

// Every script gets its own in-process simulator (see setupSimulator) and
// these environment variables:
//
//	DFNS_API_URL, DFNS_AUTH_TOKEN, DFNS_CRED_ID  the simulator's URL, a token
//	                                             with every permission, and
//	                                             its credential
//	DFNS_PRIVATE_KEY    $WORK/credential.pem, the credential's private key
//	SIM_READONLY_TOKEN  a token with only Signers:ListSigners and Keys:Read
//	SIM_CLOSED_URL      an http:// URL on a loopback port nobody listens on
//
// The offline scripts ignore them. Besides the helper programs of TestMain,
// scripts have these commands, which run in the test process and so can see
// the simulator:
//
//	status N          the last dfnskeys command exited with status N
//	simsigners        print what 'dfnskeys signers' should print, computed
//	                  independently from the simulator's clusters
//	simkeys           print how many keys the simulator holds: "N keys"
//	simkey ID         print key ID as GET /keys/{keyId} reports it; fails
//	                  when there is no such key
//	simcorrupt N      the simulator's next N signatures do not verify
//	simcreate SCHEME CURVE
//	                  have the simulator create a key itself (POST /keys)
//	                  and print it as simkey does
//	envjson VAR FIELD set $VAR to the string FIELD of the JSON object on the
//	                  last command's standard output
//	envjsonl VAR FILE NAME FIELD
//	                  set $VAR to the string FIELD of the JSON line in FILE
//	                  whose "name" is NAME
//	envfile VAR FILE  write $VAR and a newline to FILE (mode 0600)
//	hex2raw IN OUT    write the bytes spelled in hex in file IN to file OUT
//	simtamper I       make GET /signers list another encryption key for the
//	                  signer at position I of the first cluster (a tampered
//	                  API front end); $VICTIM is set to its signer ID
//	simimports        print how many POST /keys/import requests the
//	                  simulator received: "N imports sent"
//	simsubstitute [-export-only] ID OTHER
//	                  make the simulator answer for key ID with key OTHER
//	                  in GET /keys, GET /keys/{keyId} and the export (a
//	                  hostile API: sim.Server.SubstituteKey), or in
//	                  the export only (Server.SubstituteExport)
//	simexports        print how many export requests the simulator
//	                  received: "N exports sent"
//	simfault 5xx|drop import|list-keys N
//	                  the simulator's next N requests on that route fail
//	                  (502 before processing) or are dropped (processed,
//	                  no answer)
//
// A script with a file named simulator.json gets a simulator configured by
// it (see simulatorConfig): a hostile cluster ID or key IDs, and
// environment variables holding any text, control characters included,
// which a script cannot otherwise spell.

// statusFileEnv names the file where the dfnskeys script command records
// its exit status for the status command.
const statusFileEnv = "DFNSKEYS_TEST_STATUS_FILE"

// simServerKey is the testscript.Env value holding the *sim.Server.
type simServerKey struct{}

// runRecordingStatus is the dfnskeys script command: run, with its exit
// status recorded for the status command. A run that does not return (a
// panic) leaves no status, which status reports.
func runRecordingStatus() {
	statusFile := os.Getenv(statusFileEnv)
	if statusFile != "" {
		os.Remove(statusFile)
	}
	code := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	if statusFile != "" {
		if err := os.WriteFile(statusFile, []byte(strconv.Itoa(code)), 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "dfnskeys test wrapper: recording the exit status: %v\n", err)
			os.Exit(100)
		}
	}
	os.Exit(code)
}

// simulatorConfig is the simulator.json file of a script: JSON, so that
// its strings may hold any character as a \u escape.
type simulatorConfig struct {
	// ClusterID is the first cluster's ID (sim.WithClusterID).
	ClusterID string `json:"clusterId"`
	// KeyIDPrefix starts every key ID (sim.WithKeyIDPrefix).
	KeyIDPrefix string `json:"keyIdPrefix"`
	// Env sets environment variables of the script.
	Env map[string]string `json:"env"`
}

func setupSimulator(env *testscript.Env) error {
	// The script's files are made private (0600), as key files should be:
	// dfnskeys warns about key files others can read, and a script that
	// tests it makes one so with chmod.
	if err := filepath.WalkDir(env.WorkDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			err = os.Chmod(p, 0o600)
		}
		return err
	}); err != nil {
		return err
	}
	var cfg simulatorConfig
	if b, err := os.ReadFile(filepath.Join(env.WorkDir, "simulator.json")); err == nil {
		if err := json.Unmarshal(b, &cfg); err != nil {
			return fmt.Errorf("simulator.json: %w", err)
		}
	} else if !os.IsNotExist(err) {
		return err
	}
	var opts []sim.ServerOption
	if cfg.ClusterID != "" {
		opts = append(opts, sim.WithClusterID(cfg.ClusterID))
	}
	if cfg.KeyIDPrefix != "" {
		opts = append(opts, sim.WithKeyIDPrefix(cfg.KeyIDPrefix))
	}
	for k, v := range cfg.Env {
		env.Setenv(k, v)
	}
	srv, err := sim.StartServer(opts...)
	if err != nil {
		return err
	}
	env.Defer(srv.Close)
	env.Values[simServerKey{}] = srv
	pemPath := filepath.Join(env.WorkDir, "credential.pem")
	if err := os.WriteFile(pemPath, srv.CredentialPEM(), 0o600); err != nil {
		return err
	}
	closed, err := closedURL()
	if err != nil {
		return err
	}
	env.Setenv("DFNS_API_URL", srv.URL())
	env.Setenv("DFNS_AUTH_TOKEN", srv.Token())
	env.Setenv("DFNS_CRED_ID", srv.CredentialID())
	env.Setenv("DFNS_PRIVATE_KEY", pemPath)
	env.Setenv("SIM_READONLY_TOKEN", srv.NewToken("Signers:ListSigners", "Keys:Read"))
	env.Setenv("SIM_CLOSED_URL", closed)
	env.Setenv(statusFileEnv, filepath.Join(env.WorkDir, ".tmp", "dfnskeys-status"))
	if os.Getenv("GORACE") == "" {
		// Under -race every exiting process otherwise sleeps 1 s, and the
		// scripts run dfnskeys hundreds of times. A race still fails the
		// run: it exits 66, which status and the output checks catch.
		env.Setenv("GORACE", "atexit_sleep_ms=0")
	}
	return usePlainCommands(env)
}

// closedURL returns the URL of a loopback port that was just free.
func closedURL() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return "", err
	}
	return "http://" + addr, nil
}

func simServer(ts *testscript.TestScript) *sim.Server {
	srv, ok := ts.Value(simServerKey{}).(*sim.Server)
	if !ok {
		ts.Fatalf("no simulator: TestScript's Setup did not run")
	}
	return srv
}

func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: status N")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	b, err := os.ReadFile(ts.Getenv(statusFileEnv))
	if err != nil {
		ts.Fatalf("no exit status recorded: the last dfnskeys command did not return (%v)", err)
	}
	if got, _ := strconv.Atoi(string(b)); got != want {
		ts.Fatalf("dfnskeys exited with status %d, want %d", got, want)
	}
}

func cmdSimsigners(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: simsigners")
	}
	for _, c := range simServer(ts).Clusters() {
		type signer struct {
			id       []byte
			wire     string
			key      string
			keyBytes []byte
		}
		var ss []signer
		for _, w := range c.WireSigners() {
			id, err := base64.StdEncoding.DecodeString(w.SignerID)
			ts.Check(err)
			kb, err := base64.StdEncoding.DecodeString(w.EncryptionKey)
			ts.Check(err)
			ss = append(ss, signer{id, w.SignerID, w.EncryptionKey, kb})
		}
		slices.SortFunc(ss, func(a, b signer) int { return bytes.Compare(a.id, b.id) })
		fmt.Fprintf(ts.Stdout(), "cluster %s: %d signers\n", c.ID, len(ss))
		for i, s := range ss {
			sum := sha256.Sum256(s.keyBytes)
			fmt.Fprintf(ts.Stdout(), "%3d signer      %s\n    key         %s\n    fingerprint %x\n", i+1, s.wire, s.key, sum[:])
		}
	}
}

func cmdSimkeys(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: simkeys")
	}
	fmt.Fprintf(ts.Stdout(), "%d keys\n", len(simServer(ts).Keys()))
}

func cmdSimkey(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: simkey ID")
	}
	k, ok := simServer(ts).Key(args[0])
	if ok == neg {
		if neg {
			ts.Fatalf("the simulator holds key %s", args[0])
		}
		ts.Fatalf("the simulator holds no key %s", args[0])
	}
	if ok {
		b, err := json.MarshalIndent(&k.Key, "", "  ")
		ts.Check(err)
		fmt.Fprintf(ts.Stdout(), "%s\n", b)
	}
}

// cmdSimcreate has the simulator create a key itself (POST /keys), as Dfns
// does for the keys it makes, and prints it as GET /keys/{keyId} would.
func cmdSimcreate(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: simcreate SCHEME CURVE")
	}
	k, err := simServer(ts).CreateKey(&keys.CreateRequest{Scheme: args[0], Curve: keys.Curve(args[1]), Name: "native"})
	ts.Check(err)
	b, err := json.MarshalIndent(&k.Key, "", "  ")
	ts.Check(err)
	fmt.Fprintf(ts.Stdout(), "%s\n", b)
}

// cmdSimcorrupt makes the simulator's next N signatures invalid.
func cmdSimcorrupt(ts *testscript.TestScript, neg bool, args []string) {
	n, err := strconv.Atoi(strings.Join(args, ""))
	if neg || len(args) != 1 || err != nil {
		ts.Fatalf("usage: simcorrupt N")
	}
	if err := simServer(ts).SetFaults(sim.Fault{Kind: sim.BadSignature, Count: n}); err != nil {
		ts.Fatalf("simcorrupt: %v", err)
	}
}

func cmdEnvJSON(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: envjson VAR FIELD")
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(ts.ReadFile("stdout")), &obj); err != nil {
		ts.Fatalf("stdout is not a JSON object: %v", err)
	}
	v, ok := obj[args[1]].(string)
	if !ok {
		ts.Fatalf("stdout has no string field %q", args[1])
	}
	ts.Setenv(args[0], v)
}

func cmdEnvFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: envfile VAR FILE")
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(ts.Getenv(args[0])+"\n"), 0o600))
}

func cmdHex2Raw(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: hex2raw IN OUT")
	}
	b, err := hex.DecodeString(strings.TrimSpace(ts.ReadFile(args[0])))
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), b, 0o600))
}

func cmdSimtamper(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: simtamper I")
	}
	i, err := strconv.Atoi(args[0])
	ts.Check(err)
	srv := simServer(ts)
	victim := srv.Clusters()[0].WireSigners()[i]
	attacker, err := sim.NewCluster(1)
	ts.Check(err)
	ts.Check(srv.SubstituteListedSigner(0, i, signers.Signer{SignerID: victim.SignerID, EncryptionKey: attacker.WireSigners()[0].EncryptionKey}))
	ts.Setenv("VICTIM", victim.SignerID)
}

func cmdSimimports(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: simimports")
	}
	n := 0
	for _, r := range simServer(ts).Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/import") {
			n++
		}
	}
	fmt.Fprintf(ts.Stdout(), "%d imports sent\n", n)
}

func cmdSimsubstitute(ts *testscript.TestScript, neg bool, args []string) {
	exportOnly := len(args) == 3 && args[0] == "-export-only"
	if exportOnly {
		args = args[1:]
	}
	if neg || len(args) != 2 {
		ts.Fatalf("usage: simsubstitute [-export-only] ID OTHER")
	}
	sub := simServer(ts).SubstituteKey
	if exportOnly {
		sub = simServer(ts).SubstituteExport
	}
	if err := sub(args[0], args[1]); err != nil {
		ts.Fatalf("simsubstitute: %v", err)
	}
}

// cmdSimfault injects N faults of one kind (5xx: 502 before processing;
// drop: processed, then the connection dropped) on one route (import:
// POST /keys/import; list-keys: GET /keys).
func cmdSimfault(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: simfault 5xx|drop import|list-keys N")
	}
	n, err := strconv.Atoi(args[2])
	ts.Check(err)
	f := sim.Fault{Count: n}
	switch args[0] {
	case "5xx":
		f.Kind, f.Status = sim.FailBefore, 502
	case "drop":
		f.Kind = sim.DropResponse
	default:
		ts.Fatalf("simfault: unknown kind %q", args[0])
	}
	switch args[1] {
	case "import":
		f.Route = sim.RouteImportKey
	case "list-keys":
		f.Route = sim.RouteListKeys
	default:
		ts.Fatalf("simfault: unknown route %q", args[1])
	}
	ts.Check(simServer(ts).SetFaults(f))
}

func cmdSimexports(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: simexports")
	}
	n := 0
	for _, r := range simServer(ts).Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/export") {
			n++
		}
	}
	fmt.Fprintf(ts.Stdout(), "%d exports sent\n", n)
}

func cmdEnvJSONL(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 4 {
		ts.Fatalf("usage: envjsonl VAR FILE NAME FIELD")
	}
	for _, line := range strings.Split(ts.ReadFile(args[1]), "\n") {
		var obj map[string]any
		if json.Unmarshal([]byte(line), &obj) != nil || obj["name"] != args[2] {
			continue
		}
		v, ok := obj[args[3]].(string)
		if !ok {
			ts.Fatalf("the line named %q has no string field %q", args[2], args[3])
		}
		ts.Setenv(args[0], v)
		return
	}
	ts.Fatalf("%s has no JSON line named %q", args[1], args[2])
}
