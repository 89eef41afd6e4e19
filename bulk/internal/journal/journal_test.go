package journal

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/stretchr/testify/require"
)

func TestJournalRoundTripAndReopen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "j")
	d := [32]byte{1, 2, 3}
	j, err := Open(path, d)
	require.NoError(t, err)
	pub := bytes.Repeat([]byte{0x02}, 33)
	require.NoError(t, j.Put(3, Record{State: StateStarted, PublicKey: pub}))
	require.NoError(t, j.Put(1, Record{State: StateImported, PublicKey: pub, KeyID: "key-abc"}))
	r, err := j.Get(2)
	require.NoError(t, err)
	require.Equal(t, StateNone, r.State, "a hole reads as never attempted")
	r, err = j.Get(1000)
	require.NoError(t, err)
	require.Equal(t, StateNone, r.State, "beyond the end reads as never attempted")
	require.NoError(t, j.Close())

	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	j, err = Open(path, d)
	require.NoError(t, err)
	defer j.Close()
	r, err = j.Get(1)
	require.NoError(t, err)
	require.Equal(t, Record{State: StateImported, PublicKey: pub, KeyID: "key-abc"}, r)
	r, err = j.Get(3)
	require.NoError(t, err)
	require.Equal(t, StateStarted, r.State)
	require.Equal(t, pub, r.PublicKey)

	var rows []int
	require.NoError(t, j.Scan(func(row int, r Record) error { rows = append(rows, row); return nil }))
	require.Equal(t, []int{1, 3}, rows)
}

func TestJournalBoundToInput(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "j")
	j, err := Open(path, [32]byte{1})
	require.NoError(t, err)
	require.NoError(t, j.Close())
	_, err = Open(path, [32]byte{2})
	require.ErrorContains(t, err, "different input file")

	notJournal := filepath.Join(t.TempDir(), "x")
	require.NoError(t, os.WriteFile(notJournal, []byte("hello"), 0o600))
	_, err = Open(notJournal, [32]byte{1})
	require.ErrorContains(t, err, "not a dfnskeys journal")
}

// A record torn by a crash mid-write reads as uncertain, never as a
// wrong state.
func TestJournalTornRecord(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "j")
	j, err := Open(path, [32]byte{})
	require.NoError(t, err)
	require.NoError(t, j.Put(2, Record{State: StateImported, PublicKey: []byte{2, 3}, KeyID: "key-1"}))
	require.NoError(t, j.Close())
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	raw[2*recordSize+10] ^= 0xff // damage the middle of row 2's record
	require.NoError(t, os.WriteFile(path, raw, 0o600))
	j, err = Open(path, [32]byte{})
	require.NoError(t, err)
	defer j.Close()
	r, err := j.Get(2)
	require.NoError(t, err)
	require.Equal(t, StateUncertain, r.State)

	// A half-written last record (the file ends inside it) is uncertain too.
	require.NoError(t, os.Truncate(path, 2*recordSize+recordSize/2))
	r, err = j.Get(2)
	require.NoError(t, err)
	require.Equal(t, StateUncertain, r.State)
}

func TestJournalConcurrentPuts(t *testing.T) {
	t.Parallel()
	j, err := Open(filepath.Join(t.TempDir(), "j"), [32]byte{})
	require.NoError(t, err)
	defer j.Close()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				row := w*50 + i + 1
				require.NoError(t, j.Put(row, Record{State: StateImported, KeyID: fmt.Sprintf("key-%d", row)}))
			}
		}()
	}
	wg.Wait()
	n := 0
	require.NoError(t, j.Scan(func(row int, r Record) error {
		n++
		require.Equal(t, fmt.Sprintf("key-%d", row), r.KeyID)
		return nil
	}))
	require.Equal(t, 400, n)
	require.Error(t, j.Put(0, Record{}))
	require.Error(t, j.Put(1, Record{KeyID: string(make([]byte, 151))}))
}

func TestJournalRecordsTheScheme(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "j")
	j, err := Open(path, [32]byte{})
	require.NoError(t, err)
	defer j.Close()
	pub := bytes.Repeat([]byte{0x03}, 33)
	for i, s := range journalSchemes {
		require.NoError(t, j.Put(i+1, Record{State: StateImported, PublicKey: pub, KeyID: "key-1", Scheme: s}))
		r, err := j.Get(i + 1)
		require.NoError(t, err)
		require.Equal(t, s, r.Scheme)
	}
	require.ErrorContains(t, j.Put(9, Record{State: StateStarted, Scheme: keys.Scheme{Protocol: keys.FROST, Curve: keys.Secp256k1}}), "unsupported scheme FROST/secp256k1")
	require.ErrorContains(t, j.Put(9, Record{State: StateImported, DuplicateOf: -1}), "names row -1")
	dup := Record{State: StateImported, PublicKey: pub, KeyID: "key-2", Scheme: journalSchemes[0], DuplicateOf: 70000}
	require.NoError(t, j.Put(8, dup))
	r, err := j.Get(8)
	require.NoError(t, err)
	require.Equal(t, dup, r)

	// A record naming an unknown scheme code is not trusted.
	var b [recordSize]byte
	_, err = j.f.ReadAt(b[:], 1*recordSize)
	require.NoError(t, err)
	b[schemeOffset] = byte(len(journalSchemes) + 1)
	binary.BigEndian.PutUint32(b[recordSize-4:], crc32.ChecksumIEEE(b[:recordSize-4]))
	r, err = decodeRecord(b[:])
	require.NoError(t, err)
	require.Equal(t, StateUncertain, r.State)
}

// One run per journal: a second open fails at once and names the process
// that holds it, until the first is closed.
func TestJournalLocked(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "j")
	j, err := Open(path, [32]byte{1})
	require.NoError(t, err)
	host, _ := os.Hostname()
	sidecar, err := os.ReadFile(path + ".pid")
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("%d %s\n", os.Getpid(), host), string(sidecar))

	_, err = Open(path, [32]byte{1})
	require.EqualError(t, err, fmt.Sprintf("the journal %s is in use by process %d on host %s: another bulk-import is running on it, and two runs on one journal could import keys twice; wait for it to finish, or stop it (Ctrl-C) and rerun", path, os.Getpid(), host))
	// Refused before the header is read: even for another input.
	_, err = Open(path, [32]byte{2})
	require.ErrorContains(t, err, "is in use by process")

	// Without the sidecar (a run that could not write it), the holder is
	// unnamed but the lock still holds.
	require.NoError(t, os.Remove(path+".pid"))
	_, err = Open(path, [32]byte{1})
	require.ErrorContains(t, err, "is in use by another process:")

	require.NoError(t, j.Close())
	j, err = Open(path, [32]byte{1})
	require.NoError(t, err)
	require.NoError(t, j.Close())
	require.NoFileExists(t, path+".pid", "Close removes the sidecar")
}

// An empty journal file (a run died, or lost the race for the lock, between
// creating it and writing its header) is a new journal, not a foreign file.
func TestJournalEmptyFileIsNew(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "j")
	require.NoError(t, os.WriteFile(path, nil, 0o600))
	j, err := Open(path, [32]byte{7})
	require.NoError(t, err)
	require.NoError(t, j.Close())
	j, err = Open(path, [32]byte{7})
	require.NoError(t, err)
	require.NoError(t, j.Close())
	_, err = Open(path, [32]byte{8})
	require.ErrorContains(t, err, "different input file")
}

func TestParseHolder(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"123 build-7.example\n": "process 123 on host build-7.example",
		"123\n":                 "process 123",
		"123 bad\x1bhost":       "process 123",
		"":                      "",
		"-1 x":                  "",
		"abc x":                 "",
		"1 2 3":                 "",
	} {
		require.Equal(t, want, parseHolder([]byte(in)), "%q", in)
	}
}

func TestJournalBind(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "j")
	long := "https://api.example/" + strings.Repeat("p", 200)
	a := Target{BaseURL: long, ClusterID: "cl-1"}
	j, err := Open(path, [32]byte{})
	require.NoError(t, err)
	require.NoError(t, j.Bind(a), "a new journal adopts the target")
	require.NoError(t, j.Close())

	reopen := func() *Journal {
		j, err := Open(path, [32]byte{})
		require.NoError(t, err)
		return j
	}
	j = reopen()
	require.NoError(t, j.Bind(Target{BaseURL: long + "/", ClusterID: "cl-1"}), "same target (a trailing slash is not a difference)")
	require.NoError(t, j.Close())
	j = reopen()
	require.ErrorContains(t, j.Bind(Target{BaseURL: long + "x", ClusterID: "cl-1"}), "was made against #")
	require.ErrorContains(t, j.Bind(Target{BaseURL: long, ClusterID: "cl-2"}), "cluster cl-2: ")
	// The organisation is learned once the token names it, then enforced.
	require.NoError(t, j.Bind(Target{BaseURL: long, OrgID: "or-1", ClusterID: "cl-1"}))
	require.NoError(t, j.Close())
	j = reopen()
	defer j.Close()
	require.NoError(t, j.Bind(Target{BaseURL: long, ClusterID: "cl-1"}), "a token that does not say is not a difference")
	require.EqualError(t, j.Bind(Target{BaseURL: long, OrgID: "or-2", ClusterID: "cl-1"}), "the journal "+path+" was made against #"+
		fieldValue(long, urlField)[1:]+", organisation or-1, cluster cl-1, but this run is against "+long+", organisation or-2, cluster cl-1: a journal only describes keys in the API, organisation and signing cluster it was made against (a rehearsal's journal says nothing about production). To import into this one, start a new journal (--journal NEW_FILE): keys it already holds are found and reported, not imported again")
}

// The proof's externalId is recorded in space older journals left zero:
// an old record (written without it, byte for byte as before) still reads,
// with no externalId, and a new one reads back as written.
func TestJournalRecordsTheProofExternalID(t *testing.T) {
	t.Parallel()
	j, err := Open(filepath.Join(t.TempDir(), "j"), [32]byte{})
	require.NoError(t, err)
	defer j.Close()
	pub := bytes.Repeat([]byte{0x02}, 33)
	old := Record{State: StateImported, PublicKey: pub, KeyID: "key-1", Scheme: journalSchemes[0], Proved: true}
	require.NoError(t, j.Put(1, old))
	var b [recordSize]byte
	_, err = j.f.ReadAt(b[:], recordSize)
	require.NoError(t, err)
	require.True(t, allZero(b[proofOffset:recordSize-4]), "nothing written past the flags for a record without an externalId, as before")
	r, err := j.Get(1)
	require.NoError(t, err)
	require.Equal(t, old, r)

	ext := ProofExternalIDPrefix + "00112233445566778899aabbccddeeff"
	rec := Record{State: StateImported, PublicKey: pub, KeyID: "key-2", Scheme: journalSchemes[4], ProofExternalID: ext}
	require.NoError(t, j.Put(2, rec))
	r, err = j.Get(2)
	require.NoError(t, err)
	require.Equal(t, rec, r)
	require.NoError(t, j.Scan(func(row int, r Record) error {
		if row == 2 {
			require.Equal(t, ext, r.ProofExternalID)
		}
		return nil
	}))

	for _, bad := range []string{"custom-id", ProofExternalIDPrefix + "0011", ProofExternalIDPrefix + "00112233445566778899AABBCCDDEEFF"} {
		require.ErrorContains(t, j.Put(3, Record{State: StateImported, ProofExternalID: bad}), "not one dfnskeys makes", bad)
	}
	// An unknown form byte is not trusted.
	_, err = j.f.ReadAt(b[:], 2*recordSize)
	require.NoError(t, err)
	b[proofOffset] = 7
	binary.BigEndian.PutUint32(b[recordSize-4:], crc32.ChecksumIEEE(b[:recordSize-4]))
	r, err = decodeRecord(b[:])
	require.NoError(t, err)
	require.Equal(t, StateUncertain, r.State)
}

// A target's IDs come from the server (the cluster ID) or a token's claims
// (the organisation): printed in messages, they are escaped, so a hostile
// cluster ID cannot draw lines of its own (docs/threat-model.md §3).
func TestTargetStringEscapes(t *testing.T) {
	got := Target{BaseURL: "https://api.dfns.io", OrgID: "or-1\x1b[8m", ClusterID: "cl-1\nsigner fake"}.String()
	require.NotContains(t, got, "\n")
	require.NotContains(t, got, "\x1b")
	require.Contains(t, got, "cluster cl-1")
}
