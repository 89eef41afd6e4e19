package sim

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dfnskeys/dfnskeys/auth"
	"github.com/dfnskeys/dfnskeys/internal/safefile"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signatures"
)

// WithStateFile keeps the server's state in the file at path, so that a
// simulator can be stopped and started again without losing its keys.
// [StartServer] restores the state when the file exists (its clusters then
// replace [WithSigners] and [WithClusters]); otherwise it creates the file.
// The server rewrites the file after every change, before it answers the
// request that made it, and when it is closed. Writes are atomic (a new
// file renamed into place), mode 0600, and never follow a symbolic link;
// a state file that is a link, or that other users can read, is refused.
//
// The state is the clusters with every signer's decryption key, the
// default credential's private key, the default bearer token, the
// organisation ID, the keys with their secret shares and wallets, and the
// signature requests (so that an externalId is answered with the same
// request after a restart, as Dfns does). It is in the clear: use a state
// file for rehearsals and tests only, never for a key of value.
// Credentials registered and tokens made after the start, pending
// challenges and user actions, and faults are not kept.
func WithStateFile(path string) ServerOption { return func(c *serverConfig) { c.stateFile = path } }

// stateVersion is the version of the state file's format.
const stateVersion = 1

type serverState struct {
	Version       int    `json:"version"`
	Note          string `json:"note"`
	OrgID         string `json:"orgId"`
	Token         string `json:"token"`
	CredentialID  string `json:"credentialId"`
	CredentialPEM string `json:"credentialPem"`
	// Addr is the address the server listened on, so that a restart
	// without a fixed address serves the same URL (journals record it).
	Addr     string         `json:"addr,omitempty"`
	Clusters []clusterState `json:"clusters"`
	Keys     []keyState     `json:"keys"`
	Wallets  []keys.Wallet  `json:"wallets"`
	// Signatures are the signature requests; absent from files written
	// before they were kept.
	Signatures []sigState `json:"signatures,omitempty"`
}

type sigState struct {
	Request   signatures.Request `json:"request"`
	Hash      string             `json:"hash"`
	Bad       bool               `json:"bad,omitempty"`
	Confirmed bool               `json:"confirmed,omitempty"`
	Seq       int                `json:"seq"`
}

type keyState struct {
	Key       keys.Key        `json:"key"`
	ClusterID string          `json:"clusterId"`
	WalletID  string          `json:"walletId,omitempty"`
	Shares    *storedKeyState `json:"shares,omitempty"` // nil for placeholder keys
}

const stateNote = "dfnskeys simulator state: holds signer decryption keys, key shares and a credential private key in the clear; for rehearsals and tests only"

// Restored reports whether [StartServer] restored the server's state from
// its [WithStateFile] file, rather than starting afresh.
func (s *Server) Restored() bool { return s.restored }

// SaveState writes the server's state to its [WithStateFile] file now. The
// server saves after every change by itself; SaveState reports whether
// saving works. It returns nil without a state file.
func (s *Server) SaveState() error {
	if s.stateFile == "" {
		return nil
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	return s.saveLocked()
}

// persist saves the state if no save has included the change numbered
// gen yet. Concurrent changes share one write.
func (s *Server) persist(gen uint64) error {
	if s.stateFile == "" {
		return nil
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	if s.savedGen >= gen {
		return nil
	}
	return s.saveLocked()
}

// changedLocked numbers a change to the state; s.mu must be held.
func (s *Server) changedLocked() uint64 {
	s.gen++
	return s.gen
}

// saveLocked writes the state; s.saveMu must be held.
func (s *Server) saveLocked() error {
	st := serverState{
		Version: stateVersion, Note: stateNote, OrgID: s.orgID, Token: s.token,
		CredentialID: s.credID, CredentialPEM: string(s.credPEM), Addr: s.addr,
		Keys: []keyState{}, Wallets: []keys.Wallet{},
	}
	for _, c := range s.clusters {
		st.Clusters = append(st.Clusters, c.state())
	}
	s.mu.Lock()
	gen := s.gen
	for _, k := range s.keys {
		ks := keyState{Key: k.clone().Key, ClusterID: k.ClusterID, WalletID: k.WalletID}
		if k.Shares != nil {
			ks.Shares = k.Shares.state()
		}
		st.Keys = append(st.Keys, ks)
	}
	for _, w := range s.wallets {
		st.Wallets = append(st.Wallets, *w)
	}
	for _, r := range s.sigs {
		st.Signatures = append(st.Signatures, sigState{Request: r.req, Hash: hex.EncodeToString(r.hash), Bad: r.bad, Confirmed: r.confirmed, Seq: r.seq})
	}
	s.mu.Unlock()
	slices.SortFunc(st.Signatures, func(a, b sigState) int { return a.Seq - b.Seq })
	slices.SortFunc(st.Wallets, func(a, b keys.Wallet) int { return strings.Compare(a.ID, b.ID) })
	err := writeState(s.stateFile, st)
	for i := range st.Keys {
		if st.Keys[i].Shares != nil {
			st.Keys[i].Shares.clear()
		}
	}
	if err != nil {
		return fmt.Errorf("saving the simulator state to %s: %w", s.stateFile, err)
	}
	s.savedGen = gen
	return nil
}

// loadState restores s from its state file; it reports false when the
// file does not exist.
func (s *Server) loadState() (bool, error) {
	if err := checkStateFileDir(s.stateFile); err != nil {
		return false, err
	}
	b, err := readPrivateFile(s.stateFile)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer clear(b)
	if err := s.restore(b); err != nil {
		return false, fmt.Errorf("simulator state file %s: %w", s.stateFile, err)
	}
	return true, nil
}

// restore sets s's state from a state file's contents, which it validates
// fully first: s is changed only when the whole file is good.
func (s *Server) restore(b []byte) error {
	var st serverState
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("not a simulator state file: %w", err)
	}
	defer func() {
		for i := range st.Keys {
			if st.Keys[i].Shares != nil {
				st.Keys[i].Shares.clear()
			}
		}
	}()
	switch {
	case st.Version != stateVersion:
		return fmt.Errorf("format version %d; this simulator reads version %d", st.Version, stateVersion)
	case st.OrgID == "" || st.Token == "" || st.CredentialID == "":
		return errors.New("the organisation ID, token or credential ID is missing")
	case len(st.Clusters) == 0:
		return errors.New("no cluster")
	}
	credSigner, err := auth.NewKeySigner(st.CredentialID, []byte(st.CredentialPEM))
	if err != nil {
		return errors.New("credentialPem is not a private key the credential signers read")
	}
	var clusters []*Cluster
	signerCluster := map[string]*Cluster{}
	for i := range st.Clusters {
		c, err := clusterFromState(&st.Clusters[i])
		if err != nil {
			return err
		}
		if slices.ContainsFunc(clusters, func(o *Cluster) bool { return o.ID == c.ID }) {
			return fmt.Errorf("two clusters with ID %s", c.ID)
		}
		for _, sg := range c.Signers {
			if signerCluster[sg.SignerID] != nil {
				return fmt.Errorf("signer %s is in two clusters", sg.SignerID)
			}
			signerCluster[sg.SignerID] = c
		}
		clusters = append(clusters, c)
	}
	byID := map[string]*StoredServerKey{}
	var ks []*StoredServerKey
	for i := range st.Keys {
		kst := &st.Keys[i]
		id := kst.Key.ID
		switch {
		case id == "":
			return fmt.Errorf("key %d has no ID", i)
		case byID[id] != nil:
			return fmt.Errorf("two keys with ID %s", id)
		case !slices.ContainsFunc(clusters, func(c *Cluster) bool { return c.ID == kst.ClusterID }):
			return fmt.Errorf("key %s: cluster %q is not in the file", id, kst.ClusterID)
		}
		k := &StoredServerKey{Key: kst.Key, ClusterID: kst.ClusterID, WalletID: kst.WalletID}
		if kst.Shares != nil {
			sk, err := storedKeyFromState(kst.Shares)
			if err != nil {
				return fmt.Errorf("key %s: %w", id, err)
			}
			if sk.PublicKeyHex() != kst.Key.PublicKey {
				return fmt.Errorf("key %s: the shares' public key differs from the key's", id)
			}
			for sid := range sk.shares {
				if c := signerCluster[sid]; c == nil || c.ID != kst.ClusterID {
					return fmt.Errorf("key %s: signer %s is not in its cluster %s", id, sid, kst.ClusterID)
				}
			}
			k.Shares = sk
		}
		byID[id] = k
		ks = append(ks, k)
	}
	wallets := map[string]*keys.Wallet{}
	for i := range st.Wallets {
		w := st.Wallets[i]
		switch {
		case w.ID == "" || wallets[w.ID] != nil:
			return fmt.Errorf("wallet %d: missing or repeated ID %q", i, w.ID)
		case byID[w.SigningKey.ID] == nil:
			return fmt.Errorf("wallet %s: signing key %q is not in the file", w.ID, w.SigningKey.ID)
		}
		wallets[w.ID] = &w
	}

	sigs, sigsByExt, sigSeq := map[string]*sigRequest{}, map[string]*sigRequest{}, 0
	for i := range st.Signatures {
		ss := st.Signatures[i]
		hash, err := hex.DecodeString(ss.Hash)
		switch {
		case err != nil || len(hash) != 32:
			return fmt.Errorf("signature request %d: the hash is not 32 bytes of hex", i)
		case ss.Request.ID == "" || sigs[ss.Request.ID] != nil:
			return fmt.Errorf("signature request %d: missing or repeated ID %q", i, ss.Request.ID)
		case byID[ss.Request.KeyID] == nil:
			return fmt.Errorf("signature request %s: key %q is not in the file", ss.Request.ID, ss.Request.KeyID)
		}
		r := &sigRequest{req: ss.Request, hash: hash, bad: ss.Bad, confirmed: ss.Confirmed, seq: ss.Seq}
		sigs[r.req.ID] = r
		if r.req.ExternalID != "" {
			sigsByExt[r.req.KeyID+"\x00"+r.req.ExternalID] = r
		}
		sigSeq = max(sigSeq, r.seq)
	}

	if st.Addr != "" && checkLoopback(st.Addr) != nil {
		return fmt.Errorf("addr %q is not a loopback address", st.Addr)
	}
	s.addr = st.Addr
	s.orgID, s.token, s.credID = st.OrgID, st.Token, st.CredentialID
	s.credPEM = []byte(st.CredentialPEM)
	s.creds = []*credential{{id: st.CredentialID, kind: auth.KindKey, pub: credSigner.PublicKey()}}
	s.tokens = map[string]permissions{st.Token: nil}
	s.clusters = clusters
	s.keys, s.byID, s.wallets = ks, byID, wallets
	s.sigs, s.sigsByExt, s.sigSeq = sigs, sigsByExt, sigSeq
	return nil
}

// checkStateFileDir refuses a state file in a directory others can write
// to (without the sticky bit), where a planted file or link could replace
// the state.
func checkStateFileDir(path string) error {
	return safefile.CheckDir("the directory of simulator state file "+path, filepath.Dir(path), safefile.OwnFile)
}
