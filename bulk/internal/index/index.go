package bulk

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/dfnskeys/dfnskeys/keys"
)

// keyIndex maps public keys to where a run has seen them: an input row
// recorded in the journal, or a key already imported into Dfns. It lets a
// run import each distinct key once even when the input lists it twice or
// the journal is new (lost, or restarted after the input was corrected).
//
// It is an open-addressing hash table with linear probing in an unlinked
// temporary file, so a run's memory does not grow with the number of rows
// or of keys in the organisation. Nothing in it is secret, and it needs no
// durability: every run rebuilds it from the journal and the key list.
type keyIndex struct {
	mu    sync.Mutex
	table *os.File // slots of slotSize bytes
	mask  uint64   // slots - 1; slots is a power of two
	used  uint64
	ids   *os.File // key IDs of Dfns keys, referenced by offset
	idEnd int64
}

// indexEntry is where a public key was seen: Row > 0 for an input row,
// otherwise KeyID names a key already in Dfns. The zero entry marks a key
// ID as known to exist in Dfns (see [listedFingerprint]).
type indexEntry struct {
	Row   int
	KeyID string
}

// listedFingerprint is the index entry that records key ID id as existing
// in Dfns: listed at startup or created during the run.
func listedFingerprint(id string) fingerprint {
	h := sha256.New()
	h.Write([]byte("key id\x00"))
	h.Write([]byte(id))
	var fp fingerprint
	copy(fp[:], h.Sum(nil))
	return fp
}

type fingerprint [16]byte

// fingerprintOf identifies a Dfns key by what makes it distinct: its curve,
// its signature scheme as Dfns names it (ECDSA, Schnorr, EdDSA) and its
// public key. The same secp256k1 key imported for ECDSA (CGGMP21) and for
// Schnorr (FROST_BITCOIN) is two Dfns keys, and both may be wanted. It is
// the first 16 bytes of a SHA-256 over the three: collisions among even
// billions of keys are out of reach (about 2^-65 for 2^32 keys).
func fingerprintOf(curve keys.Curve, schemeName string, publicKey []byte) fingerprint {
	h := sha256.New()
	h.Write([]byte(curve))
	h.Write([]byte{0})
	h.Write([]byte(schemeName))
	h.Write([]byte{0})
	h.Write(publicKey)
	var fp fingerprint
	copy(fp[:], h.Sum(nil))
	return fp
}

const (
	slotSize   = 32 // kind (1) | fingerprint (16) | ref (8) | key ID length (1) | unused
	kindEmpty  = 0
	kindRow    = 1
	kindKey    = 2
	kindListed = 3
	maxKeyID   = 255
)

// newKeyIndex makes an index for up to capacity public keys.
func newKeyIndex(capacity int) (*keyIndex, error) {
	slots := uint64(1024)
	for slots < 2*uint64(capacity) { // load factor at most 1/2
		slots *= 2
	}
	table, err := tempFile("dfnskeys-index-*")
	if err != nil {
		return nil, err
	}
	if err := table.Truncate(int64(slots * slotSize)); err != nil { // sparse: zero slots cost no disk
		table.Close()
		return nil, fmt.Errorf("bulk: sizing the key index: %w", err)
	}
	ids, err := tempFile("dfnskeys-keyids-*")
	if err != nil {
		table.Close()
		return nil, err
	}
	return &keyIndex{table: table, mask: slots - 1, ids: ids}, nil
}

// tempFile creates a temporary file and unlinks it at once where the
// system allows, so that a killed run leaves nothing behind.
func tempFile(pattern string) (*os.File, error) {
	f, err := os.CreateTemp("", pattern)
	if err != nil {
		return nil, fmt.Errorf("bulk: creating the key index: %w", err)
	}
	_ = os.Remove(f.Name()) // fails on Windows while open; Close retries
	return f, nil
}

// Close releases the index's files.
func (x *keyIndex) Close() error {
	err := errors.Join(x.table.Close(), x.ids.Close())
	_ = os.Remove(x.table.Name())
	_ = os.Remove(x.ids.Name())
	return err
}

// Lookup returns where the public key with fingerprint fp was seen.
func (x *keyIndex) Lookup(fp fingerprint) (indexEntry, bool, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	slot, found, err := x.find(fp)
	if err != nil || !found {
		return indexEntry{}, false, err
	}
	return x.entry(slot)
}

// Put records where the key with fingerprint fp was seen, replacing what
// was recorded before unless onlyIfAbsent.
func (x *keyIndex) Put(fp fingerprint, e indexEntry, onlyIfAbsent bool) error {
	if (e.Row > 0 && e.KeyID != "") || e.Row < 0 || len(e.KeyID) > maxKeyID {
		return fmt.Errorf("bulk: key index entry %+v is invalid", e)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	slot, found, err := x.find(fp)
	if err != nil {
		return err
	}
	if found && onlyIfAbsent {
		return nil
	}
	if !found {
		if x.used+1 > (x.mask+1)/2 {
			return errors.New("bulk: the key index is full (more keys than the run was sized for)")
		}
		x.used++
	}
	var b [slotSize]byte
	copy(b[1:17], fp[:])
	switch {
	case e.Row > 0:
		b[0] = kindRow
		binary.BigEndian.PutUint64(b[17:25], uint64(e.Row))
	case e.KeyID == "":
		b[0] = kindListed
	default:
		if _, err := x.ids.WriteAt([]byte(e.KeyID), x.idEnd); err != nil {
			return fmt.Errorf("bulk: writing the key index: %w", err)
		}
		b[0] = kindKey
		binary.BigEndian.PutUint64(b[17:25], uint64(x.idEnd))
		b[25] = byte(len(e.KeyID))
		x.idEnd += int64(len(e.KeyID))
	}
	if _, err := x.table.WriteAt(b[:], int64(slot*slotSize)); err != nil {
		return fmt.Errorf("bulk: writing the key index: %w", err)
	}
	return nil
}

// find returns the slot holding fp, or the empty slot where it belongs.
func (x *keyIndex) find(fp fingerprint) (uint64, bool, error) {
	var b [slotSize]byte
	slot := binary.BigEndian.Uint64(fp[:8]) & x.mask
	for range x.mask + 1 {
		if _, err := x.table.ReadAt(b[:], int64(slot*slotSize)); err != nil {
			return 0, false, fmt.Errorf("bulk: reading the key index: %w", err)
		}
		switch {
		case b[0] == kindEmpty:
			return slot, false, nil
		case fingerprint(b[1:17]) == fp:
			return slot, true, nil
		}
		slot = (slot + 1) & x.mask
	}
	return 0, false, errors.New("bulk: the key index is full")
}

func (x *keyIndex) entry(slot uint64) (indexEntry, bool, error) {
	var b [slotSize]byte
	if _, err := x.table.ReadAt(b[:], int64(slot*slotSize)); err != nil {
		return indexEntry{}, false, fmt.Errorf("bulk: reading the key index: %w", err)
	}
	ref := binary.BigEndian.Uint64(b[17:25])
	switch b[0] {
	case kindRow:
		return indexEntry{Row: int(ref)}, true, nil
	case kindListed:
		return indexEntry{}, true, nil
	}
	id := make([]byte, b[25])
	if _, err := x.ids.ReadAt(id, int64(ref)); err != nil {
		return indexEntry{}, false, fmt.Errorf("bulk: reading the key index: %w", err)
	}
	return indexEntry{KeyID: string(id)}, true, nil
}

// keySpool holds the fingerprints and IDs of the keys listed from Dfns
// until the index, which must be sized first, is made.
type keySpool struct {
	f *os.File
	w *bufio.Writer
	n int
}

func newKeySpool() (*keySpool, error) {
	f, err := tempFile("dfnskeys-keys-*")
	if err != nil {
		return nil, err
	}
	return &keySpool{f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

// Add spools a key Dfns holds; an empty keyID spools a listed-ID marker
// (fp from [listedFingerprint]).
func (s *keySpool) Add(fp fingerprint, keyID string) error {
	if len(keyID) > maxKeyID {
		return fmt.Errorf("bulk: Dfns listed a key with an ID of %d bytes", len(keyID))
	}
	s.w.Write(fp[:])
	s.w.WriteByte(byte(len(keyID)))
	_, err := s.w.WriteString(keyID)
	s.n++
	return err
}

// Each calls f for every spooled key, in the order added.
func (s *keySpool) Each(f func(fingerprint, string) error) error {
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("bulk: spooling the key list: %w", err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	br := bufio.NewReaderSize(s.f, 64<<10)
	var hdr [17]byte
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("bulk: reading the spooled key list: %w", err)
		}
		id := make([]byte, hdr[16])
		if _, err := io.ReadFull(br, id); err != nil {
			return fmt.Errorf("bulk: reading the spooled key list: %w", err)
		}
		if err := f(fingerprint(hdr[:16]), string(id)); err != nil {
			return err
		}
	}
}

func (s *keySpool) Close() error {
	err := s.f.Close()
	_ = os.Remove(s.f.Name())
	return err
}
