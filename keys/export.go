package keys

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dfnskeys/dfnskeys/encryption"
	"github.com/dfnskeys/dfnskeys/internal/safetext"
	"github.com/dfnskeys/dfnskeys/internal/sharding"
	"github.com/dfnskeys/dfnskeys/internal/signerid"
)

// maxEncryptedShareSize bounds one encrypted export share (real ones are
// 281 bytes), so that a hostile response cannot make us decrypt megabytes.
const maxEncryptedShareSize = 4096

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
		return nil, fmt.Errorf("%w", err)
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

// FaultySigner names a signer whose export share could not be used: it did
// not decrypt or parse, repeated another signer or index, or is not on the
// polynomial the other shares agree on.
type FaultySigner struct {
	// SignerID is the signer, as sent on the wire.
	SignerID string
	// Err says what was wrong with its share. It never holds share values.
	Err error
}

// String names the signer and what was wrong.
func (f FaultySigner) String() string {
	return "signer " + printableID(f.SignerID) + ": " + f.Err.Error()
}

// RecoveryError reports an export response from which no key was
// recovered. Faulty names the signers whose shares were found faulty, if
// any; Err is [ErrPublicKeyMismatch], [ErrTooManyFaulty] or another failure.
type RecoveryError struct {
	// Faulty lists the signers whose shares were faulty, in response order.
	Faulty []FaultySigner
	// Err says why no key was recovered.
	Err error
}

// Error says why no key was recovered and names the faulty signers.
func (e *RecoveryError) Error() string {
	if len(e.Faulty) == 0 {
		return e.Err.Error()
	}
	return e.Err.Error() + "; faulty: " + faultyList(e.Faulty)
}

// Unwrap returns the underlying failure.
func (e *RecoveryError) Unwrap() error { return e.Err }

// faultyList lists faulty signers on one line, for messages.
func faultyList(fs []FaultySigner) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.String()
	}
	return strings.Join(parts, "; ")
}

// ErrPublicKeyMismatch is returned (wrapped) when the recombined key does
// not match the export response's public key.
var ErrPublicKeyMismatch = errors.New("the recovered private key does not match the key's public key")

// ErrTooManyFaulty is returned (wrapped) when too many export shares are
// unusable or wrong to recover the key.
var ErrTooManyFaulty = errors.New("too many export shares are faulty to recover the key")

// RecoverOptions configures [ExportContext.Recover].
type RecoverOptions struct {
	// Expect, when set, is the key the user expects: a recovered key that
	// is not it (its public key compared in constant time) is destroyed,
	// and an [*UnexpectedKeyError] returned instead, with Exported set.
	// Without it the key is checked only against the response's own
	// publicKey, which an API that substitutes another key controls (see
	// docs/threat-model.md §2).
	Expect Expectation
	// Signers, when set, lists the signer IDs (as on the wire) of the
	// key's cluster, for example from pinned signers: a share from any
	// other signer is refused without being decrypted and its signer
	// named faulty (see docs/threat-model.md §7).
	Signers []string
}

// Recover decrypts and recombines an export response into the
// private key, correcting faulty shares where it can.
//
// It checks what docs/protocol.md §5 requires: a scheme this context asked
// for, minSigners of at least 2, at least minSigners shares, and a valid
// publicKey. Each share must come from a distinct signer (of
// opts.Signers, when set), decrypt, parse strictly for the response's
// curve and have an index no other share has; a share that does not is
// left out and its signer is faulty. Shares that repeat an index are all
// left out and every signer involved is named as suspect: one of them is
// forged, and which cannot be told (docs/threat-model.md §7). The
// remaining n shares are decoded as a Reed–Solomon codeword (see
// internal/sharding), which finds and corrects up to ⌊(n−minSigners)/2⌋
// wrong ones, and the result must match publicKey and, when opts.Expect
// is set, the expected key.
//
// When it does, Recover returns the key together with the faulty
// signers (usually none): the key is right, but the caller should report
// them, since Dfns may have marked the key exported already. Otherwise it
// returns a [*RecoveryError] naming the faulty signers found, wrapping
// [ErrPublicKeyMismatch] or [ErrTooManyFaulty], or an
// [*UnexpectedKeyError]; never a wrong key. Its cost is polynomial in the
// number of shares: O(n·t) operations when the shares agree, O(n³) when
// some do not.
func (c *ExportContext) Recover(ctx context.Context, resp *ExportResponse, opts RecoverOptions) (*PrivateKey, []FaultySigner, error) {
	if resp == nil {
		return nil, nil, errors.New("no export response to recover")
	}
	scheme := Scheme{Protocol: resp.Protocol, Curve: resp.Curve}
	if err := scheme.Validate(); err != nil {
		return nil, nil, fmt.Errorf("%w (in the export response)", err)
	}
	if !c.asked(scheme) {
		return nil, nil, fmt.Errorf("export response uses %s, which the export request did not list", scheme)
	}
	curve := resp.Curve.math()
	n := len(resp.EncryptedKeyShares)
	t := resp.MinSigners
	switch {
	case t < 2:
		return nil, nil, fmt.Errorf("export response has minSigners %d; it must be at least 2", t)
	case n < t:
		return nil, nil, fmt.Errorf("export response has %d share(s) but minSigners is %d", n, t)
	case n > signerid.MaxSigners:
		return nil, nil, fmt.Errorf("export response has %d shares, more than the %d supported", n, signerid.MaxSigners)
	}
	pubBytes, err := hex.DecodeString(resp.PublicKey)
	if err != nil {
		return nil, nil, fmt.Errorf("export response publicKey is not hex")
	}
	pub, err := curve.ParsePublicKey(pubBytes)
	if err != nil {
		return nil, nil, fmt.Errorf("export response publicKey: %w", err)
	}
	var cluster [][]byte
	for _, s := range opts.Signers {
		id, err := signerid.Decode(s)
		if err != nil {
			return nil, nil, fmt.Errorf("RecoverOptions.Signers: %w", err)
		}
		cluster = append(cluster, id)
	}
	inCluster := func(id []byte) bool {
		return opts.Signers == nil || slices.ContainsFunc(cluster, func(c []byte) bool { return bytes.Equal(c, id) })
	}

	type faulty struct {
		pos int
		err error
	}
	type opened struct {
		pos   int
		share sharding.Share
		id    []byte
	}
	var bad []faulty
	var all []opened
	defer func() {
		for _, o := range all {
			o.share.Value.Zeroize()
		}
	}()
	// A signer ID that appears more than once: which of its shares is the
	// signer's own cannot be told (a forged one may come first), so none
	// is used and the signer is named as suspect, never "faulty" on the
	// strength of the forgery (docs/threat-model.md §7).
	seen := make(map[string]int, n)
	for _, es := range resp.EncryptedKeyShares {
		if id, err := signerid.Decode(es.SignerID); err == nil {
			seen[string(id)]++
		}
	}
	for i, es := range resp.EncryptedKeyShares {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		id, err := signerid.Decode(es.SignerID)
		if err != nil {
			bad = append(bad, faulty{i, err})
			continue
		}
		if !inCluster(id) {
			bad = append(bad, faulty{i, fmt.Errorf("the signer is not one of the %d signers of the key's cluster; its share was refused", len(cluster))})
			continue
		}
		if c := seen[string(id)]; c > 1 {
			bad = append(bad, faulty{i, fmt.Errorf("suspect: the signer appears %d times in the response; which share is its own cannot be told, so none of them was used", c)})
			continue
		}
		share, err := c.openShare(curve, es)
		if err != nil {
			bad = append(bad, faulty{i, err})
			continue
		}
		all = append(all, opened{i, share, id})
	}
	// Shares that repeat an index: one of them is forged, and which one
	// cannot be told, so none is used and every signer is named.
	shares := make([]sharding.Share, 0, len(all))
	pos := make([]int, 0, len(all)) // position in the response of shares[k]
	for k, o := range all {
		var others []string
		for j, p := range all {
			if j != k && p.share.Index.Equal(o.share.Index) {
				others = append(others, printableID(resp.EncryptedKeyShares[p.pos].SignerID))
			}
		}
		if others != nil {
			bad = append(bad, faulty{o.pos, fmt.Errorf("suspect: the share has the same index as the share of signer %s; one of them is forged, so none of them was used", strings.Join(others, ", signer "))})
			continue
		}
		shares = append(shares, o.share)
		pos = append(pos, o.pos)
	}
	report := func() []FaultySigner {
		slices.SortFunc(bad, func(a, b faulty) int { return a.pos - b.pos })
		out := make([]FaultySigner, len(bad))
		for i, f := range bad {
			out[i] = FaultySigner{SignerID: resp.EncryptedKeyShares[f.pos].SignerID, Err: f.err}
		}
		return out
	}
	if len(shares) < t {
		return nil, nil, &RecoveryError{Faulty: report(), Err: fmt.Errorf("%w: %d of %d shares are usable and minSigners is %d", ErrTooManyFaulty, len(shares), n, t)}
	}

	secret, wrong, err := sharding.Decode(ctx, shares, t)
	switch {
	case errors.Is(err, sharding.ErrUncorrectable):
		return nil, nil, &RecoveryError{Faulty: report(), Err: fmt.Errorf("%w: the %d usable shares do not agree, and up to %d wrong ones can be found", ErrTooManyFaulty, len(shares), (len(shares)-t)/2)}
	case err != nil:
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, nil, fmt.Errorf("%w", err)
	}
	defer secret.Zeroize()
	for _, k := range wrong {
		bad = append(bad, faulty{pos[k], errors.New("the share is not on the polynomial the other shares agree on")})
	}
	recovered := curve.BaseMul(secret).PublicKeyBytes()
	if subtle.ConstantTimeCompare(recovered, pub.PublicKeyBytes()) != 1 {
		err := ErrPublicKeyMismatch
		if len(bad) == 0 {
			err = fmt.Errorf("%w: all %d shares agree on another key (is the response's publicKey wrong?)", ErrPublicKeyMismatch, len(shares))
		}
		return nil, nil, &RecoveryError{Faulty: report(), Err: err}
	}
	if opts.Expect != nil {
		reason := opts.Expect.CheckCurve(resp.Curve)
		if reason != nil || !opts.Expect.Matches(resp.Curve, recovered) {
			// The key is not the user's: it is never built, and the
			// secret is zeroed by the deferred call.
			return nil, nil, &UnexpectedKeyError{Expected: opts.Expect.String(), Curve: resp.Curve, PublicKey: hex.EncodeToString(recovered), Exported: true, Reason: reason}
		}
	}
	return fromScalar(resp.Curve, secret), report(), nil
}

// printableID returns a signer ID (from the API) fit for a message:
// escaped and bounded by [safetext.Text] (see docs/threat-model.md §3).
func printableID(id string) string { return safetext.Text(id) }

func (c *ExportContext) asked(s Scheme) bool {
	for _, x := range c.schemes {
		if x == s {
			return true
		}
	}
	return false
}

func (c *ExportContext) openShare(curve sharding.Curve, es EncryptedKeyShare) (sharding.Share, error) {
	if base64.StdEncoding.DecodedLen(len(es.EncryptedKeyShare)) > maxEncryptedShareSize {
		return sharding.Share{}, fmt.Errorf("encrypted share is larger than %d bytes", maxEncryptedShareSize)
	}
	ct, err := base64.StdEncoding.Strict().DecodeString(es.EncryptedKeyShare)
	if err != nil {
		return sharding.Share{}, errors.New("encrypted share is not standard padded base64")
	}
	pt, err := c.dk.Decrypt(ct)
	if err != nil {
		return sharding.Share{}, fmt.Errorf("%w (was it encrypted to this export's key?)", err)
	}
	defer clear(pt)
	s, err := sharding.ParseExportShare(curve, pt)
	if err != nil {
		return sharding.Share{}, err
	}
	return sharding.Share{Index: s.Index, Value: s.SecretShare}, nil
}
