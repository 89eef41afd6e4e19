package bulk

import (
	"bytes"
	"errors"
	"io"
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
