// Package importbuild builds POST /keys/import bodies: it orders a
// cluster's signers, splits a key into Shamir shares and encrypts each
// share to its signer (docs/protocol.md §2–4). It is the machinery behind
// dfnskeys.ImportTarget, which users call; nothing outside the module
// depends on it.
package importbuild

import (
	"cmp"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/dfnskeys/dfnskeys/encryption"
	"github.com/dfnskeys/dfnskeys/internal/optionerr"
	"github.com/dfnskeys/dfnskeys/internal/secretish"
	"github.com/dfnskeys/dfnskeys/internal/sharding"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signers"
)

// DefaultThreshold is the threshold used when none is given (3); it is
// the only value Dfns accepts today.
const DefaultThreshold = 3

// MaxNameLength is the longest key name Dfns accepts, in characters.
const MaxNameLength = 100

// Options configures [Builder.Build]. The zero value imports with the
// curve's default protocol and threshold 3.
type Options struct {
	// Protocol defaults to [keys.DefaultProtocol] of the key's curve.
	Protocol keys.Protocol
	// Threshold is t, the number of signers needed to sign; 0 means
	// [DefaultThreshold]. It must be between 2 and the number of
	// signers.
	Threshold int
	// Name is an optional key name of at most [MaxNameLength] characters.
	Name string
}

// Request splits key among the signers of one cluster and returns the
// POST /keys/import body: [New] then [Builder.Build].
func Request(key *keys.PrivateKey, cluster []signers.Signer, opts Options) (*keys.ImportRequest, error) {
	if key == nil {
		return nil, fmt.Errorf("no private key to import")
	}
	b, err := New(cluster)
	if err != nil {
		return nil, err
	}
	return b.Build(key, opts)
}

// Builder builds import requests for one cluster. It validates and orders
// the signers once. It is safe for concurrent use.
type Builder struct {
	signers []signers.Parsed
	keys    []*encryption.EncryptionKey
}

// New validates the cluster's signers and puts them in share order:
// ascending decoded signer ID. It rejects duplicate or undecodable IDs,
// invalid encryption keys and fewer than 2 signers.
func New(cluster []signers.Signer) (*Builder, error) {
	sorted, err := signers.Sort(cluster)
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	if len(sorted) < 2 {
		return nil, fmt.Errorf("the cluster has %d signer(s); importing needs at least 2", len(sorted))
	}
	b := &Builder{signers: sorted, keys: make([]*encryption.EncryptionKey, len(sorted))}
	for i, s := range sorted {
		b.keys[i] = s.EncryptionKey
	}
	return b, nil
}

// Signers returns the validated signers in share order.
func (b *Builder) Signers() []signers.Parsed {
	return append([]signers.Parsed(nil), b.signers...)
}

// Listed returns the signers in share order as GET /signers lists them.
func (b *Builder) Listed() []signers.Signer {
	listed := make([]signers.Signer, len(b.signers))
	for i, s := range b.signers {
		listed[i] = signers.Signer{SignerID: s.SignerID, EncryptionKey: s.EncryptionKey.String()}
	}
	return listed
}

// CheckPinned checks the builder's signers against pinned ones; see
// [signers.CheckPinned].
func (b *Builder) CheckPinned(pinned []signers.Signer) error {
	return signers.CheckPinned(b.Listed(), pinned)
}

// CheckOptions checks an import's key name and threshold (0: the
// default) for a cluster of n signers (0 when not known yet), before any
// key is read: every import (the command line's pre-flight, [Builder.Build])
// runs this one copy. A name that looks like a secret (Dfns shows names to
// everyone who can list keys) or is longer than [MaxNameLength], and a
// threshold below 2, are errors wrapping [keys.ErrInvalidOption]; a
// threshold above n is a plain error (the cluster, not the option, may be
// what is wrong). No error shows the name.
func CheckOptions(name string, threshold, n int) error {
	t := cmp.Or(threshold, DefaultThreshold)
	switch l := utf8.RuneCountInString(name); {
	case secretish.Looks(name):
		return optionerr.New("the key name (Name, --name; not shown) looks like a secret, not a key name: Dfns stores a key's name and shows it to everyone who can list keys; give a short descriptive name")
	case l > MaxNameLength:
		return optionerr.New("the key name (Name, --name) is %d characters long: at most %d are allowed", l, MaxNameLength)
	case t < 2:
		return optionerr.New("threshold %d is invalid (Threshold, --min-signers): it must be at least 2", t)
	case n > 0 && t > n:
		return fmt.Errorf("threshold %d is invalid for %d signers (Threshold, --min-signers): it must be between 2 and %d", t, n, n)
	}
	return nil
}

// Build splits key among the builder's signers and returns the import body.
//
// Signers are in ascending order of their decoded IDs; the i-th gets f(i)
// of a fresh random polynomial of degree t−1 with f(0) = key, together
// with every public share, encrypted to its encryption key. It rejects a
// threshold outside 2..n, a name longer than [MaxNameLength] and
// unsupported protocol/curve pairs. It never asks for a master key (see
// [keys.ErrMasterKey]).
func (b *Builder) Build(key *keys.PrivateKey, opts Options) (*keys.ImportRequest, error) {
	if key == nil {
		return nil, fmt.Errorf("no private key to import")
	}
	curve := key.Curve()
	scheme := keys.Scheme{Protocol: opts.Protocol, Curve: curve}
	if scheme.Protocol == "" {
		scheme.Protocol = keys.DefaultProtocol(curve)
	}
	if err := scheme.Validate(); err != nil {
		return nil, err
	}
	n := len(b.signers)
	if err := CheckOptions(opts.Name, opts.Threshold, n); err != nil {
		return nil, err
	}
	t := cmp.Or(opts.Threshold, DefaultThreshold)

	math, err := sharding.CurveByName(string(curve))
	if err != nil {
		return nil, fmt.Errorf("%w", err) // unreachable: Validate accepted the curve
	}
	raw := key.Bytes()
	secret, err := math.ParseScalar(raw)
	clear(raw)
	if err != nil {
		return nil, fmt.Errorf("%w", err) // unreachable: PrivateKey is always valid
	}
	defer secret.Zeroize()
	sharing, err := sharding.Split(secret, t, n)
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	defer sharing.Zeroize()

	plaintexts := sharding.ImportPlaintexts(sharing)
	defer func() {
		for _, p := range plaintexts {
			clear(p)
		}
	}()
	cts := make([][]byte, n)
	for i, pt := range plaintexts {
		if cts[i], err = encryption.Encrypt(b.keys[i], pt); err != nil {
			return nil, fmt.Errorf("encrypting the shares: %w", err)
		}
	}
	req := &keys.ImportRequest{
		Name:               opts.Name,
		Protocol:           scheme.Protocol,
		Curve:              curve,
		MinSigners:         t,
		EncryptedKeyShares: make([]keys.EncryptedKeyShare, n),
	}
	for i, s := range b.signers {
		req.EncryptedKeyShares[i] = keys.EncryptedKeyShare{
			SignerID:          s.SignerID,
			EncryptedKeyShare: base64.StdEncoding.EncodeToString(cts[i]),
		}
	}
	return req, nil
}

// Identity returns the identity of the Dfns key that importing a key with
// publicKey under scheme makes. The zero scheme gives an identity by
// public key only.
func Identity(scheme keys.Scheme, publicKey []byte) keys.Identity {
	id := keys.Identity{PublicKey: hex.EncodeToString(publicKey)}
	if scheme != (keys.Scheme{}) {
		id.Curve, id.SchemeName = scheme.Curve, strings.ToLower(scheme.SignatureAlgorithm())
	}
	return id
}

// WalletRequest is the body of the older POST /wallets/import: an import
// request plus the wallet's network and an optional external ID.
type WalletRequest struct {
	// Network is the wallet's network, for example "EthereumSepolia".
	Network string `json:"network"`
	// ExternalID is an optional caller-chosen identifier.
	ExternalID string `json:"externalId,omitempty"`
	keys.ImportRequest
}
