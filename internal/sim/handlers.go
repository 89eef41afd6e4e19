package sim

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dfnskeys/dfnskeys/internal/importbuild"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signers"
)

func (s *Server) listSigners(*call) (any, *apiError) {
	resp := &signers.ListResponse{}
	s.mu.Lock()
	defer s.mu.Unlock()
	for ci, c := range s.clusters {
		ss := c.WireSigners()
		for si := range ss {
			if sub, ok := s.listed[[2]int{ci, si}]; ok {
				ss[si] = sub
			}
		}
		resp.Clusters = append(resp.Clusters, signers.Cluster{ClusterID: c.ID, Signers: ss})
	}
	return resp, nil
}

// SubstituteListedSigner makes GET /signers list sub in place of the
// signer at position i (in [Cluster.WireSigners] order) of cluster ci, as a
// tampered API front end or an intercepting proxy would: whoever holds
// sub's decryption key then receives that signer's import shares. The
// cluster itself is unchanged, so an import that is sent fails there. It
// returns an error when there is no such cluster or signer.
func (s *Server) SubstituteListedSigner(ci, i int, sub signers.Signer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ci < 0 || ci >= len(s.clusters) {
		return fmt.Errorf("dfnstest: SubstituteListedSigner: no cluster %d: the server has %d (0 to %d)", ci, len(s.clusters), len(s.clusters)-1)
	}
	if n := len(s.clusters[ci].Signers); i < 0 || i >= n {
		return fmt.Errorf("dfnstest: SubstituteListedSigner: no signer %d in cluster %d: it has %d (0 to %d)", i, ci, n, n-1)
	}
	if s.listed == nil {
		s.listed = map[[2]int]signers.Signer{}
	}
	s.listed[[2]int{ci, i}] = sub
	return nil
}

const pageTokenPrefix = "after:"

// pageLimit reads a list route's limit query: 1 to 500, default 100.
func pageLimit(v string) (int, *apiError) {
	if v == "" {
		return 100, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 500 {
		return 0, errorf(http.StatusBadRequest, "limit must be an integer from 1 to 500")
	}
	return n, nil
}

func (s *Server) listKeys(c *call) (any, *apiError) {
	q := c.r.URL.Query()
	limit, aerr := pageLimit(q.Get("limit"))
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	start := 0
	if t := q.Get("paginationToken"); t != "" {
		b, err := base64.RawURLEncoding.DecodeString(t)
		id, ok := strings.CutPrefix(string(b), pageTokenPrefix)
		k := s.byID[id]
		if err != nil || !ok || k == nil {
			return nil, errorf(http.StatusBadRequest, "invalid paginationToken")
		}
		start = slices.Index(s.keys, k) + 1
	}
	end := min(start+limit, len(s.keys))
	resp := &keys.ListResponse{Items: []keys.Key{}}
	for _, k := range s.keys[start:end] {
		resp.Items = append(resp.Items, s.answeredLocked(k))
	}
	if end < len(s.keys) {
		resp.NextPageToken = base64.RawURLEncoding.EncodeToString([]byte(pageTokenPrefix + s.keys[end-1].Key.ID))
	}
	return resp, nil
}

func (s *Server) getKey(c *call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.byID[c.params["keyId"]]
	if !ok {
		return nil, errorf(http.StatusNotFound, "key %s not found", c.params["keyId"])
	}
	key := s.answeredLocked(k)
	return &key, nil
}

// SubstituteKey makes the server answer for keyID with the key otherKeyID,
// consistently, as a compromised API front end could: GET /keys and
// GET /keys/{keyId} report keyID with the other key's curve, scheme and
// public key, and POST /keys/{keyId}/export (and the export of keyID's
// wallet) returns the other key's shares (which recover, and match the
// public key reported) while marking keyID exported, as Dfns would. It is a hostile-API rehearsal: a client that
// checks the export only against what the API says accepts the other key;
// one given the expected key (dfnskeys.ExportOptions.Expect, dfnskeys
// export --expect-public-key) refuses it (see docs/threat-model.md §2).
// [Server.Key] still reports the truth. An empty otherKeyID ends the
// substitution. Substitutions are not kept in a state file. It returns an
// error when either key does not exist.
func (s *Server) SubstituteKey(keyID, otherKeyID string) error {
	return s.setSubstitution("SubstituteKey", &s.substitute, keyID, otherKeyID)
}

// SubstituteExport is [Server.SubstituteKey] for the export only:
// GET /keys and GET /keys/{keyId} report keyID truthfully, and the export
// returns the other key's shares and public key. It rehearses a hostile
// API that a client catches only after the export was sent (Dfns has then
// marked keyID exported). An empty otherKeyID ends it. It returns an error
// when either key does not exist.
func (s *Server) SubstituteExport(keyID, otherKeyID string) error {
	return s.setSubstitution("SubstituteExport", &s.subExport, keyID, otherKeyID)
}

// setSubstitution makes *m answer for keyID with otherKeyID (an empty
// otherKeyID ends it), once both keys are known; name is the method's.
func (s *Server) setSubstitution(name string, m *map[string]string, keyID, otherKeyID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range []string{keyID, otherKeyID} {
		if id != "" && s.byID[id] == nil || id == keyID && id == "" {
			return fmt.Errorf("dfnstest: %s(%q, %q): no key %q", name, keyID, otherKeyID, id)
		}
	}
	if otherKeyID == "" {
		delete(*m, keyID)
		return nil
	}
	if *m == nil {
		*m = map[string]string{}
	}
	(*m)[keyID] = otherKeyID
	return nil
}

// exportedForLocked returns the key whose shares an export of k returns.
func (s *Server) exportedForLocked(k *StoredServerKey) *StoredServerKey {
	for _, m := range []map[string]string{s.subExport, s.substitute} {
		if other := s.byID[m[k.Key.ID]]; other != nil {
			return other
		}
	}
	return k
}

// answeredLocked returns k as the API reports it: with the public key of
// the key substituted for it, if any.
func (s *Server) answeredLocked(k *StoredServerKey) keys.Key {
	key := k.clone().Key
	if other := s.byID[s.substitute[k.Key.ID]]; other != nil {
		key.Curve, key.Scheme, key.PublicKey = other.Key.Curve, other.Key.Scheme, other.Key.PublicKey
	}
	return key
}

func (s *Server) getWallet(c *call) (any, *apiError) {
	id := c.params["walletId"]
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.wallets[id]
	if !ok {
		return nil, errorf(http.StatusNotFound, "wallet %s not found", id)
	}
	return *w, nil
}

func (s *Server) importKey(c *call) (any, *apiError) {
	var req keys.ImportRequest
	if e := decode(c.body, &req); e != nil {
		return nil, e
	}
	k, e := s.importShares(&req, "")
	if e != nil {
		return nil, e
	}
	return &k.Key, nil
}

// nativeSchemes maps a POST /keys scheme and curve to the protocol Dfns
// uses for keys it creates: CGGMP24 for every ECDSA key.
var nativeSchemes = map[string]map[keys.Curve]keys.Protocol{
	"ECDSA":   {keys.Secp256k1: keys.CGGMP24, keys.Stark: keys.CGGMP24},
	"Schnorr": {keys.Secp256k1: keys.FROSTBitcoin},
	"EdDSA":   {keys.Ed25519: keys.FROST},
}

// createKey serves POST /keys: see [Server.CreateKey].
func (s *Server) createKey(c *call) (any, *apiError) {
	var req keys.CreateRequest
	if e := decode(c.body, &req); e != nil {
		return nil, e
	}
	k, err := s.CreateKey(&req)
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "%v", err)
	}
	return &k.Key, nil
}

// CreateKey generates a key in the first cluster, as Dfns does for keys it
// creates itself (POST /keys): an ECDSA key is a CGGMP24 key, a Schnorr key
// FROST_BITCOIN, an EdDSA key FROST. The key is reported with imported
// false. Tests and the demo use it to rehearse exporting a native key.
func (s *Server) CreateKey(req *keys.CreateRequest) (*StoredServerKey, error) {
	if n := utf8.RuneCountInString(req.Name); n > importbuild.MaxNameLength {
		return nil, fmt.Errorf("name is %d characters; at most %d are allowed", n, importbuild.MaxNameLength)
	}
	protocol, ok := nativeSchemes[req.Scheme][req.Curve]
	if !ok {
		return nil, fmt.Errorf("scheme %q with curve %q is not supported: use ECDSA with secp256k1 or stark, Schnorr with secp256k1, or EdDSA with ed25519", req.Scheme, req.Curve)
	}
	scheme := keys.Scheme{Protocol: protocol, Curve: req.Curve}
	cl := s.clusters[0]
	sk, err := cl.generateKey(scheme, min(importbuild.DefaultThreshold, len(cl.Signers)))
	if err != nil {
		return nil, fmt.Errorf("key generation failed: %w", err)
	}
	k := &StoredServerKey{
		Key: keys.Key{
			ID: s.newKeyID(), Name: req.Name, Scheme: scheme.SignatureAlgorithm(), Curve: req.Curve,
			PublicKey: sk.PublicKeyHex(), Status: "Active", Custodial: true, DateCreated: s.now(),
		},
		Shares: sk, ClusterID: cl.ID,
	}
	s.mu.Lock()
	s.keys = append(s.keys, k)
	s.byID[k.Key.ID] = k
	gen := s.changedLocked()
	out := k.clone() // under the lock: an export may change k at once
	s.mu.Unlock()
	if err := s.persist(gen); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Server) importWallet(c *call) (any, *apiError) {
	var req importbuild.WalletRequest
	if e := decode(c.body, &req); e != nil {
		return nil, e
	}
	if req.Network == "" {
		return nil, errorf(http.StatusBadRequest, "network is required")
	}
	id := "wa-" + randomHex(8)
	k, e := s.importShares(&req.ImportRequest, id)
	if e != nil {
		return nil, e
	}
	w := &keys.Wallet{
		ID: id, Network: req.Network, Name: req.Name, Status: "Active", ExternalID: req.ExternalID,
		SigningKey: keys.WalletSigningKey{ID: k.Key.ID, Scheme: k.Key.Scheme, Curve: k.Key.Curve, PublicKey: k.Key.PublicKey},
		Custodial:  true, Imported: true, DateCreated: k.Key.DateCreated,
	}
	s.mu.Lock()
	s.wallets[id] = w
	gen := s.changedLocked()
	s.mu.Unlock()
	if err := s.persist(gen); err != nil {
		return nil, errorf(http.StatusInternalServerError, "the wallet was imported, but %v", err)
	}
	return *w, nil
}

// importShares has the signers check and store an import request.
func (s *Server) importShares(req *keys.ImportRequest, walletID string) (*StoredServerKey, *apiError) {
	if n := utf8.RuneCountInString(req.Name); n > importbuild.MaxNameLength {
		return nil, errorf(http.StatusBadRequest, "name is %d characters; at most %d are allowed", n, importbuild.MaxNameLength)
	}
	scheme := keys.Scheme{Protocol: req.Protocol, Curve: req.Curve}
	if err := scheme.Validate(); err != nil {
		return nil, errorf(http.StatusBadRequest, "%v", err)
	}
	if req.MasterKey {
		return nil, errorf(http.StatusBadRequest, "masterKey imports are not simulated: their share format is not public")
	}
	if len(req.EncryptedKeyShares) == 0 {
		return nil, errorf(http.StatusBadRequest, "encryptedKeyShares is empty")
	}
	first := req.EncryptedKeyShares[0].SignerID
	i := slices.IndexFunc(s.clusters, func(c *Cluster) bool { return c.signer(first) != nil })
	if i < 0 {
		return nil, errorf(http.StatusBadRequest, "signer %q is not in any cluster; list them with GET /signers", first).with("signerId", first)
	}
	cl := s.clusters[i]
	sk, err := cl.Import(req)
	if err != nil {
		e := errorf(http.StatusBadRequest, "key import failed: %v", err)
		if se := (*signerError)(nil); errors.As(err, &se) {
			e.with("signerId", se.SignerID)
		}
		return nil, e
	}
	k := &StoredServerKey{
		Key: keys.Key{
			ID: s.newKeyID(), Name: req.Name, Scheme: scheme.SignatureAlgorithm(), Curve: req.Curve,
			PublicKey: sk.PublicKeyHex(), Status: "Active", Custodial: true, Imported: true, DateCreated: s.now(),
		},
		Shares: sk, ClusterID: cl.ID, WalletID: walletID,
	}
	s.mu.Lock()
	s.keys = append(s.keys, k)
	s.byID[k.Key.ID] = k
	gen := s.changedLocked()
	out := k.clone() // under the lock: an export may change k at once
	s.mu.Unlock()
	if err := s.persist(gen); err != nil {
		return nil, errorf(http.StatusInternalServerError, "the key was imported, but %v", err)
	}
	return out, nil
}

func (s *Server) exportKey(c *call) (any, *apiError) {
	id := c.params["keyId"]
	s.mu.Lock()
	k := s.byID[id]
	src := k
	if k != nil {
		src = s.exportedForLocked(k)
	}
	s.mu.Unlock()
	if k == nil {
		return nil, errorf(http.StatusNotFound, "key %s not found", id)
	}
	return s.export(k, src, c.body)
}

func (s *Server) exportWallet(c *call) (any, *apiError) {
	id := c.params["walletId"]
	s.mu.Lock()
	var k, src *StoredServerKey
	if w := s.wallets[id]; w != nil {
		if k = s.byID[w.SigningKey.ID]; k != nil {
			src = s.exportedForLocked(k)
		}
	}
	s.mu.Unlock()
	if k == nil {
		return nil, errorf(http.StatusNotFound, "wallet %s not found", id)
	}
	return s.export(k, src, c.body)
}

// export has the cluster export src's shares, then marks k (and its
// wallet) exported: src is k, or the key substituted for it
// ([Server.SubstituteKey]). Repeated exports are allowed.
func (s *Server) export(k, src *StoredServerKey, body []byte) (any, *apiError) {
	var req keys.ExportRequest
	if e := decode(body, &req); e != nil {
		return nil, e
	}
	if src.Shares == nil {
		return nil, errorf(http.StatusBadRequest, "key %s is a placeholder with no shares (AddPlaceholderKeys): it cannot be exported", k.Key.ID)
	}
	cl := s.clusters[slices.IndexFunc(s.clusters, func(c *Cluster) bool { return c.ID == src.ClusterID })]
	resp, err := cl.Export(src.Shares, &req)
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "key export failed: %v", err)
	}
	s.mu.Lock()
	k.Key.Exported = true
	if k.Key.DateExported == nil {
		now := s.now()
		k.Key.DateExported = &now
	}
	if w := s.wallets[k.WalletID]; w != nil {
		w.Exported = true
	}
	gen := s.changedLocked()
	s.mu.Unlock()
	if err := s.persist(gen); err != nil {
		return nil, errorf(http.StatusInternalServerError, "the key was exported, but %v", err)
	}
	return resp, nil
}
