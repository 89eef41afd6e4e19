package sim

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/dfnskeys/dfnskeys/encryption"
	"github.com/dfnskeys/dfnskeys/internal/safefile"
	"github.com/dfnskeys/dfnskeys/internal/sharding"
	"github.com/dfnskeys/dfnskeys/keys"
)

// The state files below hold secrets (signer decryption keys, key shares)
// in the clear. They exist so that separate processes, such as the commands
// of a test script, can share one simulated cluster; never use them for
// anything but tests.

type clusterState struct {
	ID      string        `json:"id"`
	Signers []signerState `json:"signers"`
}

type signerState struct {
	SignerID      string `json:"signerId"`
	DecryptionKey string `json:"decryptionKey"`
}

// Save writes the cluster, including every signer's decryption key, to
// path with mode 0600, for [LoadCluster].
func (c *Cluster) Save(path string) error { return writeState(path, c.state()) }

func (c *Cluster) state() clusterState {
	st := clusterState{ID: c.ID}
	for _, s := range c.Signers {
		st.Signers = append(st.Signers, signerState{
			SignerID:      s.SignerID,
			DecryptionKey: string(s.dk.MarshalBinaryText()),
		})
	}
	return st
}

// LoadCluster reads a cluster written by [Cluster.Save].
func LoadCluster(path string) (*Cluster, error) {
	var st clusterState
	if err := readState(path, &st); err != nil {
		return nil, err
	}
	c, err := clusterFromState(&st)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

func clusterFromState(st *clusterState) (*Cluster, error) {
	if st.ID == "" {
		return nil, errors.New("a cluster has no ID")
	}
	if len(st.Signers) < 2 {
		return nil, fmt.Errorf("cluster %s has %d signers; a cluster has at least 2", st.ID, len(st.Signers))
	}
	c := &Cluster{ID: st.ID}
	for i, ss := range st.Signers {
		id, err := base64.StdEncoding.Strict().DecodeString(ss.SignerID)
		if err != nil || len(id) == 0 {
			return nil, fmt.Errorf("cluster %s: signer %d: bad ID", st.ID, i)
		}
		dk, err := encryption.ParseDecryptionKeyText([]byte(ss.DecryptionKey))
		if err != nil {
			return nil, fmt.Errorf("cluster %s: signer %s: %w", st.ID, ss.SignerID, err)
		}
		if i > 0 && string(c.Signers[i-1].ID) >= string(id) {
			return nil, fmt.Errorf("cluster %s: signers are not in share order", st.ID)
		}
		c.Signers = append(c.Signers, &Signer{ID: id, SignerID: ss.SignerID, dk: dk})
	}
	return c, nil
}

type storedKeyState struct {
	Scheme    keys.Scheme  `json:"scheme"`
	Threshold int          `json:"threshold"`
	PublicKey string       `json:"publicKey"`
	Shares    []shareState `json:"shares"`
}

type shareState struct {
	SignerID string `json:"signerId"`
	Index    string `json:"index"`
	Value    string `json:"value"`
}

// Save writes the key, including its secret shares, to path with mode
// 0600, for [LoadStoredKey].
func (k *StoredKey) Save(path string) error {
	st := k.state()
	defer st.clear()
	return writeState(path, st)
}

func (k *StoredKey) state() *storedKeyState {
	st := &storedKeyState{Scheme: k.Scheme, Threshold: k.Threshold, PublicKey: k.PublicKeyHex()}
	for id, sh := range k.shares {
		v := sh.Value.Bytes()
		st.Shares = append(st.Shares, shareState{
			SignerID: id,
			Index:    hex.EncodeToString(sh.Index.Bytes()),
			Value:    hex.EncodeToString(v),
		})
		clear(v)
	}
	slices.SortFunc(st.Shares, func(a, b shareState) int { return strings.Compare(a.SignerID, b.SignerID) })
	return st
}

// clear drops the references to the shares' hex strings (Go strings
// cannot be overwritten; this is the most that can be done for them).
func (st *storedKeyState) clear() { st.Shares = nil }

// LoadStoredKey reads a key written by [StoredKey.Save].
func LoadStoredKey(path string) (*StoredKey, error) {
	var st storedKeyState
	if err := readState(path, &st); err != nil {
		return nil, err
	}
	k, err := storedKeyFromState(&st)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

func storedKeyFromState(st *storedKeyState) (*StoredKey, error) {
	if err := st.Scheme.Validate(); err != nil {
		return nil, err
	}
	curve, err := sharding.CurveByName(string(st.Scheme.Curve))
	if err != nil {
		return nil, err
	}
	pub, err := hex.DecodeString(st.PublicKey)
	if err != nil || len(pub) == 0 {
		return nil, errors.New("public key is not hex")
	}
	if st.Threshold < 1 || st.Threshold > len(st.Shares) {
		return nil, fmt.Errorf("threshold %d does not fit %d shares", st.Threshold, len(st.Shares))
	}
	k := &StoredKey{Scheme: st.Scheme, Threshold: st.Threshold, PublicKey: pub, shares: map[string]sharding.Share{}}
	for _, ss := range st.Shares {
		if _, dup := k.shares[ss.SignerID]; dup {
			return nil, fmt.Errorf("two shares of signer %s", ss.SignerID)
		}
		index, err := parseScalarHex(curve, ss.Index)
		if err != nil {
			return nil, fmt.Errorf("share of signer %s: index: %w", ss.SignerID, err)
		}
		value, err := parseScalarHex(curve, ss.Value)
		if err != nil {
			return nil, fmt.Errorf("share of signer %s: value: %w", ss.SignerID, err)
		}
		k.shares[ss.SignerID] = sharding.Share{Index: index, Value: value}
	}
	return k, nil
}

func parseScalarHex(c sharding.Curve, s string) (sharding.Scalar, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, errors.New("not hex")
	}
	defer clear(b)
	return c.ParseScalar(b)
}

// writeState writes v as JSON to path, mode 0600, atomically and without
// following a symbolic link: it writes a new file beside path (O_EXCL, so
// a planted file or link there is refused), syncs it and renames it into
// place, which replaces a link at path rather than writing through it.
func writeState(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	defer clear(b)
	f, err := safefile.Replace(path, append(b, '\n'), 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}

// readState reads JSON from path into v; it refuses a symbolic link, or a
// file that others can read or write (the state holds secrets).
func readState(path string, v any) error {
	b, err := readPrivateFile(path)
	if err != nil {
		return err
	}
	defer clear(b)
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func readPrivateFile(path string) ([]byte, error) {
	fi, err := os.Lstat(path)
	switch {
	case err != nil:
		return nil, err
	case fi.Mode()&os.ModeSymlink != 0:
		return nil, fmt.Errorf("%s is a symbolic link: a state file is read only from the file itself", path)
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("%s is not a regular file", path)
	case fi.Mode().Perm()&0o077 != 0:
		return nil, fmt.Errorf("%s is readable or writable by other users (mode %04o), and it holds secrets: chmod 600 it if it is yours", path, fi.Mode().Perm())
	case fi.Size() > maxStateSize:
		return nil, fmt.Errorf("%s is %d bytes, larger than a state file can be (%d)", path, fi.Size(), maxStateSize)
	}
	return os.ReadFile(path)
}

// maxStateSize bounds the state files read.
const maxStateSize = 1 << 30
