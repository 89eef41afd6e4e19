// Package journal is the durable record of a bulk run: one fixed-size,
// checksummed record per input row, fsynced before the step it guards.
package journal

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dfnskeys/dfnskeys/internal/safefile"
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
//
// The header (slot 0) holds the magic, the input's SHA-256 and the target
// the journal was made against (see [Target]); a journal made before
// targets were recorded has none and adopts the first run's.
const (
	recordSize   = 256
	journalMagic = "DFNSKEYS-JOURNAL-1"
	schemeOffset = 4 + 65 + 150 // after 'R', state, public key, key ID
	dupOffset    = schemeOffset + 1
	flagsOffset  = dupOffset + 4
	// proofOffset holds the proof's externalId: a form byte (0: none;
	// proofFormV1: ProofExternalIDPrefix and the hex of the 16 bytes that
	// follow). Journals written before it have zeros there: no externalId
	// recorded.
	proofOffset = flagsOffset + 1
	proofFormV1 = 1
	// ProofExternalIDPrefix is the prefix of the externalIds a record can
	// hold (dfnskeys.ProofExternalIDPrefix).
	ProofExternalIDPrefix = "dfnskeys-proof-v1-"

	// Record flags.
	flagApproval = 1 // the row's import was answered 202 (policy approval) at least once
	flagProved   = 2 // Dfns's signature with the row's key verified (bulk-import --prove)
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
	// Approval is set once the row's import was answered with a policy
	// approval (202), and kept through later states: a journal with such a
	// row never resends a row whose import may have been sent, since it
	// may be waiting for an approval too.
	Approval bool
	// Proved is set once a signature Dfns made with the row's key verified
	// under the row's public key. A rerun does not take it as proof: it
	// asks Dfns again (docs/threat-model.md §4).
	Proved bool
	// ProofExternalID is the externalId of the row's proof, recorded before
	// the signature request is sent, so that every later run asks Dfns for
	// the same request: ProofExternalIDPrefix and 32 hex digits, or "".
	ProofExternalID string
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

// Journal is an open journal file, locked for the calling process until
// Close. It is safe for concurrent use.
type Journal struct {
	f       *os.File
	path    string
	pidPath string   // the sidecar file naming the process that holds the lock
	pidFile *os.File // the sidecar, held open: Close removes it only while it is still there
	header  [recordSize]byte

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

// Open opens the journal at path, creating it (mode 0600) for the
// input with the given digest. An existing journal made for another input
// is refused. The journal is locked for the calling process until Close
// (the system releases the lock if the process dies): while another run
// holds it, Open fails at once with an error naming that process
// when it is known. The process ID is kept in a sidecar file, path + ".pid",
// removed by Close.
//
// Neither file is ever opened through a symbolic link (see
// docs/threat-model.md §6): a journal path that is a link is refused, a
// new journal is created with O_EXCL|O_NOFOLLOW, and the sidecar is
// written under a temporary name and renamed into place, so a link
// planted at path + ".pid" is replaced, and the file it points to is left
// alone.
func Open(path string, inputDigest [32]byte) (*Journal, error) {
	f, err := safefile.CreateRW(path, 0o600)
	created := err == nil
	if errors.Is(err, fs.ErrExist) {
		f, err = safefile.OpenExisting(path, os.O_RDWR) // refuses a link, a FIFO, a device
	}
	if err != nil {
		return nil, fmt.Errorf("opening the journal: %w", err)
	}
	j := &Journal{f: f, path: path}
	if err := j.lock(); err != nil {
		f.Close()
		return nil, err
	}
	fail := func(err error) (*Journal, error) {
		j.Close()
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		return fail(fmt.Errorf("opening the journal: %w", err))
	}
	if fi.Size() > 0 {
		if err := j.checkHeader(path, inputDigest); err != nil {
			return fail(err)
		}
		return j, nil
	}
	// New, or created by a run that died (or lost the race for the lock)
	// before writing the header: nothing was recorded in it yet.
	if err := j.writeHeader(inputDigest); err != nil {
		if created {
			os.Remove(path)
		}
		return fail(err)
	}
	if err := safefile.SyncDir(filepath.Dir(path)); err != nil {
		return fail(err)
	}
	return j, nil
}

// lock takes the journal's lock or explains who holds it, and records this
// process in the sidecar.
func (j *Journal) lock() error {
	ok, err := lockFile(j.f)
	if err != nil {
		return fmt.Errorf("locking the journal %s: %w", j.path, err)
	}
	pidPath := j.path + ".pid"
	if !ok {
		holder := "another process"
		if b, err := safefile.ReadSmall(pidPath, 512); err == nil {
			if h := parseHolder(b); h != "" {
				holder = h
			}
		}
		return fmt.Errorf("the journal %s is in use by %s: another bulk-import is running on it, and two runs on one journal could import keys twice; wait for it to finish, or stop it (Ctrl-C) and rerun", j.path, holder)
	}
	host, _ := os.Hostname()
	// Best effort: without the sidecar, a second run is still refused,
	// only without naming this process.
	if pf, err := safefile.Replace(pidPath, fmt.Appendf(nil, "%d %s\n", os.Getpid(), host), 0o600); err == nil {
		j.pidPath, j.pidFile = pidPath, pf
	}
	return nil
}

// parseHolder reads a sidecar written by lock, "PID HOST", and describes
// the process. It returns "" for anything else.
func parseHolder(b []byte) string {
	fields := strings.Fields(string(b))
	if len(fields) == 0 || len(fields) > 2 {
		return ""
	}
	pid, err := strconv.Atoi(fields[0])
	if err != nil || pid <= 0 {
		return ""
	}
	if len(fields) == 2 && isHostName(fields[1]) {
		return fmt.Sprintf("process %d on host %s", pid, fields[1])
	}
	return fmt.Sprintf("process %d", pid)
}

func isHostName(s string) bool {
	if len(s) > 253 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

func (j *Journal) writeHeader(d [32]byte) error {
	var h [recordSize]byte
	copy(h[:], journalMagic)
	copy(h[32:], d[:])
	return j.putHeader(h)
}

// putHeader writes h, with its CRC, as the header and makes it durable.
func (j *Journal) putHeader(h [recordSize]byte) error {
	binary.BigEndian.PutUint32(h[recordSize-4:], crc32.ChecksumIEEE(h[:recordSize-4]))
	if _, err := j.f.WriteAt(h[:], 0); err != nil {
		return fmt.Errorf("writing the journal header: %w", err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("syncing the journal: %w", err)
	}
	j.header = h
	return nil
}

func (j *Journal) checkHeader(path string, d [32]byte) error {
	var h [recordSize]byte
	if _, err := j.f.ReadAt(h[:], 0); err != nil {
		return fmt.Errorf("%s is not a dfnskeys journal (%v)", path, err)
	}
	if !bytes.Equal(h[:len(journalMagic)], []byte(journalMagic)) || binary.BigEndian.Uint32(h[recordSize-4:]) != crc32.ChecksumIEEE(h[:recordSize-4]) {
		return fmt.Errorf("%s is not a dfnskeys journal", path)
	}
	if !bytes.Equal(h[32:64], d[:]) {
		return fmt.Errorf("the journal %s was made for a different input file (the input changed since): use a new journal (keys Dfns already has are then reported as already imported, not imported again), or restore the original input to resume", path)
	}
	j.header = h
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
		return Record{}, fmt.Errorf("reading the journal: %w", err)
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
	r.Approval = b[flagsOffset]&flagApproval != 0
	r.Proved = b[flagsOffset]&flagProved != 0
	switch b[proofOffset] {
	case 0:
	case proofFormV1:
		r.ProofExternalID = ProofExternalIDPrefix + hex.EncodeToString(b[proofOffset+1:proofOffset+17])
	default:
		return Record{State: StateUncertain}, nil
	}
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
		return fmt.Errorf("journal row %d", row)
	}
	if len(r.PublicKey) > 65 || len(r.KeyID) > 150 {
		return fmt.Errorf("journal record for row %d is too large", row)
	}
	if r.DuplicateOf < 0 || int64(r.DuplicateOf) > math.MaxUint32 {
		return fmt.Errorf("journal record for row %d names row %d", row, r.DuplicateOf)
	}
	sc, ok := schemeCode(r.Scheme)
	if !ok {
		return fmt.Errorf("journal record for row %d has unsupported scheme %s", row, r.Scheme)
	}
	var b [recordSize]byte
	b[0], b[1], b[2] = 'R', byte(r.State), byte(len(r.PublicKey))
	copy(b[3:], r.PublicKey)
	b[3+65] = byte(len(r.KeyID))
	copy(b[4+65:], r.KeyID)
	b[schemeOffset] = sc
	binary.BigEndian.PutUint32(b[dupOffset:], uint32(r.DuplicateOf))
	if r.Approval {
		b[flagsOffset] |= flagApproval
	}
	if r.Proved {
		b[flagsOffset] |= flagProved
	}
	if r.ProofExternalID != "" {
		h, ok := strings.CutPrefix(r.ProofExternalID, ProofExternalIDPrefix)
		d, err := hex.DecodeString(h)
		if !ok || err != nil || len(d) != 16 || hex.EncodeToString(d) != h {
			return fmt.Errorf("journal record for row %d: the proof externalId %q is not one dfnskeys makes (%s and 32 lower-case hex digits)", row, r.ProofExternalID, ProofExternalIDPrefix)
		}
		b[proofOffset] = proofFormV1
		copy(b[proofOffset+1:], d)
	}
	binary.BigEndian.PutUint32(b[recordSize-4:], crc32.ChecksumIEEE(b[:recordSize-4]))
	if _, err := j.f.WriteAt(b[:], int64(row)*recordSize); err != nil {
		return fmt.Errorf("writing the journal: %w", err)
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
		return fmt.Errorf("syncing the journal: %w", err)
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

// Close releases the journal's lock and closes it.
func (j *Journal) Close() error {
	if j.pidPath != "" {
		// Before the lock goes, and only while it is still ours: after
		// the lock, it may be another run's.
		safefile.RemoveIfSame(j.pidPath, j.pidFile)
		j.pidPath, j.pidFile = "", nil
	}
	return j.f.Close()
}
