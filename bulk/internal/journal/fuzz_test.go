package journal

import (
	"strings"
	"testing"
)

func FuzzDecodeRecord(f *testing.F) {
	var b [recordSize]byte
	f.Add(b[:])
	b[0], b[1] = 'R', byte(StateImported)
	f.Add(b[:])
	b[proofOffset] = proofFormV1
	b[proofOffset+1] = 0xab
	f.Add(b[:])
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) != recordSize {
			return
		}
		r, err := decodeRecord(data)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.PublicKey) > 65 || len(r.KeyID) > 150 {
			t.Fatal("oversized fields")
		}
		if r.ProofExternalID != "" && (len(r.ProofExternalID) != len(ProofExternalIDPrefix)+32 || r.ProofExternalID[:len(ProofExternalIDPrefix)] != ProofExternalIDPrefix) {
			t.Fatalf("an externalId dfnskeys does not make: %q", r.ProofExternalID)
		}
	})
}

// FuzzJournalTarget reads the target from arbitrary header bytes (a journal
// file is read back from disk, where anything may have happened to it): it
// never panics, and a target it writes reads back in stored form.
func FuzzJournalTarget(f *testing.F) {
	var h [recordSize]byte
	putTarget(&h, Target{BaseURL: "https://api.dfns.io", OrgID: "or-1", ClusterID: "cl-1"})
	f.Add(h[:], "http://127.0.0.1:1", "", "cl-x")
	f.Add(make([]byte, recordSize), strings.Repeat("u", 300), strings.Repeat("o", 60), "c")
	f.Fuzz(func(t *testing.T, header []byte, url, org, cluster string) {
		var h [recordSize]byte
		copy(h[:], header)
		if got, ok := getTarget(&h); ok && (len(got.BaseURL) > urlField || len(got.OrgID) > orgField || len(got.ClusterID) > clusterField) {
			t.Fatalf("a field longer than its room: %+v", got)
		}
		want := Target{BaseURL: url, OrgID: org, ClusterID: cluster}
		putTarget(&h, want)
		got, ok := getTarget(&h)
		if !ok || !sameTarget(got, want) {
			t.Fatalf("wrote %+v, read %+v (%t)", want, got, ok)
		}
	})
}
