package dfnstest

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/dfnskeys/dfnskeys/encryption"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/sharding"
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
func (c *Cluster) Save(path string) error {
	st := clusterState{ID: c.ID}
	for _, s := range c.Signers {
		st.Signers = append(st.Signers, signerState{
			SignerID:      s.SignerID,
			DecryptionKey: string(s.dk.MarshalBinaryText()),
		})
	}
	return writeState(path, st)
}

// LoadCluster reads a cluster written by [Cluster.Save].
func LoadCluster(path string) (*Cluster, error) {
	var st clusterState
	if err := readState(path, &st); err != nil {
		return nil, err
	}
	c := &Cluster{ID: st.ID}
	for i, ss := range st.Signers {
		id, err := base64.StdEncoding.Strict().DecodeString(ss.SignerID)
		if err != nil {
			return nil, fmt.Errorf("%s: signer %d: bad ID: %w", path, i, err)
		}
		dk, err := encryption.ParseDecryptionKeyText(ss.DecryptionKey)
		if err != nil {
			return nil, fmt.Errorf("%s: signer %s: %w", path, ss.SignerID, err)
		}
		if i > 0 && string(c.Signers[i-1].ID) >= string(id) {
			return nil, fmt.Errorf("%s: signers are not in share order", path)
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
	st := storedKeyState{Scheme: k.Scheme, Threshold: k.Threshold, PublicKey: k.PublicKeyHex()}
	for id, sh := range k.Shares {
		v := sh.Value.Bytes()
		st.Shares = append(st.Shares, shareState{
			SignerID: id,
			Index:    hex.EncodeToString(sh.Index.Bytes()),
			Value:    hex.EncodeToString(v),
		})
		clear(v)
	}
	return writeState(path, st)
}

// LoadStoredKey reads a key written by [StoredKey.Save].
func LoadStoredKey(path string) (*StoredKey, error) {
	var st storedKeyState
	if err := readState(path, &st); err != nil {
		return nil, err
	}
	curve, err := sharding.CurveByName(string(st.Scheme.Curve))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	pub, err := hex.DecodeString(st.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("%s: public key is not hex", path)
	}
	k := &StoredKey{Scheme: st.Scheme, Threshold: st.Threshold, PublicKey: pub, Shares: map[string]sharding.Share{}}
	for _, ss := range st.Shares {
		index, err := parseScalarHex(curve, ss.Index)
		if err != nil {
			return nil, fmt.Errorf("%s: share of signer %s: index: %w", path, ss.SignerID, err)
		}
		value, err := parseScalarHex(curve, ss.Value)
		if err != nil {
			return nil, fmt.Errorf("%s: share of signer %s: value: %w", path, ss.SignerID, err)
		}
		k.Shares[ss.SignerID] = sharding.Share{Index: index, Value: value}
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

func writeState(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	defer clear(b)
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return err
	}
	return nil
}

func readState(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	defer clear(b)
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
