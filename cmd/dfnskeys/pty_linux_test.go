//go:build linux

package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
)

// The pseudo-terminal tests open a pty with golang.org/x/sys/unix, which
// the module already requires (testscript's ttyin attaches a pty to
// standard input only, and the table tests need standard output on a
// terminal of a known width).

// openPTY returns the two ends of a new pseudo-terminal of cols columns.
// Whatever the program writes to the terminal is collected from the
// controlling end, and returned by the output function.
func openPTY(t *testing.T, cols int) (control, term *os.File, output func() string) {
	t.Helper()
	control, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	fd := int(control.Fd())
	require.NoError(t, unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0))
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	require.NoError(t, err)
	term, err = os.OpenFile("/dev/pts/"+itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	require.NoError(t, err)
	require.NoError(t, unix.IoctlSetWinsize(int(term.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Col: uint16(cols), Row: 24}))
	var mu sync.Mutex
	var out bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := control.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { term.Close(); control.Close(); <-done })
	return control, term, func() string {
		mu.Lock()
		defer mu.Unlock()
		return out.String()
	}
}

func itoa(n int) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		if n /= 10; n == 0 {
			return string(b)
		}
	}
}

// readUntil waits until output holds want, or fails after a minute.
func readUntil(t *testing.T, output func() string, want string) string {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(output(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("the terminal never showed %q; it shows:\n%s", want, output())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return output()
}

// The keys table follows the terminal's width: at 200 columns nothing is
// shortened; at 80 the public keys, names and IDs are, and every line fits.
func TestKeysTableFitsTheTerminal(t *testing.T) {
	h := newCLIHarness(t)
	ctx := context.Background()
	var ids []string
	for _, name := range []string{"treasury cold wallet, long name", "hot"} {
		k, err := keys.GeneratePrivateKey(keys.Secp256k1)
		require.NoError(t, err)
		created, err := h.c.ImportKey(ctx, k, dfnskeys.ImportKeyOptions{Name: name})
		require.NoError(t, err)
		ids = append(ids, created.ID)
		k.Destroy()
	}
	_, err := h.srv.CreateKey(&keys.CreateRequest{Scheme: "Schnorr", Curve: keys.Secp256k1, Name: "taproot"})
	require.NoError(t, err)
	for _, cols := range []int{200, 80} {
		_, term, output := openPTY(t, cols)
		var stderr strings.Builder
		e := &env{stdin: strings.NewReader(""), stdout: term, stderr: &stderr,
			getenv:    func(k string) string { return h.vars[k] },
			lookupEnv: func(k string) (string, bool) { v, ok := h.vars[k]; return v, ok }}
		require.Equal(t, 0, runEnv(e, []string{"keys"}), stderr.String())
		got := readUntil(t, output, "native\r\n")
		lines := strings.Split(strings.TrimRight(strings.ReplaceAll(got, "\r\n", "\n"), "\n"), "\n")
		require.Len(t, lines, 4, got)
		require.Regexp(t, `^ID +NAME +CURVE +PROTOCOL +PUBLIC KEY +STATUS$`, lines[0])
		for _, l := range lines {
			require.LessOrEqual(t, len([]rune(l)), cols, "a line wider than the %d-column terminal: %q", cols, l)
		}
		if cols == 200 {
			require.Contains(t, got, ids[0]+"  treasury cold wallet, long name  secp256k1")
			require.NotContains(t, got, "…")
		} else {
			require.NotContains(t, got, ids[0], "the ID is shortened at 80 columns")
			require.Contains(t, got, ids[0][:17]+"…")
			require.Contains(t, got, "treasury …")
		}
	}
}

// bulk-export asks for the keystore password on a terminal, twice and
// without echo, as export does, and writes keystores that open with it.
func TestBulkExportAsksForThePasswordOnATerminal(t *testing.T) {
	skipUnlessFullKDF(t) // a keystore written and read back
	h := newCLIHarness(t)
	k, id := h.importKey(t, keys.Secp256k1)
	defer k.Destroy()
	in := filepath.Join(h.dir, "ids.jsonl")
	require.NoError(t, os.WriteFile(in, []byte(`{"keyId":"`+id+`","publicKey":"`+k.PublicKeyHex()+`"}`+"\n"), 0o600))
	out := filepath.Join(h.dir, "out")

	control, term, output := openPTY(t, 80)
	var stdout safeBuffer
	errw := &safeBuffer{} // not a terminal: progress is plain
	e := &env{stdin: term, stdout: &stdout, stderr: errw,
		getenv:    func(k string) string { return h.vars[k] },
		lookupEnv: func(k string) (string, bool) { v, ok := h.vars[k]; return v, ok }}
	code := make(chan int, 1)
	go func() {
		code <- runEnv(e, []string{"bulk-export", "--input", in, "--out-dir", out, "--report", filepath.Join(h.dir, "r.jsonl")})
	}()
	readUntil(t, errw.String, "keystore password (not echoed): ")
	_, err := io.WriteString(control, "correct horse\n")
	require.NoError(t, err)
	readUntil(t, errw.String, "again: ")
	_, err = io.WriteString(control, "correct horse\n")
	require.NoError(t, err)
	select {
	case c := <-code:
		require.Equal(t, 0, c, errw.String())
	case <-time.After(2 * time.Minute):
		t.Fatal("bulk-export did not finish")
	}
	require.NotContains(t, output(), "correct horse", "the password was echoed")
	require.Contains(t, errw.String(), "1 rows: 1 exported")
	data, err := os.ReadFile(filepath.Join(out, id+".keystore.json"))
	require.NoError(t, err)
	got, err := keyformat.Parse(keyformat.Keystore, keys.Secp256k1, data, keyformat.Secrets{Password: []byte("correct horse")})
	require.NoError(t, err)
	defer got.Destroy()
	require.True(t, got.Equal(k), "the keystore holds the key, under the password typed")
}

// safeBuffer is a bytes.Buffer safe for one writer and one reader.
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
