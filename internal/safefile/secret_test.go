package safefile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
)

func TestSecretFile(t *testing.T) {
	dir := t.TempDir()
	// Created before the secret exists; an existing destination is
	// refused then, before anything is exported.
	p := filepath.Join(dir, "k.json")
	s, err := CreateSecret(p, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CreateSecret(p, ""); !errors.Is(err, ErrExist) {
		t.Fatalf("second CreateSecret: %v", err)
	}
	if err := s.Save([]byte("secret"), "k", ".json"); err != nil {
		t.Fatal(err)
	}
	s.Discard() // after Save: leaves the file
	if b, err := os.ReadFile(p); err != nil || string(b) != "secret" {
		t.Fatalf("saved %q, %v", b, err)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm()&0o077 != 0 {
		t.Fatalf("mode %v", fi.Mode())
	}

	// Discarded before any secret came: no file left.
	d, err := CreateSecret(filepath.Join(dir, "never.json"), "")
	if err != nil {
		t.Fatal(err)
	}
	d.Discard()
	if _, err := os.Lstat(filepath.Join(dir, "never.json")); !os.IsNotExist(err) {
		t.Fatalf("discarded file: %v", err)
	}
	var none *SecretFile
	none.Discard()

	// With a final name: the partial file is linked there and removed.
	partial, final := filepath.Join(dir, ".f.json.partial"), filepath.Join(dir, "f.json")
	s, err = CreateSecret(partial, final)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Save([]byte("secret"), "f", ".json"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(final); string(b) != "secret" {
		t.Fatalf("final holds %q", b)
	}
	if _, err := os.Lstat(partial); !os.IsNotExist(err) {
		t.Fatalf("partial left: %v", err)
	}
}

// A secret that cannot be saved where it belongs is rescued, and the error
// says where; the file that appeared meanwhile is left alone.
func TestSecretFileRescues(t *testing.T) {
	dir := t.TempDir()
	work := t.TempDir()
	t.Chdir(work)
	partial, final := filepath.Join(dir, ".g.json.partial"), filepath.Join(dir, "g.json")
	s, err := CreateSecret(partial, final)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(final, []byte("someone else's"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = s.Save([]byte("s3cr3t-bytes"), "g", ".json")
	var ns *NotSavedError
	if !errors.As(err, &ns) || ns.Rescued == "" {
		t.Fatalf("Save: %v", err)
	}
	if filepath.Dir(ns.Rescued) != "." {
		t.Fatalf("rescued to %s: not in the working directory (never the output directory, which readers scan)", ns.Rescued)
	}
	if b, _ := os.ReadFile(filepath.Join(work, ns.Rescued)); string(b) != "s3cr3t-bytes" {
		t.Fatalf("rescue holds %q", b)
	}
	if b, _ := os.ReadFile(final); string(b) != "someone else's" {
		t.Fatalf("final replaced: %q", b)
	}
	if !strings.Contains(err.Error(), "appeared meanwhile") || !strings.Contains(err.Error(), "saved instead to "+ns.Rescued) || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("error %q", err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

// A key written to a writer that fails is rescued; a key that cannot be
// encoded as asked is saved as an export document, and the error says so.
func TestSecretFileSaveKey(t *testing.T) {
	t.Chdir(t.TempDir())
	key, err := keys.NewPrivateKey(keys.Ed25519, bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	defer key.Destroy()
	err = SecretTo(failingWriter{}, "standard output").SaveKey(key, keyformat.JSON, keyformat.EncodeOptions{KeyID: "key-1"}, ".json")
	var ns *NotSavedError
	if !errors.As(err, &ns) || ns.Rescued == "" || !strings.Contains(err.Error(), "writing the private key to standard output: broken pipe") {
		t.Fatalf("SaveKey to a failing writer: %v", err)
	}
	doc, _ := os.ReadFile(ns.Rescued)
	if k, err := keyformat.Parse(keyformat.JSON, "", doc, keyformat.Secrets{}); err != nil || !k.Equal(key) {
		t.Fatalf("rescued document: %v", err)
	}

	p := filepath.Join(t.TempDir(), "k.json")
	s, err := CreateSecret(p, "")
	if err != nil {
		t.Fatal(err)
	}
	// A keystore holds secp256k1 keys only.
	err = s.SaveKey(key, keyformat.Keystore, keyformat.EncodeOptions{KeyID: "key-1", Password: []byte("pw")}, ".json")
	if err == nil || !strings.Contains(err.Error(), "written as an export document (format json) instead") {
		t.Fatalf("SaveKey as a keystore: %v", err)
	}
	doc, _ = os.ReadFile(p)
	if k, err := keyformat.Parse(keyformat.JSON, "", doc, keyformat.Secrets{}); err != nil || !k.Equal(key) {
		t.Fatalf("saved document: %v", err)
	}
}
