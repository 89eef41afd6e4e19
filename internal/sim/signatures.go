package sim

import (
	"encoding/hex"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/dfnskeys/dfnskeys/internal/proof"
	"github.com/dfnskeys/dfnskeys/internal/sharding"
	"github.com/dfnskeys/dfnskeys/internal/signing"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signatures"
)

// sigRequest is a signature request held by the server: Pending when made,
// signed on the next read, as Dfns's signers work asynchronously.
type sigRequest struct {
	req       signatures.Request
	hash      []byte
	bad       bool // return a signature that does not verify
	confirmed bool // report Confirmed rather than Signed once signed
	seq       int  // order of creation, for listings
}

// The statuses of a signature request the simulator reports.
const (
	statusPending   = "Pending"
	statusSigned    = "Signed"
	statusConfirmed = "Confirmed"
	statusFailed    = "Failed"
)

// SignatureCountOf returns how many signature requests the server holds
// for key keyID.
func (s *Server) SignatureCountOf(keyID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.sigs {
		if r.req.KeyID == keyID {
			n++
		}
	}
	return n
}

// SignatureCount returns how many signature requests the server holds.
func (s *Server) SignatureCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sigs)
}

var starkBound = new(big.Int).Lsh(big.NewInt(1), 251)

// createSignature serves POST /keys/{keyId}/signatures for kind Hash.
func (s *Server) createSignature(c *call) (any, *apiError) {
	id := c.params["keyId"]
	s.mu.Lock()
	k := s.byID[id]
	var exported bool
	var unusable string
	if k != nil {
		exported = k.Key.Exported
		unusable = k.Key.Unusable()
	}
	s.mu.Unlock()
	if k == nil {
		return nil, errorf(http.StatusNotFound, "key %s not found", id)
	}
	if exported {
		return nil, errorf(http.StatusBadRequest, "key %s was exported and can no longer be used to sign", id)
	}
	if why := unusable; why != "" {
		return nil, errorf(http.StatusBadRequest, "key %s is %s and can no longer be used to sign", id, why)
	}
	var body signatures.SignRequest
	if e := decode(c.body, &body); e != nil {
		return nil, e
	}
	if len(body.ExternalID) > 256 {
		return nil, errorf(http.StatusBadRequest, "externalId is longer than 256 characters")
	}
	if body.Kind != "Hash" {
		return nil, errorf(http.StatusBadRequest, "kind %q is not simulated; use Hash", body.Kind)
	}
	h, ok := strings.CutPrefix(body.Hash, "0x")
	hash, err := hex.DecodeString(h)
	if !ok || err != nil || len(hash) != 32 {
		return nil, errorf(http.StatusBadRequest, "hash must be 0x and 64 hex digits")
	}
	scheme := k.Shares.Scheme
	switch {
	case scheme.Protocol == keys.FROSTBitcoin && body.TaprootMerkleRoot == nil:
		return nil, errorf(http.StatusBadRequest, "taprootMerkleRoot is required for a Schnorr key; use \"\" for a key-path spend")
	case scheme.Protocol == keys.FROSTBitcoin && *body.TaprootMerkleRoot != "":
		return nil, errorf(http.StatusBadRequest, "only taprootMerkleRoot \"\" is simulated")
	case scheme.Protocol != keys.FROSTBitcoin && body.TaprootMerkleRoot != nil:
		return nil, errorf(http.StatusBadRequest, "taprootMerkleRoot is only for Schnorr keys")
	case scheme.Curve == keys.Stark && new(big.Int).SetBytes(hash).Cmp(starkBound) >= 0:
		return nil, errorf(http.StatusBadRequest, "a stark key signs field elements: the hash must be below 2^251")
	}
	reqBody := body
	reqBody.ExternalID = ""
	r := &sigRequest{hash: hash, req: signatures.Request{
		ID: "sig-" + randomHex(10), KeyID: id, Status: statusPending, DateRequested: s.now(),
		RequestBody: &reqBody, ExternalID: body.ExternalID,
	}}
	s.mu.Lock()
	if body.ExternalID != "" {
		// Dfns's idempotency key: the same externalId with the same body
		// answers the request made first; with another body, 409.
		xk := id + "\x00" + body.ExternalID
		if prev := s.sigsByExt[xk]; prev != nil {
			same := proof.SameBody(prev.req.RequestBody, &body)
			out := prev.req
			s.mu.Unlock()
			if !same {
				return nil, errorf(http.StatusConflict, "a signature request with externalId %s already exists for key %s with a different body (%s)", body.ExternalID, id, prev.req.ID).with("signatureId", prev.req.ID)
			}
			return &out, nil
		}
		s.sigsByExt[xk] = r
	}
	s.sigSeq++
	r.seq = s.sigSeq
	r.confirmed, _, _ = s.fireLocked("", Confirmed, bothHalves)
	r.bad, _, _ = s.fireLocked("", BadSignature, bothHalves)
	s.sigs[r.req.ID] = r
	out := r.req
	gen := s.changedLocked()
	s.mu.Unlock()
	s.logSignatureFaults(r.req.ID, r.confirmed, r.bad)
	if err := s.persist(gen); err != nil {
		return nil, errorf(http.StatusInternalServerError, "the simulator could not save its state: %v", err)
	}
	return &out, nil
}

// getSignature serves GET /keys/{keyId}/signatures/{signatureId}; the
// first read of a pending request signs it.
func (s *Server) getSignature(c *call) (any, *apiError) {
	s.mu.Lock()
	r := s.sigs[c.params["signatureId"]]
	var k *StoredServerKey
	if r != nil && r.req.KeyID == c.params["keyId"] {
		k = s.byID[r.req.KeyID]
	}
	s.mu.Unlock()
	if k == nil {
		return nil, errorf(http.StatusNotFound, "signature %s of key %s not found", c.params["signatureId"], c.params["keyId"])
	}
	s.mu.Lock()
	pending := r.req.Status == statusPending
	s.mu.Unlock()
	if pending {
		sig, err := s.sign(k.Shares, r.hash)
		s.mu.Lock()
		if err != nil {
			r.req.Status, r.req.Reason = statusFailed, err.Error()
		} else if r.req.Status == statusPending {
			if r.bad {
				sig.S[31] ^= 1
			}
			now := s.now()
			r.req.Status, r.req.DateSigned = statusSigned, &now
			if r.confirmed {
				r.req.Status, r.req.DateConfirmed = statusConfirmed, &now
			}
			r.req.Signature = &signatures.Signature{R: "0x" + hex.EncodeToString(sig.R[:]), S: "0x" + hex.EncodeToString(sig.S[:])}
			if k.Shares.Scheme.Curve != keys.Ed25519 && k.Shares.Scheme.Protocol != keys.FROSTBitcoin {
				recid := sig.Recid
				r.req.Signature.Recid = &recid
			}
		}
		gen := s.changedLocked()
		s.mu.Unlock()
		_ = s.persist(gen) // saved again on the next change and at Close
	}
	s.mu.Lock()
	out := r.req
	s.mu.Unlock()
	return &out, nil
}

// listSignatures serves GET /keys/{keyId}/signatures: the key's requests,
// newest first, in pages (limit 1 to 500, default 100). A request listed is
// reported as it stands: one still Pending is not signed by listing it.
func (s *Server) listSignatures(c *call) (any, *apiError) {
	id := c.params["keyId"]
	q := c.r.URL.Query()
	limit, aerr := pageLimit(q.Get("limit"))
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byID[id] == nil {
		return nil, errorf(http.StatusNotFound, "key %s not found", id)
	}
	var mine []*sigRequest
	for _, r := range s.sigs {
		if r.req.KeyID == id {
			mine = append(mine, r)
		}
	}
	slices.SortFunc(mine, func(a, b *sigRequest) int { return b.seq - a.seq })
	start := 0
	if t := q.Get("paginationToken"); t != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(t, "sigpage-"))
		if err != nil || !strings.HasPrefix(t, "sigpage-") || n < 0 || n > len(mine) {
			return nil, errorf(http.StatusBadRequest, "invalid paginationToken")
		}
		start = n
	}
	end := min(start+limit, len(mine))
	out := struct {
		signatures.ListResponse
		KeyID string `json:"keyId"`
	}{ListResponse: signatures.ListResponse{Items: []signatures.Request{}}, KeyID: id}
	for _, r := range mine[start:end] {
		out.Items = append(out.Items, r.req)
	}
	if end < len(mine) {
		out.NextPageToken = "sigpage-" + strconv.Itoa(end)
	}
	return &out, nil
}

// sign recombines the key's shares (the simulator's stand-in for a
// threshold signing protocol) and signs hash as Dfns does for its scheme.
func (s *Server) sign(k *StoredKey, hash []byte) (*signing.Signature, error) {
	shares := make([]sharding.Share, 0, len(k.shares))
	for _, sh := range k.shares {
		shares = append(shares, sh)
	}
	secret, err := sharding.Recombine(shares)
	if err != nil {
		return nil, fmt.Errorf("recombining the key: %w", err)
	}
	defer secret.Zeroize()
	b := secret.Bytes()
	defer clear(b)
	switch {
	case k.Scheme.Curve == keys.Ed25519:
		return signing.Ed25519Scalar(b, hash)
	case k.Scheme.Protocol == keys.FROSTBitcoin:
		return signing.Taproot(b, hash)
	case k.Scheme.Curve == keys.Stark:
		return signing.StarkECDSA(b, hash)
	default:
		return signing.Secp256k1ECDSA(b, hash)
	}
}
