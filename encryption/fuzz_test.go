package encryption

import (
	"bytes"
	"testing"
)

// fuzzKey is the first known-answer decryption key; ciphertexts in the seed
// corpus were made for it.
const fuzzKey = "AcVt7En28OlXzDe0yHBSU/vtXLYSa0IHqNwJkVhFpDdl"

func FuzzDecrypt(f *testing.F) {
	for _, v := range loadECIES(f) {
		f.Add(mustB64(f, v.Ciphertext))
	}
	f.Add(make([]byte, overhead))
	dk, err := ParseDecryptionKeyText([]byte(fuzzKey))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, ct []byte) {
		pt, err := dk.Decrypt(ct)
		if err != nil {
			if len(ct) >= overhead && err != ErrDecryption {
				t.Fatalf("non-opaque error %v", err)
			}
			return
		}
		if len(pt) != len(ct)-overhead {
			t.Fatalf("plaintext %d bytes from ciphertext %d bytes", len(pt), len(ct))
		}
	})
}

func FuzzParseEncryptionKey(f *testing.F) {
	for _, v := range loadECIES(f) {
		f.Add(mustB64(f, v.EncryptionKey))
	}
	f.Add([]byte{1, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := parseEncryptionKey(b)
		if err != nil {
			return
		}
		if !bytes.Equal(k.Bytes(), b) {
			t.Fatal("accepted a non-canonical encoding")
		}
		k2, err := ParseEncryptionKeyText(k.String())
		if err != nil || !k2.Equal(k) {
			t.Fatal("text round trip failed")
		}
		if _, err := Encrypt(k, []byte("x")); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzParseDecryptionKey(f *testing.F) {
	for _, v := range loadECIES(f) {
		f.Add(mustB64(f, v.DecryptionKey))
	}
	f.Add(append([]byte{1}, bytes.Repeat([]byte{0xff}, 32)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := parseDecryptionKey(b)
		if err != nil {
			return
		}
		if !bytes.Equal(k.bytes(), b) {
			t.Fatal("accepted a non-canonical encoding")
		}
		ct, err := Encrypt(k.EncryptionKey(), []byte("share"))
		if err != nil {
			t.Fatal(err)
		}
		if pt, err := k.Decrypt(ct); err != nil || string(pt) != "share" {
			t.Fatal("round trip failed")
		}
	})
}
