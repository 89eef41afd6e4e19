// Command dfnskeys moves private keys into and out of Dfns. It is a thin
// layer over the github.com/dfnskeys/dfnskeys packages: flags, files and
// messages around library calls.
//
// 'dfnskeys help' lists the commands, 'dfnskeys help COMMAND' gives a
// command's flags and 'dfnskeys help ceremony' the air-gapped ceremony;
// README.md walks through them. Private keys are read from a file or
// standard input, never from the command line, and never printed. Exit
// status is 0 on success, 1 when an input is invalid, a call fails or a
// check fails, and 2 on a usage error.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/internal/safetext"
	"github.com/dfnskeys/dfnskeys/internal/suggest"
	"github.com/dfnskeys/dfnskeys/keys"
)

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// command is one dfnskeys subcommand.
type command struct {
	name    string
	summary string
	usage   string // synopsis and flag descriptions
	run     func(e *env, args []string) error
}

// env is what a command may touch: its standard streams, the environment
// and the interrupt signal.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	lookupEnv      func(string) (string, bool)
	// interrupt, when set, replaces SIGINT/SIGTERM (tests): each value
	// received is one signal.
	interrupt <-chan struct{}
	// exit ends the process at once (os.Exit unless set).
	exit func(code int)
}

// signals delivers one value per SIGINT or SIGTERM (or per value on
// e.interrupt) until stop is called. While it runs, those signals no longer
// end the process by themselves.
func (e *env) signals() (sigs <-chan struct{}, stop func()) {
	if e.interrupt != nil {
		return e.interrupt, func() {}
	}
	in := make(chan os.Signal, 2)
	out := make(chan struct{}, 2)
	done := make(chan struct{})
	signal.Notify(in, os.Interrupt, syscall.SIGTERM)
	go func() {
		for {
			select {
			case <-in:
				select {
				case out <- struct{}{}:
				default:
				}
			case <-done:
				return
			}
		}
	}()
	return out, func() { signal.Stop(in); close(done) }
}

// twoInterrupts returns a context that the first interrupt cancels (after
// calling first, if not nil); a second interrupt calls second and ends the
// process with exit code 1. done stops the watch; call it when the run
// ends.
func (e *env) twoInterrupts(first, second func()) (_ context.Context, done func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs, stopSignals := e.signals()
	runDone := make(chan struct{})
	go func() {
		select {
		case <-sigs:
		case <-runDone:
			return
		}
		if first != nil {
			first()
		}
		cancel()
		select {
		case <-sigs:
		case <-runDone:
			return
		}
		second()
		e.exitNow(1)
	}()
	return ctx, func() { close(runDone); stopSignals(); cancel() }
}

// exitNow ends the process with code, at once.
func (e *env) exitNow(code int) {
	if e.exit != nil {
		e.exit(code)
		return
	}
	os.Exit(code)
}

// context returns a context that ends on SIGINT or SIGTERM (or on
// e.interrupt in tests).
func (e *env) context() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs, stopSignals := e.signals()
	select {
	case <-sigs: // already interrupted (a test queues one before the run): cancelled before it starts
		cancel()
	default:
		go func() {
			select {
			case <-sigs:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	return ctx, func() { cancel(); stopSignals() }
}

// unstoppable returns ctx without its cancellation, for a step that must
// finish once begun (a sent export: dropping the answer would lose the
// key). An interrupt meanwhile prints notice; calling done ends the watch.
func (e *env) unstoppable(ctx context.Context, notice string) (_ context.Context, done func()) {
	finished := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			fmt.Fprintln(e.stderr, notice)
		case <-finished:
		}
	}()
	return context.WithoutCancel(ctx), func() { close(finished) }
}

var commands []*command

func init() {
	commands = []*command{
		splitCommand, exportRequestCommand, recoverCommand,
		signersCommand, keysCommand, inspectCommand, importCommand, exportCommand, proveCommand,
		bulkImportCommand, bulkSplitCommand, bulkExportCommand, bulkExportRequestCommand, bulkRecoverCommand, simulatorCommand, demoCommand,
	}
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

const mainUsage = `dfnskeys moves private keys into and out of Dfns.

Usage:
	dfnskeys <command> [flags]

Commands:
%s
Run 'dfnskeys help <command>' for a command's flags, and 'dfnskeys help
ceremony' for importing and exporting with the keys on an offline machine.
Flags may be written -flag or --flag. Private keys are read from a file or
standard input, never from the command line, and are never printed in
messages.

Exit status: 0 on success, 1 on invalid input or a failed check, 2 on a
usage error.
`

func printMainUsage(w io.Writer) {
	var b strings.Builder
	width := 0
	for _, c := range commands {
		width = max(width, len(c.name))
	}
	for _, c := range commands {
		fmt.Fprintf(&b, "\t%-*s %s\n", width, c.name, c.summary)
	}
	fmt.Fprintf(&b, "\t%-*s %s\n", width, "help", "show this help or a command's help")
	fmt.Fprintf(&b, "\t%-*s %s\n", width, "version", "print the version, source revision and Go version")
	fmt.Fprintf(w, mainUsage, b.String())
}

// run is the whole program: it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv}
	return runEnv(e, args)
}

// runEnv is run with a prepared environment (tests set getenv and
// interrupt).
func runEnv(e *env, args []string) int {
	stdout, stderr := e.stdout, e.stderr
	if e.getenv == nil {
		e.getenv = os.Getenv
	}
	if len(args) == 0 {
		printMainUsage(stderr)
		fmt.Fprintln(stderr, "dfnskeys: no command given: name one of the commands above")
		return 2
	}
	switch name := args[0]; name {
	case "version", "-version", "--version":
		if len(args) > 1 {
			fmt.Fprintf(stderr, "dfnskeys: %s takes no arguments\n", name)
			return 2
		}
		fmt.Fprintln(stdout, versionLine())
		return 0
	case "help", "-h", "-help", "--help":
		switch {
		case len(args) == 1:
			printMainUsage(stdout)
			return 0
		case name != "help":
			fmt.Fprintf(stderr, "dfnskeys: %s takes no arguments; run 'dfnskeys help <command>' for a command's help\n", name)
			return 2
		case len(args) == 2 && args[1] == "ceremony":
			fmt.Fprint(stdout, ceremonyHelp)
			return 0
		case len(args) == 2 && builtinUsage[args[1]] != "":
			fmt.Fprint(stdout, builtinUsage[args[1]])
			return 0
		case len(args) == 2 && lookup(args[1]) != nil:
			fmt.Fprint(stdout, lookup(args[1]).usage)
			return 0
		}
		fmt.Fprintf(stderr, "dfnskeys: help: %s\n", unknownCommand(strings.Join(args[1:], " ")))
		return 2
	default:
		c := lookup(name)
		if c == nil {
			fmt.Fprintf(stderr, "dfnskeys: %s\n", withHint(unknownCommand(name), "run 'dfnskeys help' for usage"))
			return 2
		}
		err := c.run(e, args[1:])
		var ue *usageError
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			fmt.Fprint(stdout, c.usage)
			return 0
		case errors.As(err, &ue) || errors.Is(err, keys.ErrInvalidOption):
			// A library's pre-flight check (keys.ErrInvalidOption) is a
			// usage error too: each check has one copy, in the library.
			msg := err.Error()
			if ue != nil {
				msg = ue.msg
			}
			fmt.Fprintf(stderr, "dfnskeys: %s: %s\n", c.name, withHint(safetext.Line(hideSecretArgs(msg, args)), "run 'dfnskeys help "+c.name+"' for usage"))
			return 2
		default:
			// Errors embed server text, escaped where it was put in
			// (safetext.Text); the whole message is escaped again, newlines
			// included, and bounded, so that one line is one error
			// whatever the server sent (docs/threat-model.md §3).
			fmt.Fprintf(stderr, "dfnskeys: %s: %s\n", c.name, safetext.Line(hideSecretArgs(err.Error(), args)))
			return 1
		}
	}
}

// hideSecretArgs replaces in msg every command-line argument (or
// --flag=value's value) that looks like a secret, as given, quoted or
// escaped: a last guard, for messages that quote a flag's value ("unknown
// --format …") when a secret was given in its place (see
// docs/threat-model.md §5).
func hideSecretArgs(msg string, args []string) string {
	for _, a := range args {
		if _, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(a, "-") {
			a = v
		}
		if a == "" || !looksSecret(a) || strings.HasPrefix(a, "key-") { // a KEY_ID, as parseKeyIDArgs takes it
			continue
		}
		for _, form := range []string{strconv.Quote(a), `"` + safetext.Text(a) + `"`, safetext.Text(a), a} {
			msg = strings.ReplaceAll(msg, form, "(not shown: it looks like a secret)")
		}
	}
	return msg
}

// withHint appends hint to msg: as a new sentence after a question ("did
// you mean …?"), after a semicolon otherwise.
func withHint(msg, hint string) string {
	if strings.HasSuffix(msg, "?") {
		return msg + " " + strings.ToUpper(hint[:1]) + hint[1:]
	}
	return msg + "; " + hint
}

// unknownCommand says that name is no command, and which one was meant
// when one is close ("did you mean"), or lists them all.
func unknownCommand(name string) string {
	if !looksSecret(name) {
		if near, ok := suggest.Closest(name, append(commandNames(), "help", "version")); ok {
			return fmt.Sprintf("unknown command %s; did you mean %q?", quotedOrHidden(name), near)
		}
	}
	return fmt.Sprintf("unknown command %s: the commands are %s", quotedOrHidden(name), strings.Join(commandNames(), ", "))
}

// builtinUsage is the help of the commands run itself handles.
var builtinUsage = map[string]string{
	"help": `Usage: dfnskeys help [COMMAND]

Prints the list of commands, or COMMAND's synopsis, flags and what it
prints. 'dfnskeys COMMAND -h' (or --help) is the same as 'dfnskeys help
COMMAND'.
`,
	"version": `Usage: dfnskeys version (or dfnskeys --version)

Prints dfnskeys's version, then the module version it was built from
("(devel)" when built from a checkout rather than 'go install …@version'),
the version control revision and time of its source (with "modified" when
the tree had uncommitted changes; "revision unknown" when built with
-buildvcs=false or outside a repository) and the Go version: what to quote
in a bug report.
`,
}

// versionLine is what 'dfnskeys version' prints, from the build
// information the Go toolchain embeds in the binary.
func versionLine() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dfnskeys version unknown (built without module information)"
	}
	set := map[string]string{}
	for _, s := range bi.Settings {
		set[s.Key] = s.Value
	}
	vcs := "revision unknown"
	if rev := set["vcs.revision"]; rev != "" {
		vcs = "revision " + rev
		if when := set["vcs.time"]; when != "" {
			vcs += " of " + when
		}
		if set["vcs.modified"] == "true" {
			vcs += ", modified"
		}
	}
	module := cmp.Or(bi.Main.Version, "unknown") // "(devel)" when built from a checkout
	return fmt.Sprintf("dfnskeys version %s (module %s, %s, %s)", dfnskeys.Version, safetext.Line(module), safetext.Line(vcs), bi.GoVersion)
}

func commandNames() []string {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	return names
}

// usageError is a mistake in the command line; it exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// parseFlags parses args with fs, which must have been built with
// newFlagSet, and rejects positional arguments without showing them (see
// strayArgs). It returns flag.ErrHelp for -h and a *usageError for
// anything wrong.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := parseOnly(fs, args); err != nil {
		return err
	}
	if n := fs.NArg(); n > 0 {
		where := ""
		if n < len(args) {
			where = " after the flags"
		}
		return strayArgs(n, where, "this command takes only flags")
	}
	return nil
}

// parseKeyIDArgs parses "KEY_ID [flags]" for command name: the key ID comes
// first, then the flags. A key ID that looks like a secret (a key pasted in
// the wrong place) is refused without being shown, and so are arguments
// after the flags.
func parseKeyIDArgs(fs *flag.FlagSet, args []string, name string) (string, error) {
	var keyID string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		keyID, args = args[0], args[1:]
	}
	if err := parseOnly(fs, args); err != nil {
		return "", err
	}
	synopsis := "dfnskeys " + name + " KEY_ID [flags]"
	switch {
	case fs.NArg() > 0:
		where := " after the flags"
		if keyID != "" {
			where = " after KEY_ID"
			if len(args) > fs.NArg() {
				where = " after KEY_ID and the flags"
			}
		}
		return "", strayArgs(fs.NArg(), where, "give one KEY_ID, before the flags: "+synopsis)
	case keyID == "":
		return "", usagef("missing KEY_ID: %s", synopsis)
	case looksSecret(keyID) && !strings.HasPrefix(keyID, "key-"):
		return "", usagef("KEY_ID (not shown) looks like a secret, not a Dfns key ID (key-…): %s", synopsis)
	}
	return keyID, nil
}

// parseOnly parses args with fs: flag.ErrHelp for -h, a *usageError for
// anything wrong (flagError).
func parseOnly(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return flagError(fs, err, args)
}

// flagError turns a flag parsing error into a usage error. The flag
// package quotes the offending value ("invalid value \"…\" for flag");
// a path flag given a secret, or any value that looks like a secret, is
// never shown: only the flag is named.
func flagError(fs *flag.FlagSet, err error, args []string) error {
	msg := err.Error()
	if strings.HasSuffix(msg, ": "+errSecretPath.Error()) {
		return usagef("%s", secretPathMessage("--"+flagNameIn(msg)))
	}
	for _, a := range args {
		if looksSecret(a) && (strings.Contains(msg, a) || strings.Contains(msg, strconv.Quote(a))) {
			name := "a flag"
			if n := flagNameIn(msg); n != "" {
				name = "flag -" + n
			}
			return usagef("invalid value for %s (not shown: it looks like a secret); secrets are never read from arguments: put it in a file", name)
		}
	}
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		if near, ok := suggest.Closest(name, names); ok {
			return usagef("unknown flag --%s; did you mean --%s?", name, near)
		}
		return usagef("unknown flag --%s", name)
	}
	return usagef("%v", err)
}

// newFlagSet returns a flag set that reports errors instead of printing
// them, so that run prints every message in one format.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if flagSetMade != nil {
		flagSetMade(fs)
	}
	return fs
}

// flagSetMade, when set (by tests), sees every flag set a command makes,
// so that tests can enumerate every command's flags.
var flagSetMade func(*flag.FlagSet)

// requireFlags returns a usage error naming the first empty required flag.
func requireFlags(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			return usagef("missing required flag --%s", pairs[i])
		}
	}
	return nil
}
