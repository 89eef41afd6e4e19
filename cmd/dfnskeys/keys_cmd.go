package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dfnskeys/dfnskeys/internal/safetext"
	"github.com/dfnskeys/dfnskeys/keys"
)

var keysCommand = &command{
	name:    "keys",
	summary: "list the organisation's keys",
	usage: `Usage: dfnskeys keys [--json] [--imported|--native] [--exported|--usable] [--curve CURVE] [--name TEXT] [connection flags]

Lists the keys Dfns holds, page by page (GET /keys): ID, name, scheme,
curve, public key, whether each was imported and exported, and when it was
created and exported. No key material is involved: a read-only token is
enough. --json prints one JSON object per line (JSON Lines), as Dfns
reports each key, for scripts.

Filters (combined with AND):
  --imported        only keys that were imported
  --native          only keys Dfns created itself
  --exported        only keys that were exported (Dfns no longer signs with them)
  --usable          only active keys that were never exported
  --curve CURVE     secp256k1, stark or ed25519
  --name TEXT       only keys whose name contains TEXT (case-insensitive)

` + connUsage,
	run: runKeys,
}

func runKeys(e *env, args []string) error {
	fs := newFlagSet("keys")
	asJSON := fs.Bool("json", false, "")
	imported := fs.Bool("imported", false, "")
	native := fs.Bool("native", false, "")
	exported := fs.Bool("exported", false, "")
	usable := fs.Bool("usable", false, "")
	curveName := fs.String("curve", "", "")
	name := fs.String("name", "", "")
	cf := addConnFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *imported && *native {
		return usagef("--imported and --native exclude each other")
	}
	if *exported && *usable {
		return usagef("--exported and --usable exclude each other")
	}
	var curve keys.Curve
	if *curveName != "" {
		c, err := keys.ParseCurve(*curveName)
		if err != nil {
			return usagef("unsupported --curve %q: the curves are %s", *curveName, supportedCurves())
		}
		curve = c
	}
	keep := func(k *keys.Key) bool {
		switch {
		case *imported && !k.Imported, *native && k.Imported:
			return false
		case *exported && !k.Exported, *usable && !k.Usable():
			return false
		case curve != "" && k.Curve != curve:
			return false
		case *name != "" && !strings.Contains(strings.ToLower(k.Name), strings.ToLower(*name)):
			return false
		}
		return true
	}
	c, err := cf.client(e, false)
	if err != nil {
		return err
	}
	ctx, stop := e.context()
	defer stop()

	var tw *tabwriter.Writer
	if !*asJSON {
		tw = tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tSCHEME\tCURVE\tPUBLIC KEY\tIMPORTED\tEXPORTED\tCREATED")
	}
	listed, shown := 0, 0
	for k, err := range c.Keys.All(ctx, 500) {
		if err != nil {
			if tw != nil {
				tw.Flush()
			}
			return fmt.Errorf("listing the keys (after %d): %w", listed, err)
		}
		listed++
		if !keep(k) {
			continue
		}
		shown++
		if *asJSON {
			b, err := json.Marshal(k)
			if err != nil {
				return err
			}
			if _, err := e.stdout.Write(safetext.JSON(append(b, '\n'))); err != nil {
				return err
			}
			continue
		}
		exp := "no"
		if k.Exported {
			exp = "yes"
			if k.DateExported != nil {
				exp = k.DateExported.UTC().Format(time.DateOnly)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", printable(k.ID), printable(k.Name), printable(k.Scheme), printable(string(k.Curve)),
			printable(k.PublicKey), yesNo(k.Imported), exp, k.DateCreated.UTC().Format(time.DateOnly))
	}
	if tw != nil {
		tw.Flush()
		fmt.Fprintf(e.stderr, "%d of %d keys shown\n", shown, listed)
	}
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// printable is safetext.Text: text from the server, escaped and bounded,
// so that it cannot drive the terminal, hide text, reorder the line or
// add one (docs/threat-model.md §3).
func printable(s string) string { return safetext.Text(s) }
