package bulk

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/dfnskeys/dfnskeys/keys"
)

// The journal is a table of fixed-size records, one per input row, at
// offset row·recordSize (slot 0 is the header). A record is written with
// one WriteAt and made durable with fsync before the step it guards, so:
//
//   - a row is marked started, with its public key, before its import is
//     sent: a rerun resolves such a row by looking the key up by public
//     key instead of importing it twice;
//   - a row is marked imported, with its key ID, once Dfns has answered:
//     a rerun skips it.
//
// Fixed slots keep memory constant however many rows there are, and a
// resumed run finds a row's state with one read. Each record carries a
// CRC; a torn record (a crash in the middle of a write) reads as
// "uncertain", which is handled like "started".
const (
	recordSize   = 256
	journalMagic = "DFNSKEYS-JOURNAL-1"
	schemeOffset = 4 + 65 + 150 // after 'R', state, public key, key ID
	dupOffset    = schemeOffset + 1
)

// State is a row's state in the journal.
type State byte

// Journal states.
const (
	StateNone      State = 0 // never attempted, or safe to attempt again
	StateStarted   State = 1 // the import may have been sent
	StateImported  State = 2 // imported; KeyID is set
	StateFailed    State = 3 // failed for sure (nothing created); retried by a rerun
	StatePending   State = 4 // waits for a policy approval (KeyID holds its ID); never resent
	StateRejected  State = 5 // Dfns created key KeyID with another public key; never resent
	StateUncertain State = 9 // the record is torn: treat as started, public key unknown
)

// Record is one row's journal entry. It holds no secret.
type Record struct {
	// State is where the row stands.
	State State
	// PublicKey is the key's public key (Dfns encoding), set from
	// StateStarted on.
	PublicKey []byte
	// KeyID is the Dfns key ID, set in StateImported.
	KeyID string
	// Scheme is the protocol and curve the row imports, set with
	// PublicKey; the zero Scheme means unknown.
	Scheme keys.Scheme
	// DuplicateOf is the earlier row whose key this row repeats, when the
	// row was answered with that row's key.
	DuplicateOf int
}

// journalSchemes are the schemes a record can name, by code (index + 1).
// Codes are stored in journals: append new schemes, never reorder.
var journalSchemes = []keys.Scheme{
	{Protocol: keys.CGGMP21, Curve: keys.Secp256k1},
	{Protocol: keys.FROSTBitcoin, Curve: keys.Secp256k1},
	{Protocol: keys.CGGMP21, Curve: keys.Stark},
	{Protocol: keys.FROST, Curve: keys.Ed25519},
	{Protocol: keys.CGGMP24, Curve: keys.Secp256k1},
	{Protocol: keys.CGGMP24, Curve: keys.Stark},
}

func schemeCode(s keys.Scheme) (byte, bool) {
	if s == (keys.Scheme{}) {
		return 0, true
	}
	for i, x := range journalSchemes {
		if x == s {
			return byte(i + 1), true
		}
	}
	return 0, false
}

// Journal is an open journal file. It is safe for concurrent use.
type Journal struct {
	f *os.File

	syncMu    sync.Mutex
	written   atomic.Uint64 // generation of the last WriteAt
	syncedGen uint64        // generation made durable by the last Sync
}

// InputDigest returns the SHA-256 of the input file, which binds a journal
// to the input it was made for.
func InputDigest(path string) ([32]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return [32]byte{}, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return [32]byte{}, err
	}
	var d [32]byte
	copy(d[:], h.Sum(nil))
	return d, nil
}

// OpenJournal opens the journal at path, creating it (mode 0600) for the
// input with the given digest. An existing journal made for another input
// is refused.
func OpenJournal(path string, inputDigest [32]byte) (*Journal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		j := &Journal{f: f}
		if err := j.writeHeader(inputDigest); err != nil {
			f.Close()
			os.Remove(path)
			return nil, err
		}
		if err := syncDir(filepath.Dir(path)); err != nil {
			f.Close()
			return nil, err
		}
		return j, nil
	case errors.Is(err, fs.ErrExist):
		f, err = os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return nil, fmt.Errorf("bulk: opening the journal: %w", err)
		}
		j := &Journal{f: f}
		if err := j.checkHeader(path, inputDigest); err != nil {
			f.Close()
			return nil, err
		}
		return j, nil
	default:
		return nil, fmt.Errorf("bulk: creating the journal: %w", err)
	}
}

func (j *Journal) writeHeader(d [32]byte) error {
	var h [recordSize]byte
	copy(h[:], journalMagic)
	copy(h[32:], d[:])
	binary.BigEndian.PutUint32(h[recordSize-4:], crc32.ChecksumIEEE(h[:recordSize-4]))
	if _, err := j.f.WriteAt(h[:], 0); err != nil {
		return fmt.Errorf("bulk: writing the journal header: %w", err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("bulk: syncing the journal: %w", err)
	}
	return nil
}

func (j *Journal) checkHeader(path string, d [32]byte) error {
	var h [recordSize]byte
	if _, err := j.f.ReadAt(h[:], 0); err != nil {
		return fmt.Errorf("bulk: %s is not a dfnskeys journal (%v)", path, err)
	}
	if !bytes.Equal(h[:len(journalMagic)], []byte(journalMagic)) || binary.BigEndian.Uint32(h[recordSize-4:]) != crc32.ChecksumIEEE(h[:recordSize-4]) {
		return fmt.Errorf("bulk: %s is not a dfnskeys journal", path)
	}
	if !bytes.Equal(h[32:64], d[:]) {
		return fmt.Errorf("bulk: the journal %s was made for a different input file (the input changed since): use a new journal (keys Dfns already has are then reported as already imported, not imported again), or restore the original input to resume", path)
	}
	return nil
}

// Get returns row's record; a row never written is StateNone.
func (j *Journal) Get(row int) (Record, error) {
	var b [recordSize]byte
	n, err := j.f.ReadAt(b[:], int64(row)*recordSize)
	if n == 0 && errors.Is(err, io.EOF) {
		return Record{}, nil
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return Record{}, fmt.Errorf("bulk: reading the journal: %w", err)
	}
	return decodeRecord(b[:])
}

func decodeRecord(b []byte) (Record, error) {
	if allZero(b) {
		return Record{}, nil
	}
	if b[0] != 'R' || binary.BigEndian.Uint32(b[recordSize-4:]) != crc32.ChecksumIEEE(b[:recordSize-4]) {
		return Record{State: StateUncertain}, nil
	}
	r := Record{State: State(b[1])}
	pl := int(b[2])
	kl := int(b[3+65])
	if pl > 65 || kl > 150 {
		return Record{State: StateUncertain}, nil
	}
	r.PublicKey = append([]byte(nil), b[3:3+pl]...)
	r.KeyID = string(b[4+65 : 4+65+kl])
	switch sc := int(b[schemeOffset]); {
	case sc > len(journalSchemes):
		return Record{State: StateUncertain}, nil
	case sc > 0:
		r.Scheme = journalSchemes[sc-1]
	}
	r.DuplicateOf = int(binary.BigEndian.Uint32(b[dupOffset:]))
	return r, nil
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// Put writes row's record and returns once it is durable.
func (j *Journal) Put(row int, r Record) error {
	if row < 1 {
		return fmt.Errorf("bulk: journal row %d", row)
	}
	if len(r.PublicKey) > 65 || len(r.KeyID) > 150 {
		return fmt.Errorf("bulk: journal record for row %d is too large", row)
	}
	if r.DuplicateOf < 0 || int64(r.DuplicateOf) > math.MaxUint32 {
		return fmt.Errorf("bulk: journal record for row %d names row %d", row, r.DuplicateOf)
	}
	sc, ok := schemeCode(r.Scheme)
	if !ok {
		return fmt.Errorf("bulk: journal record for row %d has unsupported scheme %s", row, r.Scheme)
	}
	var b [recordSize]byte
	b[0], b[1], b[2] = 'R', byte(r.State), byte(len(r.PublicKey))
	copy(b[3:], r.PublicKey)
	b[3+65] = byte(len(r.KeyID))
	copy(b[4+65:], r.KeyID)
	b[schemeOffset] = sc
	binary.BigEndian.PutUint32(b[dupOffset:], uint32(r.DuplicateOf))
	binary.BigEndian.PutUint32(b[recordSize-4:], crc32.ChecksumIEEE(b[:recordSize-4]))
	if _, err := j.f.WriteAt(b[:], int64(row)*recordSize); err != nil {
		return fmt.Errorf("bulk: writing the journal: %w", err)
	}
	return j.sync(j.written.Add(1))
}

// sync makes every write up to generation gen durable. Concurrent callers
// share fsyncs (group commit): one Sync covers all writes made before it.
func (j *Journal) sync(gen uint64) error {
	j.syncMu.Lock()
	defer j.syncMu.Unlock()
	if j.syncedGen >= gen {
		return nil
	}
	target := j.written.Load()
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("bulk: syncing the journal: %w", err)
	}
	j.syncedGen = target
	return nil
}

// Scan calls f for every row that has a record, in row order, reading the
// file sequentially with constant memory.
func (j *Journal) Scan(f func(row int, r Record) error) error {
	if _, err := j.f.Seek(recordSize, io.SeekStart); err != nil {
		return err
	}
	br := bufio.NewReaderSize(j.f, 64<<10)
	var b [recordSize]byte
	for row := 1; ; row++ {
		if _, err := io.ReadFull(br, b[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil
			}
			return err
		}
		r, err := decodeRecord(b[:])
		if err != nil {
			return err
		}
		if r.State != StateNone {
			if err := f(row, r); err != nil {
				return err
			}
		}
	}
}

// Close closes the journal file.
func (j *Journal) Close() error { return j.f.Close() }

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("bulk: syncing %s: %w", dir, err)
	}
	return nil
}
