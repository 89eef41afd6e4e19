package keys

import (
	"encoding/base64"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/dfnskeys/dfnskeys/encryption"
	"github.com/dfnskeys/dfnskeys/internal/sharding"
	"github.com/dfnskeys/dfnskeys/signers"
)

// DefaultThreshold is the threshold used when none is given; it is the only
// value Dfns accepts today.
const DefaultThreshold = 3

// MaxNameLength is the longest key name Dfns accepts, in characters.
const MaxNameLength = 100

// ImportOptions configures [BuildImportRequest]. The zero value imports
// with the curve's default protocol and threshold 3.
type ImportOptions struct {
	// Protocol defaults to [DefaultProtocol] of the key's curve.
	Protocol Protocol
	// Threshold is t, the number of signers needed to sign; 0 means
	// [DefaultThreshold]. It must be between 2 and the number of signers.
	Threshold int
	// Name is an optional key name of at most 100 characters.
	Name string
	// MasterKey must be false: importing an HD master key is refused with
	// [ErrMasterKey]. It exists so that a request built from an options
	// value read elsewhere fails loudly instead of silently importing a
	// plain key.
	MasterKey bool
}

// ErrMasterKey is returned when an import asks for masterKey: true. An HD
// master key's chain code travels inside Dfns's key shares in a format that
// Dfns has not published, and dfnskeys never guesses a format for key
// material (docs/protocol.md, "Protocols and curves").
var ErrMasterKey = errors.New("importing a master key (masterKey: true) is not supported: " +
	"the format in which Dfns carries an HD key's chain code inside the shares is not public; " +
	"import the derived child keys instead: derive each one locally (for example from the mnemonic with a derivation path) and import it as a plain key")

// BuildImportRequest splits key among the signers of one cluster and
// returns the POST /keys/import body.
//
// Signers are put in ascending order of their decoded IDs; the i-th gets
// f(i) of a fresh random polynomial of degree t−1 with f(0) = key, together
// with every public share, encrypted to its encryption key. It rejects
// duplicate signer IDs, invalid encryption keys, fewer than 2 signers, a
// threshold outside 2..n, and unsupported protocol/curve pairs.
//
// To import many keys into one cluster, make an [ImportBuilder] once.
func BuildImportRequest(key *PrivateKey, cluster []signers.Signer, opts ImportOptions) (*ImportRequest, error) {
	if key == nil {
		return nil, fmt.Errorf("no private key to import")
	}
	b, err := NewImportBuilder(cluster)
	if err != nil {
		return nil, err
	}
	return b.Build(key, opts)
}

// ImportBuilder builds import requests for one cluster. It validates and
// orders the signers once, so it is the efficient choice for importing many
// keys. It is safe for concurrent use.
type ImportBuilder struct {
	signers []signers.Parsed
	keys    []*encryption.EncryptionKey
}

// NewImportBuilder validates the cluster's signers and puts them in share
// order: ascending decoded signer ID. It rejects duplicate or undecodable
// IDs, invalid encryption keys and fewer than 2 signers.
func NewImportBuilder(cluster []signers.Signer) (*ImportBuilder, error) {
	sorted, err := signers.Sort(cluster)
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	if len(sorted) < 2 {
		return nil, fmt.Errorf("the cluster has %d signer(s); importing needs at least 2", len(sorted))
	}
	b := &ImportBuilder{signers: sorted, keys: make([]*encryption.EncryptionKey, len(sorted))}
	for i, s := range sorted {
		b.keys[i] = s.EncryptionKey
	}
	return b, nil
}

// Signers returns the validated signers in share order.
func (b *ImportBuilder) Signers() []signers.Parsed {
	return append([]signers.Parsed(nil), b.signers...)
}

// CheckPinned checks the builder's signers against pinned ones; see
// [signers.CheckPinned].
func (b *ImportBuilder) CheckPinned(pinned []signers.Signer) error {
	listed := make([]signers.Signer, len(b.signers))
	for i, s := range b.signers {
		listed[i] = signers.Signer{SignerID: s.SignerID, EncryptionKey: s.EncryptionKey.String()}
	}
	return signers.CheckPinned(listed, pinned)
}

// Build splits key among the builder's signers and returns the import body;
// see [BuildImportRequest].
func (b *ImportBuilder) Build(key *PrivateKey, opts ImportOptions) (*ImportRequest, error) {
	if key == nil {
		return nil, fmt.Errorf("no private key to import")
	}
	if opts.MasterKey {
		return nil, ErrMasterKey
	}
	scheme := Scheme{Protocol: opts.Protocol, Curve: key.curve}
	if scheme.Protocol == "" {
		scheme.Protocol = DefaultProtocol(key.curve)
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

	secret, err := key.scalarValue()
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
	cts, err := encryption.EncryptMany(b.keys, plaintexts)
	if err != nil {
		return nil, fmt.Errorf("encrypting the shares: %w", err)
	}
	req := &ImportRequest{
		Name:               opts.Name,
		Protocol:           scheme.Protocol,
		Curve:              key.curve,
		MinSigners:         t,
		EncryptedKeyShares: make([]EncryptedKeyShare, n),
	}
	for i, s := range b.signers {
		req.EncryptedKeyShares[i] = EncryptedKeyShare{
			SignerID:          s.SignerID,
			EncryptedKeyShare: base64.StdEncoding.EncodeToString(cts[i]),
		}
	}
	return req, nil
}
