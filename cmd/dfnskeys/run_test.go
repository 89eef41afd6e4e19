package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys/internal/sim"
)

// TestRunOddArgs runs odd command lines in-process: run must never panic,
// must exit 0, 1 or 2, and must explain every failure on stderr.
func TestRunOddArgs(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	writeSigners(t, "signers.json", 3)
	if err := os.WriteFile("key.hex", []byte("0000000000000000000000000000000000000000000000000000000000000001\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		args []string
		want int
	}{
		{"nil", nil, 2},
		{"empty string", []string{""}, 2},
		{"dash", []string{"-"}, 2},
		{"double dash", []string{"--"}, 2},
		{"triple dash", []string{"---"}, 2},
		{"help", []string{"help"}, 0},
		{"help help", []string{"help", "help"}, 0}, // help's own help, as git help help
		{"help help help", []string{"help", "help", "help"}, 2},
		{"help empty", []string{"help", ""}, 2},
		{"NUL command", []string{"split\x00"}, 2},
		{"unicode command", []string{"spłit"}, 2},
		{"split bare", []string{"split"}, 2},
		{"split empty flag", []string{"split", ""}, 2},
		{"split lone dash", []string{"split", "-"}, 2},
		{"split double dash only", []string{"split", "--"}, 2},
		{"split flag terminator", []string{"split", "--signers", "signers.json", "--curve", "secp256k1", "--", "--key-file", "key.hex"}, 2},
		{"split dangling flag", []string{"split", "--curve"}, 2},
		{"split equals empty", []string{"split", "--signers=", "--curve="}, 2},
		{"split triple dash flag", []string{"split", "---signers", "x"}, 2},
		{"split bool with value", []string{"split", "--ed25519-scalar=maybe"}, 2},
		{"split huge min-signers", []string{"split", "--signers", "signers.json", "--curve", "secp256k1", "--min-signers", "99999999999999999999"}, 2},
		{"split max int min-signers", []string{"split", "--signers", "signers.json", "--curve", "secp256k1", "--min-signers", "9223372036854775807", "--key-file", "key.hex"}, 1},
		{"split min-signers min int", []string{"split", "--signers", "signers.json", "--curve", "secp256k1", "--min-signers", "-9223372036854775808"}, 2},
		{"split hex min-signers", []string{"split", "--signers", "signers.json", "--curve", "secp256k1", "--min-signers", "0x3", "--key-file", "key.hex"}, 0},
		{"split curve case", []string{"split", "--signers", "signers.json", "--curve", "SECP256K1"}, 1}, // curves in any case: it goes on to read the key, and finds none
		{"split curve NUL", []string{"split", "--signers", "signers.json", "--curve", "secp256k1\x00"}, 2},
		{"split protocol lowercase", []string{"split", "--signers", "signers.json", "--curve", "secp256k1", "--protocol", "cggmp21"}, 2},
		{"split signers is dir", []string{"split", "--signers", ".", "--curve", "secp256k1", "--key-file", "key.hex"}, 1},
		{"split key-file is dir", []string{"split", "--signers", "signers.json", "--curve", "secp256k1", "--key-file", "."}, 1},
		{"split empty stdin", []string{"split", "--signers", "signers.json", "--curve", "secp256k1"}, 1},
		{"split ok", []string{"split", "--signers", "signers.json", "--curve", "secp256k1", "--key-file", "key.hex"}, 0},
		{"split repeated flag", []string{"split", "--signers", "nope", "--signers", "signers.json", "--curve", "secp256k1", "--key-file", "key.hex"}, 0},
		{"split out is dir", []string{"split", "--signers", "signers.json", "--curve", "secp256k1", "--key-file", "key.hex", "--out", "."}, 1},
		{"export-request dir", []string{"export-request", "--decryption-key-out", "."}, 1},
		{"export-request empty", []string{"export-request", "--decryption-key-out", ""}, 2},
		{"export-request same file", []string{"export-request", "--decryption-key-out", "a", "--out", "a"}, 2},
		{"recover bare", []string{"recover"}, 2},
		{"recover dirs", []string{"recover", "--decryption-key", ".", "--response", "."}, 1},
		{"recover signers as response", []string{"recover", "--decryption-key", "key.hex", "--response", "signers.json"}, 1},
		{"recover out is dir", []string{"recover", "--decryption-key", "key.hex", "--response", "signers.json", "--out", "."}, 1},
		{"recover help", []string{"recover", "-help"}, 0},
		{"recover help late", []string{"recover", "--response", "x", "-h"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			got := run(tt.args, strings.NewReader(""), &stdout, &stderr)
			if got != tt.want {
				t.Errorf("run(%q) = %d, want %d; stderr:\n%s", tt.args, got, tt.want, stderr.String())
			}
			if got != 0 && !strings.Contains(stderr.String(), "dfnskeys: ") {
				t.Errorf("run(%q) failed without a dfnskeys: message; stderr:\n%s", tt.args, stderr.String())
			}
			if got != 0 && stdout.Len() > 0 {
				t.Errorf("run(%q) failed but wrote to stdout:\n%s", tt.args, stdout.String())
			}
			if strings.Contains(stderr.String(), "panic") {
				t.Errorf("run(%q) mentions a panic:\n%s", tt.args, stderr.String())
			}
		})
	}
}

// TestRecoverRefusesTerminal checks that recover never prints a key to a
// terminal, before it decrypts anything.
func TestRecoverRefusesTerminal(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "tty"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	old := isTerminal
	t.Cleanup(func() { isTerminal = old })
	isTerminal = func(g *os.File) bool { return g == f }

	var stderr bytes.Buffer
	got := run([]string{"recover", "--decryption-key", "nosuch", "--response", "nosuch"}, strings.NewReader(""), f, &stderr)
	if got != 1 {
		t.Fatalf("exit status %d, want 1; stderr:\n%s", got, stderr.String())
	}
	want := "dfnskeys: recover: refusing to print a private key to a terminal: use --out FILE, or redirect standard output to a file or a pipe\n"
	if stderr.String() != want {
		t.Errorf("stderr = %q, want %q", stderr.String(), want)
	}
	if fi, _ := f.Stat(); fi.Size() != 0 {
		t.Errorf("%d bytes were written to the terminal", fi.Size())
	}
}

// TestSplitReadsTerminalWithoutEcho checks that a key typed at a terminal
// is read with echo off, and that the prompt goes to stderr.
func TestSplitReadsTerminalWithoutEcho(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	writeSigners(t, "signers.json", 3)
	tty, err := os.Create("tty")
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	oldTerm, oldRead := isTerminal, readPassword
	t.Cleanup(func() { isTerminal, readPassword = oldTerm, oldRead })
	isTerminal = func(f *os.File) bool { return f == tty }
	read := false
	readPassword = func(f *os.File) ([]byte, error) {
		read = true
		return []byte(" 0x0000000000000000000000000000000000000000000000000000000000000001 "), nil
	}

	var stdout, stderr bytes.Buffer
	got := run([]string{"split", "--signers", "signers.json", "--curve", "secp256k1"}, tty, &stdout, &stderr)
	if got != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", got, stderr.String())
	}
	if !read {
		t.Error("the key was not read through readPassword")
	}
	if !strings.HasPrefix(stderr.String(), "private key (hex, not echoed): \n") {
		t.Errorf("no prompt on stderr:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "public key: 0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798\n") {
		t.Errorf("wrong public key:\n%s", stderr.String())
	}
	if !json.Valid(stdout.Bytes()) {
		t.Errorf("stdout is not JSON:\n%s", stdout.String())
	}
}

func writeSigners(t *testing.T, path string, n int) {
	t.Helper()
	c, err := sim.NewCluster(n)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(c.ListResponse())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
