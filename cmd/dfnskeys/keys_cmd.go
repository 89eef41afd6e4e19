package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dfnskeys/dfnskeys/internal/safetext"
	"github.com/dfnskeys/dfnskeys/keys"
)

var keysCommand = &command{
	name:    "keys",
	summary: "list the organisation's keys",
	usage: `Usage: dfnskeys keys [--json] [--imported|--native] [--exported|--usable]
         [--curve CURVE] [--name TEXT] [connection flags]

Lists the keys Dfns holds (GET /keys, page by page) in a table that fits
the terminal (80 columns when not one): ID, name, curve, protocol (FROST
for EdDSA, FROST_BITCOIN for Schnorr, CGGMP for ECDSA: the listing does
not tell CGGMP24 from CGGMP21, which share one share format), public key
and status: exported (Dfns no longer signs with it), else imported or
native (created by Dfns). Too wide a table shortens the public key, then
the name, then the ID with an ellipsis (…). A read-only token is enough.
--json prints one JSON object per line, each key in full as Dfns reports
it, for scripts.

Filters (combined with AND):
  --imported        only keys that were imported
  --native          only keys Dfns created itself
  --exported        only keys that were exported (Dfns no longer signs with
                    them)
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
	curve, err := curveFlag(*curveName)
	if err != nil {
		return err
	}
	keep := func(k *keys.Key) bool { // the filters, combined with AND
		return (!*imported || k.Imported) && (!*native || !k.Imported) && (!*exported || k.Exported) && (!*usable || k.Unusable() == "") &&
			(curve == "" || k.Curve == curve) && (*name == "" || strings.Contains(strings.ToLower(k.Name), strings.ToLower(*name)))
	}
	c, ctx, stop, err := cf.connect(e, false)
	if err != nil {
		return err
	}
	defer stop()

	table := [][]string{{"ID", "NAME", "CURVE", "PROTOCOL", "PUBLIC KEY", "STATUS"}}
	flush := func() {
		if !*asJSON {
			printTable(e.stdout, table, outputWidth(e.stdout), keysShrink)
		}
	}
	listed, shown := 0, 0
	for k, err := range c.Keys.All(ctx, 500) {
		if err != nil {
			flush()
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
		status := "native"
		switch {
		case k.Exported:
			status = "exported"
		case k.Imported:
			status = "imported"
		}
		table = append(table, []string{printable(k.ID), printable(k.Name), printable(string(k.Curve)), printable(protocolOf(k.Scheme)), printable(k.PublicKey), status})
	}
	if !*asJSON {
		flush()
		fmt.Fprintf(e.stderr, "%d of %d keys shown\n", shown, listed)
	}
	return nil
}

// keysShrink is the order in which keys's columns are shortened: the
// public key to 11 columns, the name to 12 then 10, the ID to 18.
var keysShrink = []shrinkStep{{col: 4, width: 11, middle: true}, {col: 1, width: 12}, {col: 1, width: 10}, {col: 0, width: 18}}

// protocolOf names the protocol of a key of the given scheme, as the
// keys table shows it: GET /keys reports the scheme, and ECDSA keys may be
// CGGMP24 or CGGMP21 (one share format; see docs/protocol.md §2).
func protocolOf(scheme string) string {
	switch scheme {
	case "EdDSA":
		return string(keys.FROST)
	case "Schnorr":
		return string(keys.FROSTBitcoin)
	case "ECDSA":
		return "CGGMP"
	}
	return scheme
}

// printable is safetext.Text: text from the server, escaped and bounded,
// so that it cannot drive the terminal, hide text, reorder the line or
// add one (docs/threat-model.md §3).
func printable(s string) string { return safetext.Text(s) }
