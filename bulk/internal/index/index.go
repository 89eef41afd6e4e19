// Package index is the on-disk index of public keys a bulk run has seen.
package index

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/dfnskeys/dfnskeys/internal/identfp"
	"github.com/dfnskeys/dfnskeys/keys"
)

// Index maps public keys to the input rows a run has seen them in
// (recorded in the journal), and the key IDs Dfns listed to whether they
// exist and still sign ([Listed], [Unusable]). It lets a run import each
// distinct key of the input once even when the input lists it twice, and
// check the rows the journal calls imported against Dfns; whether Dfns
// already holds a key is the client's look-up (dfnskeys.Client.PlanImport).
//
// It is an open-addressing hash table with linear probing in an unlinked
// temporary file, so a run's memory does not grow with the number of rows
// or of keys in the organisation. Nothing in it is secret, and it needs no
// durability: every run rebuilds it from the journal and the key list.
type Index struct {
	mu    sync.Mutex
	table *os.File // slots of slotSize bytes
	mask  uint64   // slots - 1; slots is a power of two
	used  uint64
	ids   *os.File // key IDs of Dfns keys, referenced by offset
	idEnd int64
}

// Entry is where a public key was seen: Row > 0 for an input row. For
// [Listed] the zero entry marks a key ID as known to exist in Dfns, and
// for [Unusable] KeyID holds the state.
type Entry struct {
	Row   int
	KeyID string
}

// Listed is the index entry that records key ID id as existing
// in Dfns: listed at startup or created during the run.
func Listed(id string) Fingerprint {
	h := sha256.New()
	h.Write([]byte("key id\x00"))
	h.Write([]byte(id))
	var fp Fingerprint
	copy(fp[:], h.Sum(nil))
	return fp
}

// Unusable is the index entry that records key ID id as listed by Dfns
// in a state in which it no longer signs (exported, archived, deleted);
// its Entry's KeyID holds that state, as [keys.Key.Unusable] says it.
func Unusable(id string) Fingerprint {
	h := sha256.New()
	h.Write([]byte("unusable key id\x00"))
	h.Write([]byte(id))
	var fp Fingerprint
	copy(fp[:], h.Sum(nil))
	return fp
}

// Fingerprint identifies a key in the index (see [Of] and [Listed]).
type Fingerprint = identfp.FP

// Of is the fingerprint of a Dfns key's identity (see [identfp.Of]). The
// index is rebuilt by every run, so the fingerprint is never stored.
func Of(id keys.Identity) Fingerprint { return identfp.Of(id) }

const (
	slotSize   = 32 // kind (1) | Fingerprint (16) | ref (8) | key ID length (1) | unused
	kindEmpty  = 0
	kindRow    = 1
	kindKey    = 2
	kindListed = 3
	MaxKeyID   = 255 // the longest key ID an index entry holds
)

// New makes an index for up to capacity public keys.
func New(capacity int) (*Index, error) {
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
		return nil, fmt.Errorf("sizing the key index: %w", err)
	}
	ids, err := tempFile("dfnskeys-keyids-*")
	if err != nil {
		table.Close()
		return nil, err
	}
	return &Index{table: table, mask: slots - 1, ids: ids}, nil
}

// tempFile creates a temporary file and unlinks it at once where the
// system allows, so that a killed run leaves nothing behind.
func tempFile(pattern string) (*os.File, error) {
	f, err := os.CreateTemp("", pattern)
	if err != nil {
		return nil, fmt.Errorf("creating the key index: %w", err)
	}
	_ = os.Remove(f.Name()) // fails on Windows while open; Close retries
	return f, nil
}

// Close releases the index's files.
func (x *Index) Close() error {
	err := errors.Join(x.table.Close(), x.ids.Close())
	_ = os.Remove(x.table.Name())
	_ = os.Remove(x.ids.Name())
	return err
}

// Lookup returns where the public key with Fingerprint fp was seen.
func (x *Index) Lookup(fp Fingerprint) (Entry, bool, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	slot, found, err := x.find(fp)
	if err != nil || !found {
		return Entry{}, false, err
	}
	return x.entry(slot)
}

// Put records where the key with Fingerprint fp was seen, replacing what
// was recorded before unless onlyIfAbsent.
func (x *Index) Put(fp Fingerprint, e Entry, onlyIfAbsent bool) error {
	if (e.Row > 0 && e.KeyID != "") || e.Row < 0 || len(e.KeyID) > MaxKeyID {
		return fmt.Errorf("key index entry %+v is invalid", e)
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
			return errors.New("the key index is full (more keys than the run was sized for)")
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
			return fmt.Errorf("writing the key index: %w", err)
		}
		b[0] = kindKey
		binary.BigEndian.PutUint64(b[17:25], uint64(x.idEnd))
		b[25] = byte(len(e.KeyID))
		x.idEnd += int64(len(e.KeyID))
	}
	if _, err := x.table.WriteAt(b[:], int64(slot*slotSize)); err != nil {
		return fmt.Errorf("writing the key index: %w", err)
	}
	return nil
}

// find returns the slot holding fp, or the empty slot where it belongs.
func (x *Index) find(fp Fingerprint) (uint64, bool, error) {
	var b [slotSize]byte
	slot := binary.BigEndian.Uint64(fp[:8]) & x.mask
	for range x.mask + 1 {
		if _, err := x.table.ReadAt(b[:], int64(slot*slotSize)); err != nil {
			return 0, false, fmt.Errorf("reading the key index: %w", err)
		}
		switch {
		case b[0] == kindEmpty:
			return slot, false, nil
		case Fingerprint(b[1:17]) == fp:
			return slot, true, nil
		}
		slot = (slot + 1) & x.mask
	}
	return 0, false, errors.New("the key index is full")
}

func (x *Index) entry(slot uint64) (Entry, bool, error) {
	var b [slotSize]byte
	if _, err := x.table.ReadAt(b[:], int64(slot*slotSize)); err != nil {
		return Entry{}, false, fmt.Errorf("reading the key index: %w", err)
	}
	ref := binary.BigEndian.Uint64(b[17:25])
	switch b[0] {
	case kindRow:
		return Entry{Row: int(ref)}, true, nil
	case kindListed:
		return Entry{}, true, nil
	}
	id := make([]byte, b[25])
	if _, err := x.ids.ReadAt(id, int64(ref)); err != nil {
		return Entry{}, false, fmt.Errorf("reading the key index: %w", err)
	}
	return Entry{KeyID: string(id)}, true, nil
}

// Spool holds the fingerprints and IDs of the keys listed from Dfns
// until the index, which must be sized first, is made.
type Spool struct {
	f *os.File
	w *bufio.Writer
	n int
}

// NewSpool makes an empty spool in an unlinked temporary file.
func NewSpool() (*Spool, error) {
	f, err := tempFile("dfnskeys-keys-*")
	if err != nil {
		return nil, err
	}
	return &Spool{f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

// Add spools a key Dfns holds; an empty keyID spools a listed-ID marker
// (fp from [Listed]).
func (s *Spool) Add(fp Fingerprint, keyID string) error {
	if len(keyID) > MaxKeyID {
		return fmt.Errorf("a key Dfns listed has an ID of %d bytes", len(keyID))
	}
	s.w.Write(fp[:])
	s.w.WriteByte(byte(len(keyID)))
	_, err := s.w.WriteString(keyID)
	s.n++
	return err
}

// Each calls f for every spooled key, in the order added.
func (s *Spool) Each(f func(Fingerprint, string) error) error {
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("spooling the key list: %w", err)
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
			return fmt.Errorf("reading the spooled key list: %w", err)
		}
		id := make([]byte, hdr[16])
		if _, err := io.ReadFull(br, id); err != nil {
			return fmt.Errorf("reading the spooled key list: %w", err)
		}
		if err := f(Fingerprint(hdr[:16]), string(id)); err != nil {
			return err
		}
	}
}

// Close releases the spool's file.
func (s *Spool) Close() error {
	err := s.f.Close()
	_ = os.Remove(s.f.Name())
	return err
}

// Len returns the number of keys spooled.
func (s *Spool) Len() int { return s.n }
