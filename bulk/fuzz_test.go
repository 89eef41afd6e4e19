package bulk

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func FuzzReader(f *testing.F) {
	f.Add([]byte(`{"name":"a","keyFile":"k1","curve":"secp256k1","format":"wif"}`+"\n\n{\"keyFile\":\"k\"}\n"), false)
	f.Add([]byte("name,keyFile,curve\n\"x\",k1,stark\n,,\n\"unterminated,k2,secp256k1\n"), true)
	f.Add([]byte("\uFEFFkeyFile,curve,expectedAddress\nk,ed25519,abc\n"), true)
	f.Fuzz(func(t *testing.T, data []byte, csv bool) {
		name := "in.jsonl"
		if csv {
			name = "in.csv"
		}
		rd, err := NewReader(bytes.NewReader(data), name)
		if err != nil {
			return
		}
		last := 0
		for i := 0; i < 10000; i++ {
			row, err := rd.Next()
			if err == io.EOF {
				return
			}
			var re *RowError
			switch {
			case errors.As(err, &re):
				if re.Number <= last {
					t.Fatalf("row numbers must increase: %d after %d", re.Number, last)
				}
				last = re.Number
			case err != nil:
				return
			default:
				if row.Number <= last || row.KeyFile == "" || row.Curve == "" {
					t.Fatalf("bad row %+v after %d", row, last)
				}
				last = row.Number
			}
		}
		t.Fatal("the reader did not reach the end")
	})
}

func FuzzDecodeRecord(f *testing.F) {
	var b [recordSize]byte
	f.Add(b[:])
	b[0], b[1] = 'R', byte(StateImported)
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
	})
}

// FuzzJournalTarget reads the target from arbitrary header bytes (a journal
// file is read back from disk, where anything may have happened to it): it
// never panics, and a target it writes reads back in stored form.
func FuzzJournalTarget(f *testing.F) {
	var h [recordSize]byte
	putTarget(&h, target{BaseURL: "https://api.dfns.io", OrgID: "or-1", ClusterID: "cl-1"})
	f.Add(h[:], "http://127.0.0.1:1", "", "cl-x")
	f.Add(make([]byte, recordSize), strings.Repeat("u", 300), strings.Repeat("o", 60), "c")
	f.Fuzz(func(t *testing.T, header []byte, url, org, cluster string) {
		var h [recordSize]byte
		copy(h[:], header)
		if got, ok := getTarget(&h); ok && (len(got.BaseURL) > urlField || len(got.OrgID) > orgField || len(got.ClusterID) > clusterField) {
			t.Fatalf("a field longer than its room: %+v", got)
		}
		want := target{BaseURL: url, OrgID: org, ClusterID: cluster}
		putTarget(&h, want)
		got, ok := getTarget(&h)
		if !ok || !sameTarget(got, want) {
			t.Fatalf("wrote %+v, read %+v (%t)", want, got, ok)
		}
	})
}
