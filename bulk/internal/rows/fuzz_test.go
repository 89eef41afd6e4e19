package rows

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
	f.Add([]byte(`{"keyFile":"m","format":"mnemonic","curve":"ed25519","path":"m/44'/501'/0-4'/0'","note":1}`+"\n"+`{"keyFle":"k","curve":"stark"}`), false)
	f.Add([]byte("keyFile,curve,format,path,owner\nm,secp256k1,xprv,m/0/0-9\n"), true)
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
		for i := 0; i < MaxRange*(len(data)+1); i++ {
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
