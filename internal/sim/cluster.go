package sim

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/dfnskeys/dfnskeys/encryption"
	"github.com/dfnskeys/dfnskeys/internal/sharding"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signers"
)

// Signer is one simulated signer node with a real decryption key.
type Signer struct {
	// ID is the raw signer ID.
	ID []byte
	// SignerID is the base64 form used on the wire.
	SignerID string
	dk       *encryption.DecryptionKey
}

// EncryptionKey returns the signer's envelope key.
func (s *Signer) EncryptionKey() *encryption.EncryptionKey { return s.dk.EncryptionKey() }

// Cluster is a simulated signing cluster.
type Cluster struct {
	// ID is the cluster ID.
	ID string
	// Signers lists the signers in share order (ascending raw ID).
	Signers []*Signer
}

// NewCluster makes a cluster of n signers with random 32-byte IDs.
func NewCluster(n int) (*Cluster, error) {
	c := &Cluster{ID: "cl-" + randomHex(8)}
	for range n {
		dk, err := encryption.GenerateDecryptionKey()
		if err != nil {
			return nil, err
		}
		id := make([]byte, 32)
		_, _ = rand.Read(id)
		c.Signers = append(c.Signers, &Signer{ID: id, SignerID: base64.StdEncoding.EncodeToString(id), dk: dk})
	}
	slices.SortFunc(c.Signers, func(a, b *Signer) int { return bytes.Compare(a.ID, b.ID) })
	return c, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// WireSigners returns the cluster's signers as GET /signers lists them, in
// an order deliberately different from share order (reversed).
func (c *Cluster) WireSigners() []signers.Signer {
	out := make([]signers.Signer, len(c.Signers))
	for i, s := range c.Signers {
		out[len(out)-1-i] = signers.Signer{SignerID: s.SignerID, EncryptionKey: s.EncryptionKey().String()}
	}
	return out
}

// ListResponse returns the GET /signers response for this one cluster.
func (c *Cluster) ListResponse() *signers.ListResponse {
	return &signers.ListResponse{Clusters: []signers.Cluster{{ClusterID: c.ID, Signers: c.WireSigners()}}}
}

// StoredKey is a key held by the cluster: one share per signer.
type StoredKey struct {
	// Scheme is the key's protocol and curve.
	Scheme keys.Scheme
	// Threshold is minSigners.
	Threshold int
	// PublicKey is the key's public key in the Dfns encoding.
	PublicKey []byte
	// shares maps a signer's wire ID to its share (index and value);
	// the values are secret and never leave the package.
	shares map[string]sharding.Share
}

// PublicKeyHex returns the public key as the API reports it.
func (k *StoredKey) PublicKeyHex() string { return hex.EncodeToString(k.PublicKey) }

// signerError is an import rejected by one signer.
type signerError struct {
	// SignerID names the signer.
	SignerID string
	// Err is the reason.
	Err error
}

// Error names the signer and the reason.
func (e *signerError) Error() string {
	return fmt.Sprintf("signer %s rejected its share: %v", e.SignerID, e.Err)
}

// Unwrap returns the reason.
func (e *signerError) Unwrap() error { return e.Err }

// Import validates an import request as real signers would and stores the
// key. Each signer decrypts its share, parses it strictly for the curve,
// checks its share against its public share, checks that its public shares
// equal every other signer's and lie on one polynomial of degree t−1; the
// cluster then reports that polynomial's value at 0 as the public key.
func (c *Cluster) Import(req *keys.ImportRequest) (*StoredKey, error) {
	scheme := keys.Scheme{Protocol: req.Protocol, Curve: req.Curve}
	if err := scheme.Validate(); err != nil {
		return nil, err
	}
	curve, _ := sharding.CurveByName(string(req.Curve))
	n := len(c.Signers)
	if len(req.EncryptedKeyShares) != n {
		return nil, fmt.Errorf("expected %d encrypted key shares, one per signer, got %d", n, len(req.EncryptedKeyShares))
	}
	if req.MinSigners < 2 || req.MinSigners > n {
		return nil, fmt.Errorf("minSigners %d is invalid for %d signers", req.MinSigners, n)
	}
	k := &StoredKey{Scheme: scheme, Threshold: req.MinSigners, shares: map[string]sharding.Share{}}
	var first []sharding.Point
	for pos, es := range req.EncryptedKeyShares {
		s := c.signer(es.SignerID)
		if s == nil {
			return nil, fmt.Errorf("unknown signer %q", es.SignerID)
		}
		if _, dup := k.shares[s.SignerID]; dup {
			return nil, fmt.Errorf("signer %s appears twice", s.SignerID)
		}
		if c.Signers[pos] != s {
			// Real signers do not care about list order, but our clients
			// must send shares in share order: flag it loudly.
			return nil, fmt.Errorf("share %d is for signer %s, but share order says signer %s", pos, s.SignerID, c.Signers[pos].SignerID)
		}
		index := slices.Index(c.Signers, s) + 1
		ct, err := base64.StdEncoding.Strict().DecodeString(es.EncryptedKeyShare)
		if err != nil {
			return nil, &signerError{s.SignerID, errors.New("encrypted share is not base64")}
		}
		pt, err := s.dk.Decrypt(ct)
		if err != nil {
			return nil, &signerError{s.SignerID, err}
		}
		share, err := sharding.ParseImportShare(curve, pt)
		clear(pt)
		if err != nil {
			return nil, &signerError{s.SignerID, err}
		}
		if len(share.PublicShares) != n {
			return nil, &signerError{s.SignerID, fmt.Errorf("%d public shares for %d signers", len(share.PublicShares), n)}
		}
		if !curve.BaseMul(share.SecretShare).Equal(share.PublicShares[index-1]) {
			return nil, &signerError{s.SignerID, fmt.Errorf("secret share does not match public share %d", index)}
		}
		if first == nil {
			first = share.PublicShares
			pk, err := sharding.CheckPublicShares(first, req.MinSigners)
			if err != nil {
				return nil, &signerError{s.SignerID, err}
			}
			k.PublicKey = pk.PublicKeyBytes()
		} else {
			for j := range first {
				if !first[j].Equal(share.PublicShares[j]) {
					return nil, &signerError{s.SignerID, fmt.Errorf("public share %d differs from the other signers'", j+1)}
				}
			}
		}
		k.shares[s.SignerID] = sharding.Share{Index: sharding.ScalarFromInt(curve, uint32(index)), Value: share.SecretShare}
	}
	return k, nil
}

// generateKey makes a fresh key of the given scheme held by the cluster with
// threshold t, as Dfns does for keys it creates itself (a dealer-free key
// generation in reality; here a random secret shared at 1..n and dropped).
func (c *Cluster) generateKey(scheme keys.Scheme, t int) (*StoredKey, error) {
	if err := scheme.Validate(); err != nil {
		return nil, err
	}
	curve, _ := sharding.CurveByName(string(scheme.Curve))
	secret := randomScalar(curve)
	defer secret.Zeroize()
	sharing, err := sharding.Split(secret, t, len(c.Signers))
	if err != nil {
		return nil, err
	}
	k := &StoredKey{Scheme: scheme, Threshold: t, PublicKey: curve.BaseMul(secret).PublicKeyBytes(), shares: map[string]sharding.Share{}}
	for i, s := range c.Signers {
		k.shares[s.SignerID] = sharding.Share{Index: sharding.ScalarFromInt(curve, uint32(i+1)), Value: sharing.Shares[i]}
	}
	return k, nil
}

func (c *Cluster) signer(id string) *Signer {
	for _, s := range c.Signers {
		if s.SignerID == id {
			return s
		}
	}
	return nil
}

// Export encrypts every signer's share of k to the request's key, as real
// signers do. Before exporting, the cluster reshares the key at random
// non-consecutive indices, as a key refresh would, so that clients must use
// each share's own index. It fails when the request does not list k's scheme.
func (c *Cluster) Export(k *StoredKey, req *keys.ExportRequest) (*keys.ExportResponse, error) {
	if !slices.Contains(req.SupportedSchemes, k.Scheme) {
		return nil, fmt.Errorf("the key's scheme %s is not among the supported schemes", k.Scheme)
	}
	ek, err := encryption.ParseEncryptionKeyText(req.EncryptionKey)
	if err != nil {
		return nil, err
	}
	shares, err := c.refresh(k)
	if err != nil {
		return nil, err
	}
	resp := &keys.ExportResponse{
		PublicKey:  k.PublicKeyHex(),
		Protocol:   k.Scheme.Protocol,
		Curve:      k.Scheme.Curve,
		MinSigners: k.Threshold,
	}
	// Signers answer in any order: use the reverse of share order.
	for i := len(c.Signers) - 1; i >= 0; i-- {
		s := c.Signers[i]
		pt := (&sharding.ExportShare{Index: shares[i].Index, SecretShare: shares[i].Value}).Marshal()
		ct, err := encryption.Encrypt(ek, pt)
		clear(pt)
		if err != nil {
			return nil, err
		}
		resp.EncryptedKeyShares = append(resp.EncryptedKeyShares, keys.EncryptedKeyShare{
			SignerID: s.SignerID, EncryptedKeyShare: base64.StdEncoding.EncodeToString(ct),
		})
	}
	return resp, nil
}

// refresh returns a fresh sharing of k's secret at random indices, one per
// signer in share order.
func (c *Cluster) refresh(k *StoredKey) ([]sharding.Share, error) {
	var all []sharding.Share
	for _, s := range c.Signers {
		sh, ok := k.shares[s.SignerID]
		if !ok {
			return nil, errors.New("the key is not held by this cluster: export it from the cluster that imported it")
		}
		all = append(all, sh)
	}
	secret, err := sharding.Recombine(all)
	if err != nil {
		return nil, err
	}
	defer secret.Zeroize()
	return sharding.SplitAt(secret, k.Threshold, randomIndices(secret.Curve(), len(c.Signers)))
}

// randomScalar returns a uniformly random non-zero scalar of c.
func randomScalar(c sharding.Curve) sharding.Scalar {
	b := make([]byte, 32)
	defer clear(b)
	for {
		_, _ = rand.Read(b)
		if c != sharding.Secp256k1 {
			b[0] &= 0x0f // stark and ed25519 orders are below 2^252
		}
		if s, err := c.ParseScalar(b); err == nil {
			return s
		}
	}
}

func randomIndices(c sharding.Curve, n int) []sharding.Scalar {
	out := make([]sharding.Scalar, 0, n)
	for len(out) < n {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		b[0] &= 0x07 // below every supported order
		s, err := c.ParseScalar(b)
		if err != nil || slices.ContainsFunc(out, s.Equal) {
			continue
		}
		out = append(out, s)
	}
	return out
}
