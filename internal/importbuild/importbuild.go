// Package importbuild builds POST /keys/import bodies: it orders a
// cluster's signers, splits a key into Shamir shares and encrypts each
// share to its signer (docs/protocol.md §2–4). It is the machinery behind
// dfnskeys.ImportTarget, which users call; nothing outside the module
// depends on it.
package importbuild

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/dfnskeys/dfnskeys/encryption"
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
	if n := utf8.RuneCountInString(opts.Name); n > MaxNameLength {
		return nil, fmt.Errorf("key name is %d characters, at most %d allowed", n, MaxNameLength)
	}
	n := len(b.signers)
	t := opts.Threshold
	if t == 0 {
		t = DefaultThreshold
	}
	if t < 2 || t > n {
		return nil, fmt.Errorf("threshold %d is invalid for %d signers: it must be between 2 and %d", t, n, n)
	}

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
