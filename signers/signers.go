// Package signers describes the signing cluster returned by GET /signers
// (docs/protocol.md §1) and puts its signers in the order key shares are assigned in:
// ascending order of the raw bytes of the base64-decoded signer IDs (docs/protocol.md §5).
// Sorting the base64 strings instead gives a different, wrong order.
//
// [ParseList] reads a saved GET /signers answer strictly, [Fingerprint]
// gives the short form of a signer's key to check out of band, and
// [CheckPinned] compares a listed cluster with the pinned one (a tampered
// answer fails with [ErrPinMismatch], naming the signers that differ).
//
// # Constant time
//
// Nothing here is secret: signer IDs and encryption keys are public, so no
// operation in this package needs to be constant time.
package signers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dfnskeys/dfnskeys/encryption"
	"github.com/dfnskeys/dfnskeys/internal/safetext"
	"github.com/dfnskeys/dfnskeys/internal/signerid"
)

// Signer is one signer node as listed by GET /signers.
type Signer struct {
	// SignerID is the signer's ID: standard base64 of its raw ID bytes.
	SignerID string `json:"signerId"`
	// EncryptionKey is the signer's envelope key, base64 (docs/protocol.md §3).
	EncryptionKey string `json:"encryptionKey"`
}

// Cluster is a signing cluster: the signers that hold a key's shares.
type Cluster struct {
	// ClusterID identifies the cluster ("cl-…").
	ClusterID string `json:"clusterId"`
	// Signers lists the cluster's signers in no particular order.
	Signers []Signer `json:"signers"`
}

// ListResponse is the body of a GET /signers response.
type ListResponse struct {
	// Clusters lists the signing clusters available to the caller.
	Clusters []Cluster `json:"clusters"`
}

// ParseList parses a saved GET /signers response. For convenience it also
// accepts a bare JSON array of signers, which it returns as one cluster with
// an empty ID.
func ParseList(data []byte) (*ListResponse, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var ss []Signer
		if err := json.Unmarshal(trimmed, &ss); err != nil {
			return nil, fmt.Errorf("parsing signer array: %w", jsonError(err))
		}
		return &ListResponse{Clusters: []Cluster{{Signers: ss}}}, nil
	}
	var r ListResponse
	if err := json.Unmarshal(trimmed, &r); err != nil {
		return nil, fmt.Errorf("not a signers listing (the body of GET /signers, or a JSON array of signers): %w", jsonError(err))
	}
	if r.Clusters == nil {
		return nil, errors.New(`no "clusters" field: expected a GET /signers response or a JSON array of signers`)
	}
	return &r, nil
}

// jsonError replaces a JSON syntax error, whose message quotes a character
// of the input (which, when the wrong file was given, may be a secret), by
// one that gives only the offset.
func jsonError(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) && !strings.HasPrefix(se.Error(), "unexpected end") {
		return fmt.Errorf("JSON syntax error at byte offset %d", se.Offset)
	}
	return err
}

// Cluster returns the cluster with the given ID, or the only cluster when
// id is empty. With several clusters and no ID, the error lists the IDs.
func (r *ListResponse) Cluster(id string) (*Cluster, error) {
	if len(r.Clusters) == 0 {
		return nil, errors.New("the response lists no signing cluster")
	}
	ids := make([]string, len(r.Clusters))
	for i := range r.Clusters {
		if id != "" && r.Clusters[i].ClusterID == id {
			return &r.Clusters[i], nil
		}
		ids[i] = safetext.Text(r.Clusters[i].ClusterID)
	}
	if len(ids) > 20 {
		ids = append(ids[:20], fmt.Sprintf("and %d more", len(r.Clusters)-20))
	}
	if id != "" {
		return nil, fmt.Errorf("no cluster \"%s\"; available: %s", safetext.Text(id), strings.Join(ids, ", "))
	}
	if len(r.Clusters) > 1 {
		return nil, fmt.Errorf("%d clusters available, choose one of: %s", len(r.Clusters), strings.Join(ids, ", "))
	}
	return &r.Clusters[0], nil
}

// Parsed is a validated signer: decoded ID and parsed encryption key.
type Parsed struct {
	// ID is the decoded signer ID; it defines the signer order.
	ID []byte
	// SignerID is the ID as it appears on the wire.
	SignerID string
	// EncryptionKey is the signer's validated envelope key.
	EncryptionKey *encryption.EncryptionKey
}

// Sort validates signers and returns them in share order: ascending by
// decoded ID bytes. It rejects undecodable or duplicate IDs, invalid
// encryption keys, and more than 256 signers.
func Sort(ss []Signer) ([]Parsed, error) {
	if len(ss) > signerid.MaxSigners {
		return nil, fmt.Errorf("%d signers is more than the %d supported", len(ss), signerid.MaxSigners)
	}
	out := make([]Parsed, len(ss))
	for i, s := range ss {
		id, err := signerid.Decode(s.SignerID)
		if err != nil {
			return nil, err
		}
		ek, err := encryption.ParseEncryptionKeyText(s.EncryptionKey)
		if err != nil {
			return nil, fmt.Errorf("signer %s: %w", safetext.Text(s.SignerID), err)
		}
		out[i] = Parsed{ID: id, SignerID: s.SignerID, EncryptionKey: ek}
	}
	slices.SortFunc(out, func(a, b Parsed) int { return bytes.Compare(a.ID, b.ID) })
	for i := 1; i < len(out); i++ {
		if bytes.Equal(out[i-1].ID, out[i].ID) {
			return nil, fmt.Errorf("signer %s is listed twice", safetext.Text(out[i].SignerID))
		}
	}
	return out, nil
}
