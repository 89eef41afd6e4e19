package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/dfnskeys/dfnskeys/encryption"
	"github.com/dfnskeys/dfnskeys/internal/sharding"
	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signers"
)

// scriptCommands are the programs scripts run: this test binary, run under
// these names.
var scriptCommands = map[string]func(){
	"dfnskeys":     runRecordingStatus,
	"simcluster":   helper(simcluster),
	"mergesigners": helper(mergesigners),
	"simimport":    helper(simimport),
	"simexport":    helper(simexport),
	"filemode":     helper(filemode),
}

func TestMain(m *testing.M) {
	testscript.Main(cleanupM{m}, scriptCommands)
}

// cleanupM runs the tests, then removes what outlives a single test (the
// binaries buildBinary and buildPlainCommands share between tests).
type cleanupM struct{ m *testing.M }

func (c cleanupM) Run() int {
	setDefaultParallel()
	code := c.m.Run()
	if binPath != "" {
		_ = os.RemoveAll(filepath.Dir(binPath))
	}
	if plainTmp != "" {
		_ = os.RemoveAll(plainTmp)
	}
	return code
}

func TestScript(t *testing.T) {
	t.Parallel() // its scripts share the parallel slots with the other tests
	testscript.Run(t, testscript.Params{
		Dir:   "testdata/script",
		Setup: setupSimulator,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"status":        cmdStatus,
			"simsigners":    cmdSimsigners,
			"simkeys":       cmdSimkeys,
			"simkey":        cmdSimkey,
			"simcreate":     cmdSimcreate,
			"simcorrupt":    cmdSimcorrupt,
			"envjson":       cmdEnvJSON,
			"envfile":       cmdEnvFile,
			"envjsonl":      cmdEnvJSONL,
			"hex2raw":       cmdHex2Raw,
			"simtamper":     cmdSimtamper,
			"simimports":    cmdSimimports,
			"simsubstitute": cmdSimsubstitute,
			"simexports":    cmdSimexports,
			"simfault":      cmdSimfault,
		},
	})
}

// helper turns a script helper into a command: an error exits 1.
func helper(f func(args []string) error) func() {
	return func() {
		if err := f(os.Args[1:]); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", filepath.Base(os.Args[0]), err)
			os.Exit(1)
		}
		os.Exit(0)
	}
}

// Files in a simulated cluster's directory.
const (
	clusterState = "cluster.json"     // the signers' decryption keys
	keyState     = "key.json"         // the last imported key's shares
	signersFile  = "signers.json"     // GET /signers response
	signersArray = "signers-arr.json" // bare array of the same signers
)

// simcluster [-id ID] N DIR makes a simulated cluster of N signers and
// writes its state, its GET /signers response (DIR/signers.json) and the
// bare signer array (DIR/signers-arr.json).
func simcluster(args []string) error {
	fs := flag.NewFlagSet("simcluster", flag.ContinueOnError)
	id := fs.String("id", "", "cluster ID")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return errors.New("usage: simcluster [-id ID] N DIR")
	}
	var n int
	if _, err := fmt.Sscan(fs.Arg(0), &n); err != nil {
		return fmt.Errorf("bad N: %w", err)
	}
	dir := fs.Arg(1)
	c, err := sim.NewCluster(n)
	if err != nil {
		return err
	}
	if *id != "" {
		c.ID = *id
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := c.Save(filepath.Join(dir, clusterState)); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(dir, signersFile), c.ListResponse()); err != nil {
		return err
	}
	return writeJSON(filepath.Join(dir, signersArray), c.WireSigners())
}

// mergesigners OUT DIR... writes one GET /signers response listing the
// clusters of every DIR.
func mergesigners(args []string) error {
	if len(args) < 2 {
		return errors.New("usage: mergesigners OUT DIR...")
	}
	var all signers.ListResponse
	for _, dir := range args[1:] {
		c, err := sim.LoadCluster(filepath.Join(dir, clusterState))
		if err != nil {
			return err
		}
		all.Clusters = append(all.Clusters, c.ListResponse().Clusters...)
	}
	return writeJSON(args[0], &all)
}

// simimport DIR BODY has the cluster in DIR validate and store an import
// request body, prints "public key: HEX" for the stored key, and saves the
// key's shares for simexport.
func simimport(args []string) error {
	if len(args) != 2 {
		return errors.New("usage: simimport DIR BODY")
	}
	c, err := sim.LoadCluster(filepath.Join(args[0], clusterState))
	if err != nil {
		return err
	}
	var req keys.ImportRequest
	if err := readJSON(args[1], &req); err != nil {
		return err
	}
	k, err := c.Import(&req)
	if err != nil {
		return fmt.Errorf("import rejected: %w", err)
	}
	if err := k.Save(filepath.Join(args[0], keyState)); err != nil {
		return err
	}
	fmt.Printf("public key: %s\n", k.PublicKeyHex())
	return nil
}

// simexport [-publickey HEX] [-wrong I] [-garble I] DIR REQUEST RESPONSE
// has the cluster in DIR answer an export request for the last imported
// key. -publickey replaces the response's public key, to simulate a
// tampered response; -wrong replaces the share at position I (0-based,
// repeatable) with a well-formed share that is not on the key's
// polynomial, and -garble replaces it with bytes that do not decrypt.
func simexport(args []string) error {
	fs := flag.NewFlagSet("simexport", flag.ContinueOnError)
	pub := fs.String("publickey", "", "replace the response's public key")
	var wrong, garble intList
	fs.Var(&wrong, "wrong", "replace this share with a wrong one")
	fs.Var(&garble, "garble", "replace this share with garbage")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 3 {
		return errors.New("usage: simexport [-publickey HEX] [-wrong I] [-garble I] DIR REQUEST RESPONSE")
	}
	dir := fs.Arg(0)
	c, err := sim.LoadCluster(filepath.Join(dir, clusterState))
	if err != nil {
		return err
	}
	k, err := sim.LoadStoredKey(filepath.Join(dir, keyState))
	if err != nil {
		return err
	}
	var req keys.ExportRequest
	if err := readJSON(fs.Arg(1), &req); err != nil {
		return err
	}
	resp, err := c.Export(k, &req)
	if err != nil {
		return err
	}
	if *pub != "" {
		resp.PublicKey = *pub
	}
	ek, err := encryption.ParseEncryptionKeyText(req.EncryptionKey)
	if err != nil {
		return err
	}
	curve, err := sharding.CurveByName(string(resp.Curve))
	if err != nil {
		return err
	}
	for _, i := range wrong {
		pt := (&sharding.ExportShare{Index: sharding.ScalarFromInt(curve, uint32(1000+i)), SecretShare: sharding.ScalarFromInt(curve, uint32(7+i))}).Marshal()
		ct, err := encryption.Encrypt(ek, pt)
		if err != nil {
			return err
		}
		resp.EncryptedKeyShares[i].EncryptedKeyShare = base64.StdEncoding.EncodeToString(ct)
	}
	for _, i := range garble {
		resp.EncryptedKeyShares[i].EncryptedKeyShare = base64.StdEncoding.EncodeToString(make([]byte, 281))
	}
	return writeJSON(fs.Arg(2), resp)
}

type intList []int

func (l *intList) String() string { return fmt.Sprint(*l) }

func (l *intList) Set(s string) error {
	i, err := strconv.Atoi(s)
	*l = append(*l, i)
	return err
}

// filemode FILE prints the file's permission bits in octal, like 0600.
func filemode(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: filemode FILE")
	}
	fi, err := os.Stat(args[0])
	if err != nil {
		return err
	}
	fmt.Printf("%04o\n", fi.Mode().Perm())
	return nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
