package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

// notPathFlags are the string flags that do not name a file. Every other
// string-valued flag of every command must be a path flag (pathFlag), so
// that a new command or flag cannot forget the secret check: add a flag
// here only if its value is never a file name.
var notPathFlags = map[string]bool{
	"api-url": true, "cred-id": true, "curve": true, "protocol": true, "name": true,
	"cluster": true, "expect-address": true, "expect-public-key": true, "format": true,
	"path": true, "public-key": true, "addr": true, "external-id": true,
	"key":          true, // a key ID (export-request --key), refused when it looks like a secret
	"input-format": true,
}

// commandFlags returns every flag set command c makes, found by running
// it with -h.
func commandFlags(t *testing.T, c *command) []*flag.FlagSet {
	t.Helper()
	var sets []*flag.FlagSet
	flagSetMade = func(fs *flag.FlagSet) { sets = append(sets, fs) }
	defer func() { flagSetMade = nil }()
	var out, errOut bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, getenv: func(string) string { return "" }}
	if code := runEnv(e, []string{c.name, "-h"}); code != 0 {
		t.Fatalf("%s -h exited %d: %s", c.name, code, errOut.String())
	}
	return sets
}

// pathFlags lists every command's path flags, and fails on a string flag
// that is neither a path flag nor listed in notPathFlags.
func pathFlags(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, c := range commands {
		for _, fs := range commandFlags(t, c) {
			fs.VisitAll(func(f *flag.Flag) {
				switch f.Value.(type) {
				case pathValue:
					out[c.name] = append(out[c.name], f.Name)
				default:
					if fmt.Sprintf("%T", f.Value) == "*flag.stringValue" && !notPathFlags[f.Name] {
						t.Errorf("%s --%s is a plain string flag: declare it with pathFlag if it names a file or directory, else add it to notPathFlags", c.name, f.Name)
					}
				}
			})
		}
	}
	return out
}

// secretValues are secrets pasted where a path belongs. None of them, nor
// the words listed in secretMarks, may appear in any output.
var secretValues = map[string]string{
	"hex key":  "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f3c0ffe",
	"0x key":   "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f3c0ffe",
	"PEM":      "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIc0ffeeSECRETISHm0Zr4AQlk8Rb4l9Jc8uWY\n-----END PRIVATE KEY-----\n",
	"JWT":      "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJjMGZmZWUifQ.c0ffeeSECRETISHsig",
	"token":    "dGhpcyBpcyBhIHRva2VuIGMwZmZlZQ7Xc0ffeeSECRETISH",
	"mnemonic": "legal winner thank year wave sausage worth useful legal winner thank c0ffee",
	"WIF":      "L1aW4aubDFB7yfras2S1mN3bqg9nwySY8nkoLmJebSLDc0ffee",
}

var secretMarks = []string{"c0ffee", "SECRETISH", "MC4CAQ", "legal", "winner", "eyJ"}

// argsFor builds the command line: KEY_ID commands take one first.
func argsFor(cmd string, rest ...string) []string {
	args := []string{cmd}
	if cmd == "export" || cmd == "prove" {
		args = append(args, "key-0123456789abcdef0123")
	}
	return append(args, rest...)
}

// Every path flag of every command refuses every kind of secret while
// the flags are parsed: exit status 2, the secret never printed, and no
// file created (none is, as nothing runs). Found by enumerating the
// commands' flag sets, so a new path flag is covered automatically.
func TestPathFlagsRefuseSecrets(t *testing.T) {
	flags := pathFlags(t)
	n := 0
	for _, fs := range flags {
		n += len(fs)
	}
	if n < 25 {
		t.Fatalf("found %d path flags (%v): the enumeration is broken", n, flags)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	check := func(t *testing.T, args []string, want int, vars map[string]string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut,
			getenv:    func(k string) string { return vars[k] },
			lookupEnv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }}
		code := runEnv(e, args)
		if code != want {
			t.Errorf("exit status %d, want %d; stderr: %s", code, want, errOut.String())
		}
		for _, s := range []string{out.String(), errOut.String()} {
			for _, m := range secretMarks {
				if strings.Contains(s, m) {
					t.Errorf("the output shows %q: %s", m, s)
				}
			}
		}
		if entries, _ := os.ReadDir(dir); len(entries) > 0 {
			t.Errorf("%d files were created, the first %q", len(entries), entries[0].Name())
			for _, en := range entries {
				os.RemoveAll(en.Name())
			}
		}
		return errOut.String()
	}
	for cmd, names := range flags {
		for _, name := range names {
			for kind, secret := range secretValues {
				t.Run(cmd+"/"+name+"/"+kind, func(t *testing.T) {
					msg := check(t, argsFor(cmd, "--"+name, secret), 2, nil)
					want := "dfnskeys: " + cmd + ": --" + name + " must name a file, but its value looks like a secret, not a file name (not shown)"
					if !strings.HasPrefix(msg, want) {
						t.Errorf("stderr is %q, want it to start %q", msg, want)
					}
					// --flag=value too.
					check(t, argsFor(cmd, "--"+name+"="+secret), 2, nil)
				})
			}
			// A mnemonic pasted unquoted: the flag takes its first word;
			// the others are refused, uncounted words never shown, and
			// the first word is neither shown nor used as a name.
			t.Run(cmd+"/"+name+"/unquoted mnemonic", func(t *testing.T) {
				words := strings.Fields(secretValues["mnemonic"])
				msg := check(t, argsFor(cmd, append([]string{"--" + name}, words...)...), 2, nil)
				if want := fmt.Sprintf("%d unexpected arguments after ", len(words)-1); !strings.Contains(msg, want) {
					t.Errorf("stderr is %q, want it to say %q", msg, want)
				}
			})
		}
	}
	// Variables that name files.
	pinned := map[string]string{"DFNS_AUTH_TOKEN": "t", "DFNS_PINNED_SIGNERS": secretValues["hex key"]}
	if msg := check(t, []string{"import", "--curve", "secp256k1", "--dry-run"}, 1, pinned); !strings.Contains(msg, "DFNS_PINNED_SIGNERS must name a file") {
		t.Errorf("DFNS_PINNED_SIGNERS: stderr is %q", msg)
	}
	for kind, secret := range secretValues {
		if kind == "PEM" {
			continue // a PEM is what DFNS_PRIVATE_KEY may hold
		}
		cred := map[string]string{"DFNS_AUTH_TOKEN": "t", "DFNS_CRED_ID": "c", "DFNS_PRIVATE_KEY": secret}
		if msg := check(t, argsFor("prove"), 1, cred); !strings.Contains(msg, "DFNS_PRIVATE_KEY holds neither a PEM") {
			t.Errorf("DFNS_PRIVATE_KEY=%s: stderr is %q", kind, msg)
		}
	}
}

// No flag of any command prints back a secret given as its value, even
// one whose message quotes the value ("unknown --format …").
func TestNoFlagEchoesASecret(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, c := range commands {
		for _, fs := range commandFlags(t, c) {
			fs.VisitAll(func(f *flag.Flag) {
				if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
					return
				}
				for kind, secret := range secretValues {
					var out, errOut bytes.Buffer
					e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut,
						getenv:    func(string) string { return "" },
						lookupEnv: func(string) (string, bool) { return "", false }}
					code := runEnv(e, argsFor(c.name, "--"+f.Name, secret))
					if code == 0 {
						t.Errorf("%s --%s %s: exit status 0", c.name, f.Name, kind)
					}
					for _, s := range []string{out.String(), errOut.String()} {
						for _, m := range secretMarks {
							if strings.Contains(s, m) {
								t.Errorf("%s --%s %s: the output shows %q: %s", c.name, f.Name, kind, m, s)
							}
						}
					}
				}
			})
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		t.Errorf("%d files were created, the first %q", len(entries), entries[0].Name())
	}
}
