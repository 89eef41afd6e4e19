package main

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/dfnskeys/dfnskeys"

	"github.com/dfnskeys/dfnskeys/internal/importbuild"
	"github.com/dfnskeys/dfnskeys/internal/safetext"
	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signers"
)

var splitCommand = &command{
	name:    "split",
	summary: "split a private key into the body of POST /keys/import",
	usage: `Usage: dfnskeys split --signers FILE --curve CURVE [flags]

Splits a private key among the signers of one Dfns signing cluster and writes
the body of POST /keys/import as JSON. The key is read as hex (an optional 0x
prefix; white space anywhere is ignored) from --key-file, or from standard
input when --key-file is - or absent. It is never taken from the command line.
The public key is printed on standard error.

With --request-out it writes, instead of the bare body, an import request
document for 'dfnskeys import --request' on an online machine: the body, the
key's curve, protocol, public key and addresses, and the signers the shares
are encrypted to (see 'dfnskeys help ceremony'). It needs no network and no
DFNS_* settings.

Flags:
  --signers FILE     saved GET /signers response, or a JSON array of signers
                     (required)
  --curve CURVE      secp256k1, stark or ed25519 (required)
  --protocol NAME    CGGMP24 or CGGMP21 (secp256k1, stark), FROST_BITCOIN
                     (secp256k1) or FROST (ed25519); default CGGMP24, as Dfns
                     uses for every ECDSA key, or FROST for ed25519
  --min-signers N    threshold: signers needed to sign (default 3)
  --key-file FILE    read the key from FILE; - means standard input (the
                     default)
  --format F         hex (the default) or json (an export document written by
                     'dfnskeys export' or 'dfnskeys recover', which says what
                     the key is)
  --ed25519-scalar   the hex ed25519 key is a 32-byte big-endian signing
                     scalar, as Dfns exports it, not an RFC 8032 seed
  --name NAME        key name, at most 100 characters
  --cluster ID       cluster to use when --signers lists several
  --out FILE         write the body to FILE, a new file (mode 0600) that must
                     not exist and is not one of the inputs, instead of
                     standard output
  --request-out FILE write the import request document to FILE, a new file
                     (it holds no secret), instead of the bare body
`,
	run: runSplit,
}

func runSplit(e *env, args []string) error {
	fs := newFlagSet("split")
	signersPath := pathFlag(fs, "signers")
	curveName := fs.String("curve", "", "")
	protocol := fs.String("protocol", "", "")
	minSigners := fs.Int("min-signers", keys.DefaultThreshold, "")
	keyFile := pathFlag(fs, "key-file")
	keyFormat := fs.String("format", "hex", "")
	edScalar := fs.Bool("ed25519-scalar", false, "")
	name := fs.String("name", "", "")
	clusterID := fs.String("cluster", "", "")
	out := pathFlag(fs, "out")
	requestOut := pathFlag(fs, "request-out")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := requireFlags("signers", *signersPath, "curve", *curveName); err != nil {
		return err
	}
	if *out != "" && *requestOut != "" {
		return usagef("give --out (the bare body) or --request-out (the import request document), not both")
	}
	outFlag := "--out"
	if *requestOut != "" {
		out, outFlag = requestOut, "--request-out"
	}
	curve, err := keys.ParseCurve(*curveName)
	if err != nil {
		return usagef("unsupported --curve %q: the curves are %s", *curveName, supportedCurves())
	}
	scheme, err := schemeFlag(*protocol, curve)
	if err != nil {
		return err
	}
	threshold := *minSigners
	if threshold == 0 {
		threshold = keys.DefaultThreshold
	}
	if threshold < 2 {
		return usagef("--min-signers %d is invalid: it must be at least 2", *minSigners)
	}
	if *edScalar && curve != keys.Ed25519 {
		return usagef("--ed25519-scalar is only for --curve ed25519, not %s", curve)
	}
	f, err := keyformat.ParseFormat(*keyFormat)
	if err != nil || (f != keyformat.Hex && f != keyformat.JSON) {
		return usagef("unknown --format %q: use hex or json", *keyFormat)
	}
	if *edScalar && f == keyformat.JSON {
		return usagef("--ed25519-scalar is not needed with --format json: the file says what its key is")
	}
	if err := refuseInput(*out, "--signers", *signersPath, "--key-file", *keyFile); err != nil {
		return err
	}
	if err := checkKeyName(*name); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(*name); n > importbuild.MaxNameLength {
		return usagef("--name is %d characters long: at most %d are allowed", n, importbuild.MaxNameLength)
	}

	// Everything about the cluster is checked before the key is read.
	target, err := loadTarget(*signersPath, *clusterID)
	if err != nil {
		return err
	}
	if n := len(target.Signers()); threshold > n {
		return fmt.Errorf("--min-signers %d is more than the %d signers of the cluster: it must be between 2 and %d", threshold, n, n)
	}

	// The destination is created before the key is read.
	outF, err := createOptional(*out, outFlag, 0o600)
	if err != nil {
		return err
	}
	defer outF.discard()
	key, err := readKey(e, *keyFile, curve, f, *edScalar)
	if err != nil {
		return err
	}
	defer key.Destroy()
	plan, err := target.Plan(key, dfnskeys.ImportKeyOptions{Protocol: scheme.Protocol, Threshold: threshold, Name: *name})
	if err != nil {
		return err
	}
	var body any = plan.Request
	if *requestOut != "" {
		body = plan
	}
	if err := outF.emit(e, body, "the import request"); err != nil {
		return err
	}
	req := plan.Request
	fmt.Fprintf(e.stderr, "public key: %s\n", key.PublicKeyHex())
	summary := fmt.Sprintf("curve %s, protocol %s, threshold %d of %d signers", curve, scheme.Protocol, req.MinSigners, len(req.EncryptedKeyShares))
	if target.ClusterID() != "" {
		summary += ", cluster " + safetext.Text(target.ClusterID())
	}
	fmt.Fprintln(e.stderr, summary)
	if curve == keys.Ed25519 {
		if *edScalar || f == keyformat.JSON {
			fmt.Fprintln(e.stderr, "the ed25519 key was read as a signing scalar")
		} else {
			fmt.Fprintln(e.stderr, "the ed25519 key was read as an RFC 8032 seed")
		}
	}
	return nil
}

// loadTarget reads --signers and picks the cluster: the offline
// counterpart of GET /signers.
func loadTarget(path, id string) (*dfnskeys.ImportTarget, error) {
	data, err := readFileLimited(path, maxJSONFile, "--signers file")
	if err != nil {
		return nil, err
	}
	list, err := signers.ParseList(data)
	if err != nil {
		return nil, fmt.Errorf("--signers %s: %w", path, err)
	}
	target, err := dfnskeys.NewImportTarget(list, id, nil)
	if err != nil {
		if id == "" && len(list.Clusters) > 1 {
			return nil, fmt.Errorf("--signers %s: %w; pass --cluster", path, err)
		}
		return nil, fmt.Errorf("--signers %s: %w", path, err)
	}
	return target, nil
}

// readKey reads the private key, hex or an export document (format f),
// from --key-file or standard input (without echo on a terminal), as the
// key sources of import and inspect do.
func readKey(e *env, path string, c keys.Curve, f keyformat.Format, edScalar bool) (*keys.PrivateKey, error) {
	name := string(f)
	ks := &keySource{keyFile: &path, format: &name}
	text, err := ks.read(e)
	if err != nil {
		return nil, err
	}
	defer clear(text)
	from := "the key on " + stdinDisplayName
	if path != "" && path != "-" {
		from = "the key in " + path
	}
	key, err := keyformat.Load(text, keyformat.LoadOptions{Format: f, Curve: c, Ed25519Scalar: edScalar})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", from, err)
	}
	return key, nil
}

func supportedCurves() string {
	var cs []string
	for _, s := range keys.SupportedSchemes() {
		if !slices.Contains(cs, string(s.Curve)) {
			cs = append(cs, string(s.Curve))
		}
	}
	return strings.Join(cs, ", ")
}

// schemeFlag is the scheme of --protocol (default: the curve's) and a
// curve, or a usage error that lists the supported pairs.
func schemeFlag(protocol string, c keys.Curve) (keys.Scheme, error) {
	if protocol == "" {
		return keys.Scheme{Protocol: keys.DefaultProtocol(c), Curve: c}, nil
	}
	p, err := keys.ParseProtocol(protocol)
	if err != nil {
		return keys.Scheme{}, usagef("unsupported --protocol %q: the supported protocol/curve pairs are %s", protocol, supportedPairs())
	}
	s := keys.Scheme{Protocol: p, Curve: c}
	if s.Validate() != nil {
		return keys.Scheme{}, usagef("--protocol %s cannot be used with --curve %s: the supported pairs are %s", p, c, supportedPairs())
	}
	return s, nil
}

func supportedPairs() string {
	var ps []string
	for _, s := range keys.SupportedSchemes() {
		ps = append(ps, s.String())
	}
	return strings.Join(ps, ", ")
}
