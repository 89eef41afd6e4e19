package keys

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/dfnskeys/dfnskeys/encryption"
	"github.com/dfnskeys/dfnskeys/sharding"
	"github.com/dfnskeys/dfnskeys/signers"
)

// MaxEncryptedShareSize bounds one encrypted export share (real ones are
// 281 bytes), so that a hostile response cannot make us decrypt megabytes.
const MaxEncryptedShareSize = 4096

// ExportContext holds the one-time key pair of a key export. Make a new one
// for every export, and [ExportContext.Destroy] it once the key is recovered.
type ExportContext struct {
	dk      *encryption.DecryptionKey
	schemes []Scheme
}

// NewExportContext generates a fresh envelope key pair for one export.
func NewExportContext() (*ExportContext, error) {
	dk, err := encryption.GenerateDecryptionKey()
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	return NewExportContextFromDecryptionKey(dk), nil
}

// NewExportContextFromDecryptionKey rebuilds the context of an export whose
// decryption key was saved, for example by `dfnskeys export-request`.
func NewExportContextFromDecryptionKey(dk *encryption.DecryptionKey) *ExportContext {
	return &ExportContext{dk: dk, schemes: SupportedSchemes()}
}

// DecryptionKey returns the context's secret key, for callers that must
// persist it between the request and the recovery.
func (c *ExportContext) DecryptionKey() *encryption.DecryptionKey { return c.dk }

// Request returns the export request body: the context's encryption key and
// every supported scheme.
func (c *ExportContext) Request() *ExportRequest {
	return &ExportRequest{
		EncryptionKey:    c.dk.EncryptionKey().String(),
		SupportedSchemes: append([]Scheme(nil), c.schemes...),
	}
}

// Destroy overwrites the context's decryption key.
func (c *ExportContext) Destroy() { c.dk.Destroy() }

// ShareError reports a problem with one signer's export share.
type ShareError struct {
	// SignerID is the signer whose share failed, as sent on the wire.
	SignerID string
	// Err says what failed.
	Err error
}

// Error names the signer and the failure.
func (e *ShareError) Error() string {
	return fmt.Sprintf("keys: export share of signer %s: %v", e.SignerID, e.Err)
}

// Unwrap returns the underlying failure.
func (e *ShareError) Unwrap() error { return e.Err }

// ErrPublicKeyMismatch is returned (possibly wrapped) when the recombined
// key does not match the export response's public key.
var ErrPublicKeyMismatch = errors.New("keys: the recovered private key does not match the key's public key")

// Recover decrypts and recombines an export response into the private key.
//
// It checks everything docs/protocol.md §5 requires: a scheme this context asked for,
// minSigners of at least 2, at least minSigners shares, distinct signers and
// distinct indices, every share decrypting and parsing strictly for the
// response's curve, and the recombined key matching publicKey. An error
// about one share is a [*ShareError] naming the signer. When the public key
// does not match, Recover tries to name the signers whose shares disagree.
func (c *ExportContext) Recover(resp *ExportResponse) (*PrivateKey, error) {
	if resp == nil {
		return nil, errors.New("keys: no export response to recover")
	}
	scheme := Scheme{Protocol: resp.Protocol, Curve: resp.Curve}
	if err := scheme.Validate(); err != nil {
		return nil, fmt.Errorf("%w (in the export response)", err)
	}
	if !c.asked(scheme) {
		return nil, fmt.Errorf("keys: export response uses %s, which the export request did not list", scheme)
	}
	curve := resp.Curve.math()
	n := len(resp.EncryptedKeyShares)
	switch {
	case resp.MinSigners < 2:
		return nil, fmt.Errorf("keys: export response has minSigners %d; it must be at least 2", resp.MinSigners)
	case n < resp.MinSigners:
		return nil, fmt.Errorf("keys: export response has %d share(s) but minSigners is %d", n, resp.MinSigners)
	case n > signers.MaxSigners:
		return nil, fmt.Errorf("keys: export response has %d shares, more than the %d supported", n, signers.MaxSigners)
	}
	pubBytes, err := hex.DecodeString(resp.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("keys: export response publicKey is not hex")
	}
	pub, err := curve.ParsePublicKey(pubBytes)
	if err != nil {
		return nil, fmt.Errorf("keys: export response publicKey: %w", err)
	}

	shares := make([]sharding.Share, 0, n)
	ids := make([][]byte, 0, n)
	defer func() {
		for _, s := range shares {
			s.Value.Zeroize()
		}
	}()
	for _, es := range resp.EncryptedKeyShares {
		share, id, err := c.openShare(curve, es)
		if err != nil {
			return nil, &ShareError{SignerID: es.SignerID, Err: err}
		}
		for j := range ids {
			if bytes.Equal(ids[j], id) {
				share.Value.Zeroize()
				return nil, &ShareError{SignerID: es.SignerID, Err: errors.New("signer appears twice in the response")}
			}
			if shares[j].Index.Equal(share.Index) {
				share.Value.Zeroize()
				return nil, &ShareError{SignerID: es.SignerID, Err: fmt.Errorf("share has the same index as the share of signer %s", resp.EncryptedKeyShares[j].SignerID)}
			}
		}
		shares = append(shares, share)
		ids = append(ids, id)
	}

	secret, err := sharding.Recombine(shares)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	defer secret.Zeroize()
	if subtle.ConstantTimeCompare(curve.BaseMul(secret).PublicKeyBytes(), pub.PublicKeyBytes()) != 1 {
		return nil, c.explainMismatch(resp, shares, pub)
	}
	return fromScalar(resp.Curve, secret), nil
}

func (c *ExportContext) asked(s Scheme) bool {
	for _, x := range c.schemes {
		if x == s {
			return true
		}
	}
	return false
}

func (c *ExportContext) openShare(curve sharding.Curve, es EncryptedKeyShare) (sharding.Share, []byte, error) {
	id, err := signers.DecodeID(es.SignerID)
	if err != nil {
		return sharding.Share{}, nil, err
	}
	if base64.StdEncoding.DecodedLen(len(es.EncryptedKeyShare)) > MaxEncryptedShareSize {
		return sharding.Share{}, nil, fmt.Errorf("encrypted share is larger than %d bytes", MaxEncryptedShareSize)
	}
	ct, err := base64.StdEncoding.Strict().DecodeString(es.EncryptedKeyShare)
	if err != nil {
		return sharding.Share{}, nil, errors.New("encrypted share is not standard padded base64")
	}
	pt, err := c.dk.Decrypt(ct)
	if err != nil {
		return sharding.Share{}, nil, fmt.Errorf("%w (was it encrypted to this export's key?)", err)
	}
	defer clear(pt)
	s, err := sharding.ParseExportShare(curve, pt)
	if err != nil {
		return sharding.Share{}, nil, err
	}
	return sharding.Share{Index: s.Index, Value: s.SecretShare}, id, nil
}

// maxSubsetSearch bounds the number of threshold-sized subsets tried when
// looking for the signers behind a public-key mismatch.
const maxSubsetSearch = 5000

// explainMismatch looks for a subset of minSigners shares that recombines to
// the public key; the shares that do not lie on its polynomial are named.
func (c *ExportContext) explainMismatch(resp *ExportResponse, shares []sharding.Share, pub sharding.Point) error {
	t := resp.MinSigners
	curve := resp.Curve.math()
	tried := 0
	var bad []string
	var search func(start int, picked []int) bool
	search = func(start int, picked []int) bool {
		if len(picked) == t {
			tried++
			sub := make([]sharding.Share, t)
			for i, j := range picked {
				sub[i] = shares[j]
			}
			s, err := sharding.Recombine(sub)
			if err != nil {
				return false
			}
			ok := curve.BaseMul(s).Equal(pub)
			s.Zeroize()
			if !ok {
				return false
			}
			for k := range shares {
				if in(picked, k) {
					continue
				}
				probe := append(append([]sharding.Share(nil), sub[:t-1]...), shares[k])
				s2, err := sharding.Recombine(probe)
				if err != nil || !curve.BaseMul(s2).Equal(pub) {
					bad = append(bad, resp.EncryptedKeyShares[k].SignerID)
				}
				if s2 != nil {
					s2.Zeroize()
				}
			}
			return true
		}
		for i := start; i < len(shares) && tried < maxSubsetSearch; i++ {
			if search(i+1, append(picked, i)) {
				return true
			}
		}
		return false
	}
	if len(shares) > t && search(0, nil) && len(bad) > 0 {
		return fmt.Errorf("%w: the shares of signer(s) %s are inconsistent with the others", ErrPublicKeyMismatch, strings.Join(bad, ", "))
	}
	return ErrPublicKeyMismatch
}

func in(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
