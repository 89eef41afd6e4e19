package main

import (
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/dfnskeys/dfnskeys"

	"github.com/dfnskeys/dfnskeys/internal/importbuild"
	"github.com/dfnskeys/dfnskeys/internal/safetext"
	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signers"
)

var splitCommand = &command{
	name:    "split",
	summary: "split a private key into a POST /keys/import body",
	usage: `Usage: dfnskeys split --signers FILE --curve CURVE [flags]
         [key source flags]

Splits a private key among the signers of one Dfns signing cluster and writes
the body of POST /keys/import as JSON, or with --request-out an import
request document for 'dfnskeys import --request' on an online machine (see
'dfnskeys help ceremony'). It needs no network and no DFNS_* settings. The
public key is printed on standard error.

Flags:
  --signers FILE     saved GET /signers response, or a JSON array of signers
                     (required)
  --curve CURVE      secp256k1, stark or ed25519 (required)
  --protocol NAME    as for 'dfnskeys import'
  --min-signers N    threshold: signers needed to sign (default 3)
  --name NAME        key name, at most 100 characters
  --cluster ID       cluster to use when --signers lists several
  --out FILE         write the body to FILE, a new file (mode 0600) that must
                     not exist and is not one of the inputs, instead of
                     standard output
  --request-out FILE write the import request document to FILE, a new file
                     (it holds no secret), instead of the bare body
Here --format is hex unless given (a format is never detected); --curve is
required even for a format that implies one.

` + keySourceUsage,
	run: runSplit,
}

func runSplit(e *env, args []string) error {
	fs := newFlagSet("split")
	signersPath := pathFlag(fs, "signers")
	sf := addSplitFlags(fs)
	out := pathFlag(fs, "out")
	requestOut := pathFlag(fs, "request-out")
	ks := sf.ks
	ks.named = true
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := requireFlags("signers", *signersPath, "curve", *ks.curve); err != nil {
		return err
	}
	if *out != "" && *requestOut != "" {
		return usagef("give --out (the bare body) or --request-out (the import request document), not both")
	}
	outFlag := "--out"
	if *requestOut != "" {
		out, outFlag = requestOut, "--request-out"
	}
	if *ks.format == "" {
		*ks.format = string(keyformat.Hex)
	}
	f, curve, opts, err := sf.options()
	if err != nil {
		return err
	}
	if err := refuseInput(*out, "--signers", *signersPath, "--key-file", *ks.keyFile); err != nil {
		return err
	}

	// Everything about the cluster is checked before the key is read.
	target, err := loadTarget(*signersPath, opts.ClusterID)
	if err != nil {
		return err
	}
	opts.Target = target
	if err := opts.Check(); err != nil {
		return err
	}
	// The destination is created before the key is read.
	outF, err := createOptional(*out, outFlag, 0o600)
	if err != nil {
		return err
	}
	defer outF.discard()
	key, err := ks.load(e)
	if err != nil {
		return err
	}
	defer key.Destroy()
	plan, err := target.Plan(key, opts)
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
	summary := fmt.Sprintf("curve %s, protocol %s, threshold %d of %d signers", curve, opts.Protocol, req.MinSigners, len(req.EncryptedKeyShares))
	if target.ClusterID() != "" {
		summary += ", cluster " + safetext.Text(target.ClusterID())
	}
	fmt.Fprintln(e.stderr, summary)
	if curve == keys.Ed25519 {
		what := "an RFC 8032 seed"
		if *ks.edScalar || f == keyformat.JSON {
			what = "a signing scalar"
		}
		fmt.Fprintf(e.stderr, "the ed25519 key was read as %s\n", what)
	}
	return nil
}

// splitFlags say how import and split split a key: --protocol,
// --min-signers, --name, --cluster and the key source flags.
type splitFlags struct {
	protocol, name, cluster *string
	minSigners              *int
	ks                      *keySource
}

func addSplitFlags(fs *flag.FlagSet) *splitFlags {
	return &splitFlags{fs.String("protocol", "", ""), fs.String("name", "", ""), fs.String("cluster", "", ""),
		fs.Int("min-signers", importbuild.DefaultThreshold, ""), addKeySource(fs, "")}
}

// options checks the flags, before any key is read, and returns the key's
// format and curve ("" for either when the key file is to say) and the
// import options (without a protocol when the curve is not known yet).
func (sf *splitFlags) options() (keyformat.Format, keys.Curve, dfnskeys.ImportKeyOptions, error) {
	opts := dfnskeys.ImportKeyOptions{Name: *sf.name, ClusterID: *sf.cluster, Threshold: *sf.minSigners}
	if err := opts.Check(); err != nil {
		return "", "", opts, err
	}
	f, c, err := sf.ks.formatAndCurve()
	if err == nil && c != "" {
		opts.Protocol, err = sf.protocolFor(c)
	}
	return f, c, opts, err
}

// protocolFor is --protocol for a key on curve c (default: the curve's),
// or a usage error that lists the supported pairs.
func (sf *splitFlags) protocolFor(c keys.Curve) (keys.Protocol, error) {
	if *sf.protocol == "" {
		return keys.DefaultProtocol(c), nil
	}
	p, err := keys.ParseProtocol(*sf.protocol)
	if err != nil {
		return "", usagef("unsupported --protocol %q: the supported protocol/curve pairs are %s", *sf.protocol, supportedPairs())
	}
	if (keys.Scheme{Protocol: p, Curve: c}).Validate() != nil {
		return "", usagef("--protocol %s cannot be used with --curve %s: the supported pairs are %s", p, c, supportedPairs())
	}
	return p, nil
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

// curveFlag is a --curve flag's value: "" when not given, else a
// supported curve or a usage error that lists them.
func curveFlag(name string) (keys.Curve, error) {
	if name == "" {
		return "", nil
	}
	c, err := keys.ParseCurve(name)
	if err == nil {
		return c, nil
	}
	var cs []string
	for _, s := range keys.SupportedSchemes() {
		if !slices.Contains(cs, string(s.Curve)) {
			cs = append(cs, string(s.Curve))
		}
	}
	return "", usagef("unsupported --curve %q: the curves are %s", name, strings.Join(cs, ", "))
}

func supportedPairs() string {
	var ps []string
	for _, s := range keys.SupportedSchemes() {
		ps = append(ps, s.String())
	}
	return strings.Join(ps, ", ")
}
