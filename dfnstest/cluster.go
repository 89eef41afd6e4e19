package dfnstest

import (
	"bytes"
	"errors"

	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signers"
)

// Cluster is a simulated signing cluster on its own, without a server: for
// testing package keys' offline steps (dfnskeys.NewImportTarget and ImportTarget.Plan, an
// ExportContext's Request and Recover) with no HTTP at all. Its signers
// hold real decryption keys.
type Cluster struct {
	// ID is the cluster ID.
	ID string
	c  *sim.Cluster
}

// NewCluster makes a cluster of n signers with random 32-byte IDs.
func NewCluster(n int) (*Cluster, error) {
	c, err := sim.NewCluster(n)
	if err != nil {
		return nil, err
	}
	return &Cluster{ID: c.ID, c: c}, nil
}

// Signers returns the cluster's signers as GET /signers lists them, in an
// order deliberately different from share order, as input for
// dfnskeys.NewImportTarget and ImportTarget.Plan.
func (c *Cluster) Signers() []signers.Signer { return c.c.WireSigners() }

// StoredKey is a key held by a [Cluster]: one share per signer, which never
// leave the package.
type StoredKey struct {
	// Scheme is the key's protocol and curve.
	Scheme keys.Scheme
	// Threshold is minSigners.
	Threshold int
	// PublicKey is the key's public key in the Dfns encoding.
	PublicKey []byte
	k         *sim.StoredKey
}

// Import validates an import request as real signers would and stores the
// key. Each signer decrypts its share, parses it strictly for the curve,
// checks its share against its public share, checks that its public shares
// equal every other signer's and lie on one polynomial of degree t−1; the
// cluster then reports that polynomial's value at 0 as the public key.
func (c *Cluster) Import(req *keys.ImportRequest) (*StoredKey, error) {
	k, err := c.c.Import(req)
	if err != nil {
		return nil, err
	}
	return &StoredKey{Scheme: k.Scheme, Threshold: k.Threshold, PublicKey: bytes.Clone(k.PublicKey), k: k}, nil
}

// Export encrypts every signer's share of k to the request's key, as real
// signers do. Before exporting, the cluster reshares the key at random
// non-consecutive indices, as a key refresh would, so that clients must use
// each share's own index. It fails when the request does not list k's
// scheme, or k is not a key of this cluster.
func (c *Cluster) Export(k *StoredKey, req *keys.ExportRequest) (*keys.ExportResponse, error) {
	if k == nil || k.k == nil {
		return nil, errors.New("dfnstest: Export: the key is not one that Cluster.Import returned")
	}
	return c.c.Export(k.k, req)
}
