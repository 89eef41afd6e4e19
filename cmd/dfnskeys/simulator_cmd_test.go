package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/keys"
)

// TestSimulatorCommand runs 'dfnskeys simulator' as a user would: it reads
// the printed shell lines, checks the credential file, uses the printed
// settings for signers, import and export, then interrupts it. Its
// command-line errors are in testdata/script/simulator.txtar.
func TestSimulatorCommand(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// A credential.pem left readable by others is replaced, and made 0600.
	pemPath := filepath.Join(dir, "credential.pem")
	if err := os.WriteFile(pemPath, []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}

	outR, outW := io.Pipe()
	var stderr bytes.Buffer // read only after the command returns
	interrupt := make(chan struct{})
	done := make(chan int, 1)
	go func() {
		e := &env{
			stdin: strings.NewReader(""), stdout: outW, stderr: &stderr,
			getenv:    func(string) string { return "" },
			lookupEnv: func(string) (string, bool) { return "", false },
			interrupt: interrupt,
		}
		code := runEnv(e, []string{"simulator", "--state-dir", dir, "--signers", "3", "--create-key", "ECDSA/stark"})
		outW.Close()
		done <- code
	}()
	// stop interrupts the simulator and returns its exit status; it may be
	// called more than once.
	var stopOnce sync.Once
	exitCode := -1
	stop := func() int {
		stopOnce.Do(func() {
			close(interrupt)
			select {
			case exitCode = <-done:
			case <-time.After(30 * time.Second):
				t.Error("the simulator did not stop within 30 s of the interrupt")
			}
		})
		return exitCode
	}
	t.Cleanup(func() { stop() })

	// The four shell lines, read with a deadline.
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	exportLine := regexp.MustCompile(`^export (DFNS_API_URL|DFNS_AUTH_TOKEN|DFNS_CRED_ID|DFNS_PRIVATE_KEY)='([^']+)'$`)
	vars := map[string]string{}
	var order []string
	for len(vars) < 4 {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("the simulator stopped after printing %q; stderr:\n%s", order, stderr.String())
			}
			m := exportLine.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("unexpected line on stdout: %q", line)
			}
			vars[m[1]] = m[2]
			order = append(order, m[1])
		case <-time.After(30 * time.Second):
			t.Fatalf("the simulator printed only %q within 30 s", order)
		}
	}
	if want := []string{"DFNS_API_URL", "DFNS_AUTH_TOKEN", "DFNS_CRED_ID", "DFNS_PRIVATE_KEY"}; strings.Join(order, " ") != strings.Join(want, " ") {
		t.Errorf("printed %q, want %q", order, want)
	}
	if !regexp.MustCompile(`^http://127\.0\.0\.1:[0-9]+$`).MatchString(vars["DFNS_API_URL"]) {
		t.Errorf("DFNS_API_URL = %q, want http://127.0.0.1:PORT", vars["DFNS_API_URL"])
	}
	if vars["DFNS_PRIVATE_KEY"] != pemPath {
		t.Errorf("DFNS_PRIVATE_KEY = %q, want %q", vars["DFNS_PRIVATE_KEY"], pemPath)
	}
	fi, err := os.Stat(pemPath)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("credential.pem has mode %04o, want 0600", fi.Mode().Perm())
	}
	if b, _ := os.ReadFile(pemPath); !bytes.HasPrefix(b, []byte("-----BEGIN PRIVATE KEY-----\n")) {
		t.Errorf("credential.pem is not a PKCS#8 PEM:\n%s", b)
	}

	// The printed settings work with the client…
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := dfnskeys.NewClient(dfnskeys.WithBaseURL(vars["DFNS_API_URL"]), dfnskeys.WithAuthToken(vars["DFNS_AUTH_TOKEN"]))
	if err != nil {
		t.Fatal(err)
	}
	list, err := c.Signers.List(ctx)
	if err != nil {
		t.Fatalf("GET /signers with the printed settings: %v", err)
	}
	if len(list.Clusters) != 1 || len(list.Clusters[0].Signers) != 3 {
		t.Errorf("GET /signers lists %+v, want 1 cluster of 3 signers", list.Clusters)
	}

	// …and with the CLI: import a key, export it back.
	runWith := func(stdin string, args ...string) (string, string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		e := &env{
			stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr,
			getenv:    func(k string) string { return vars[k] },
			lookupEnv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok },
		}
		if code := runEnv(e, args); code != 0 {
			t.Fatalf("dfnskeys %s exited %d; stderr:\n%s", strings.Join(args, " "), code, stderr.String())
		}
		return stdout.String(), stderr.String()
	}
	const keyHex = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
	out, _ := runWith("", "signers")
	if !strings.Contains(out, ": 3 signers\n") {
		t.Errorf("dfnskeys signers printed:\n%s", out)
	}
	out, _ = runWith(keyHex+"\n", "import", "--curve", "secp256k1", "--expect-address", "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23")
	var created struct {
		ID        string `json:"id"`
		PublicKey string `json:"publicKey"`
		Imported  bool   `json:"imported"`
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatalf("import printed %q: %v", out, err)
	}
	if !created.Imported || created.PublicKey != "024e3b81af9c2234cad09d679ce6035ed1392347ce64ce405f5dcd36228a25de6e" {
		t.Errorf("import created %+v", created)
	}
	out, _ = runWith("", "export", created.ID, "--format", "hex")
	if out != keyHex+"\n" {
		t.Errorf("export printed %q, want the imported key", out)
	}

	// The key --create-key made (a CGGMP24 stark key, never imported)
	// exports too, to a key with its public key.
	var native *keys.Key
	for k, err := range c.Keys.All(ctx, 100) {
		if err != nil {
			t.Fatal(err)
		}
		if !k.Imported {
			native = k
		}
	}
	if native == nil || native.Curve != keys.Stark || native.Scheme != "ECDSA" {
		t.Fatalf("no native ECDSA stark key listed; got %+v", native)
	}
	_, errOut := runWith("", "export", native.ID)
	if !strings.Contains(errOut, "public key: "+native.PublicKey+"\n") {
		t.Errorf("export of the native key printed on stderr:\n%s", errOut)
	}

	// An interrupt stops it with status 0, and the port is closed.
	if code := stop(); code != 0 {
		t.Errorf("the simulator exited %d after the interrupt, want 0; stderr:\n%s", code, stderr.String())
	}
	wantErr := regexp.MustCompile(`\Adfnskeys simulator: serving http://127\.0\.0\.1:[0-9]+ with 3 signers; interrupt to stop\n` +
		`dfnskeys simulator: created key key-[0-9a-f]{20} \(ECDSA, stark, CGGMP24\), public key 0[23][0-9a-f]{64}\n` +
		`dfnskeys simulator: stopped\n\z`)
	if !wantErr.MatchString(stderr.String()) {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	if resp, err := http.Get(vars["DFNS_API_URL"] + "/signers"); err == nil {
		resp.Body.Close()
		t.Errorf("the API still answers after the simulator stopped: %s", resp.Status)
	}
}
