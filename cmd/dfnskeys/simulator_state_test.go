package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/auth"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signatures"
)

// simRun is one 'dfnskeys simulator' run in process.
type simRun struct {
	vars   map[string]string // the printed DFNS_* settings
	stop   func() int        // interrupts it and returns its exit status
	stderr func() string     // what it printed on stderr (complete after stop)
}

// startSim runs 'dfnskeys simulator args...' until the test ends or stop
// is called, and returns once it has printed its settings.
func startSim(t *testing.T, args ...string) *simRun {
	t.Helper()
	outR, outW := io.Pipe()
	var mu sync.Mutex
	var errBuf strings.Builder
	interrupt := make(chan struct{})
	done := make(chan int, 1)
	go func() {
		e := &env{
			stdin: strings.NewReader(""), stdout: outW, stderr: lockedWriter{&mu, &errBuf},
			getenv:    func(string) string { return "" },
			lookupEnv: func(string) (string, bool) { return "", false },
			interrupt: interrupt,
		}
		code := runEnv(e, append([]string{"simulator"}, args...))
		outW.Close()
		done <- code
	}()
	r := &simRun{vars: map[string]string{}, stderr: func() string { mu.Lock(); defer mu.Unlock(); return errBuf.String() }}
	var once sync.Once
	code := -1
	r.stop = func() int {
		once.Do(func() {
			close(interrupt)
			select {
			case code = <-done:
			case <-time.After(30 * time.Second):
				t.Error("the simulator did not stop within 30 s of the interrupt")
			}
		})
		return code
	}
	t.Cleanup(func() { r.stop() })
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	exportLine := regexp.MustCompile(`^export (DFNS_[A-Z_]+)='([^']+)'$`)
	for len(r.vars) < 4 {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("the simulator stopped; stderr:\n%s", r.stderr())
			}
			if m := exportLine.FindStringSubmatch(line); m != nil {
				r.vars[m[1]] = m[2]
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("the simulator printed only %v within 30 s", r.vars)
		}
	}
	go func() {
		for range lines {
		}
	}()
	return r
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

func (r *simRun) client(t *testing.T) *dfnskeys.Client {
	t.Helper()
	pemBytes, err := os.ReadFile(r.vars["DFNS_PRIVATE_KEY"])
	if err != nil {
		t.Fatal(err)
	}
	signer, err := auth.NewKeySigner(r.vars["DFNS_CRED_ID"], pemBytes)
	if err != nil {
		t.Fatal(err)
	}
	c, err := dfnskeys.NewClient(dfnskeys.WithBaseURL(r.vars["DFNS_API_URL"]), dfnskeys.WithAuthToken(r.vars["DFNS_AUTH_TOKEN"]), dfnskeys.WithSigner(signer))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// listSignatures is GET /keys/{keyId}/signatures on the simulator: one
// page of the key's signature requests, as the API lists them.
func (r *simRun) listSignatures(ctx context.Context, keyID string) (*signatures.ListResponse, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.vars["DFNS_API_URL"]+"/keys/"+url.PathEscape(keyID)+"/signatures", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+r.vars["DFNS_AUTH_TOKEN"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /keys/%s/signatures: %s", keyID, resp.Status)
	}
	var page signatures.ListResponse
	return &page, json.NewDecoder(resp.Body).Decode(&page)
}

// TestSimulatorStateFile stops a simulator that has a key and starts it
// again with the same command: the same settings work and the key is
// there, and exports to the key imported.
func TestSimulatorStateFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stateDir := filepath.Join(dir, "sim")
	stateFile := filepath.Join(stateDir, "state.json")
	args := []string{"--state-dir", stateDir, "--state-file", stateFile, "--signers", "3", "--create-key", "EdDSA/ed25519"}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	first := startSim(t, args...)
	c := first.client(t)
	key, err := keys.GeneratePrivateKey(keys.Secp256k1)
	if err != nil {
		t.Fatal(err)
	}
	defer key.Destroy()
	imported, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{Name: "kept"})
	if err != nil {
		t.Fatal(err)
	}
	if code := first.stop(); code != 0 {
		t.Fatalf("the simulator exited %d; stderr:\n%s", code, first.stderr())
	}
	if fi, err := os.Lstat(stateFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file: %v, mode %v", err, fi.Mode())
	}
	if !strings.Contains(first.stderr(), "keeping the state in "+stateFile+", secrets in the clear: for rehearsals only\n") {
		t.Errorf("first run's stderr does not say where the state is kept:\n%s", first.stderr())
	}

	second := startSim(t, args...)
	for _, v := range []string{"DFNS_AUTH_TOKEN", "DFNS_CRED_ID", "DFNS_PRIVATE_KEY"} {
		if first.vars[v] != second.vars[v] {
			t.Errorf("%s changed across the restart", v)
		}
	}
	c = second.client(t)
	var got []*keys.Key
	for k, err := range c.Keys.All(ctx, 100) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, k)
	}
	if len(got) != 2 {
		t.Fatalf("after the restart, %d keys are listed, want 2 (the imported one and the one --create-key made once)", len(got))
	}
	recovered, faulty, err := c.ExportKey(ctx, imported.ID, dfnskeys.ExportOptions{})
	if err != nil || len(faulty) > 0 {
		t.Fatalf("export after the restart: %v, faulty %v", err, faulty)
	}
	defer recovered.Destroy()
	if !recovered.Equal(key) {
		t.Error("the key exported after the restart differs from the one imported before it")
	}
	second.stop()
	if !regexp.MustCompile(`(?m)^dfnskeys simulator: restored 2 keys from .*state\.json \(--create-key is not repeated\); it holds secrets in the clear: for rehearsals only$`).MatchString(second.stderr()) {
		t.Errorf("second run's stderr:\n%s", second.stderr())
	}

	// A different --signers than the file's cluster is refused.
	var stderr strings.Builder
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr, getenv: func(string) string { return "" },
		lookupEnv: func(string) (string, bool) { return "", false }}
	if code := runEnv(e, []string{"simulator", "--state-dir", stateDir, "--state-file", stateFile, "--signers", "5"}); code != 2 {
		t.Errorf("--signers 5 against a 3-signer state file exited %d", code)
	}
	if !strings.Contains(stderr.String(), "--signers 5: the cluster in --state-file "+stateFile+" has 3 signers") {
		t.Errorf("stderr: %s", stderr.String())
	}
}

// TestSimulatorFaultsAndLatency checks that --faults and --latency reach
// the API: every import is dropped after processing, every read waits.
func TestSimulatorFaultsAndLatency(t *testing.T) {
	t.Parallel()
	r := startSim(t, "--state-dir", t.TempDir(), "--signers", "3", "--latency", "150ms", "--faults", "import-drop=1,read-429=0")
	c := r.client(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	if _, err := c.Signers.List(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("GET /signers answered in %s, before the 150ms latency", d)
	}
	key, err := keys.GeneratePrivateKey(keys.Secp256k1)
	if err != nil {
		t.Fatal(err)
	}
	defer key.Destroy()
	// The import is processed and its answer dropped; the client finds
	// the key it imported by its public key.
	imported, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{})
	if err != nil {
		t.Fatalf("import through dropped answers: %v", err)
	}
	if imported.PublicKey != key.PublicKeyHex() {
		t.Errorf("imported %s, want %s", imported.PublicKey, key.PublicKeyHex())
	}
	r.stop()
	if !strings.Contains(r.stderr(), "dfnskeys simulator: latency 150ms; faults: import-drop=1,read-429=0\n") {
		t.Errorf("stderr:\n%s", r.stderr())
	}
	// Each fault injected is logged, one line each: the import's drop,
	// with its request; no read got one (rate 0).
	drops := regexp.MustCompile(`(?m)^dfnskeys simulator: fault DropResponse \(processed, connection dropped\) on POST /keys/import: request [0-9]+, POST /keys/import$`)
	if n := len(drops.FindAllString(r.stderr(), -1)); n < 1 {
		t.Errorf("no fault logged for the dropped import; stderr:\n%s", r.stderr())
	}
	if n := strings.Count(r.stderr(), "dfnskeys simulator: fault "); n != len(drops.FindAllString(r.stderr(), -1)) {
		t.Errorf("%d faults logged, want only the import drops; stderr:\n%s", n, r.stderr())
	}
}

// --faults bad-signature=1: every proof sees a signature that does not
// verify, so a rehearsal can show what a failed proof looks like.
func TestSimulatorBadSignatureFault(t *testing.T) {
	t.Parallel()
	r := startSim(t, "--state-dir", t.TempDir(), "--signers", "3", "--faults", "bad-signature=1")
	c := r.client(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	key, err := keys.GeneratePrivateKey(keys.Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	defer key.Destroy()
	imported, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ProveKey(ctx, imported.Key, dfnskeys.ProveOptions{PublicKey: key.PublicKey()}); !errors.Is(err, signatures.ErrInvalid) {
		t.Errorf("proof against bad-signature=1: %v, want signatures.ErrInvalid", err)
	}
	r.stop()
}

// --faults sign-drop=…,confirmed=1: signature POSTs are processed and
// their answers lost, and signed requests read back as Confirmed; a proof
// is retried with the same externalId and lands as one request.
func TestSimulatorSignatureFaults(t *testing.T) {
	t.Parallel()
	r := startSim(t, "--state-dir", t.TempDir(), "--signers", "3", "--faults", "sign-drop=0.5,sign-5xx-after=0.3,confirmed=1")
	c := r.client(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	key, err := keys.GeneratePrivateKey(keys.Secp256k1)
	if err != nil {
		t.Fatal(err)
	}
	defer key.Destroy()
	imported, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var proof *dfnskeys.Proof
	var pe *dfnskeys.ProofError
	for range 5 { // a rerun finishes a proof the faults kept from completing
		if proof, err = c.ProveKey(ctx, imported.Key, dfnskeys.ProveOptions{PublicKey: key.PublicKey()}); !errors.As(err, &pe) || !pe.Incomplete {
			break
		}
	}
	if err != nil {
		t.Fatalf("proof through signature faults: %v", err)
	}
	got, err := c.Keys.GetSignature(ctx, imported.ID, proof.SignatureID)
	if err != nil || got.Status != "Confirmed" {
		t.Errorf("status %v (%v), want Confirmed", got, err)
	}
	if page, err := r.listSignatures(ctx, imported.ID); err != nil || len(page.Items) != 1 {
		t.Errorf("the key has %v signature requests (%v), want exactly one", page, err)
	}
	r.stop()
	if !strings.Contains(r.stderr(), "faults: sign-drop=0.5,sign-5xx-after=0.3,confirmed=1\n") {
		t.Errorf("stderr:\n%s", r.stderr())
	}
	if !regexp.MustCompile(`(?m)^dfnskeys simulator: fault Confirmed \(reported Confirmed, not Signed\) on signature request \S+$`).MatchString(r.stderr()) {
		t.Errorf("confirmed=1, but no Confirmed fault logged; stderr:\n%s", r.stderr())
	}
}
