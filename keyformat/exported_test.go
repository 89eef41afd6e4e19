package keyformat_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
)

// edScalarHex is the signing scalar of the RFC 8032 test 1 seed (rfcSeed),
// big-endian, as Dfns exports it.
const edScalarHex = "0fe94d9006f020a5a3c080d96827fffce8852346655006e96ae99be612ac2c7c"

func TestExportDocumentRoundTrip(t *testing.T) {
	t.Parallel()
	for _, c := range []keys.Curve{keys.Secp256k1, keys.Stark, keys.Ed25519} {
		for _, id := range []string{"key-01abc", ""} {
			t.Run(string(c)+"/"+id, func(t *testing.T) {
				t.Parallel()
				k, err := keys.GeneratePrivateKey(c)
				if err != nil {
					t.Fatal(err)
				}
				defer k.Destroy()
				doc, err := keyformat.EncodeJSON(k, id)
				if err != nil {
					t.Fatal(err)
				}
				if !json.Valid(doc) || !bytes.HasSuffix(doc, []byte("}\n")) {
					t.Fatalf("not one JSON object and a newline:\n%s", doc)
				}
				for _, want := range []string{`"curve": "` + string(c) + `"`, `"kind": "scalar"`, `"publicKey": "` + k.PublicKeyHex() + `"`} {
					if !bytes.Contains(doc, []byte(want)) {
						t.Errorf("document lacks %s:\n%s", want, doc)
					}
				}
				if got := keyformat.RecordedKeyID(doc); got != id {
					t.Errorf("RecordedKeyID = %q, want %q", got, id)
				}
				for _, curve := range []keys.Curve{"", c} {
					got, err := keyformat.Parse(keyformat.JSON, curve, doc, keyformat.Secrets{})
					if err != nil {
						t.Fatal(err)
					}
					if !got.Equal(k) || got.PublicKeyHex() != k.PublicKeyHex() {
						t.Error("a different key came back")
					}
					got.Destroy()
				}
			})
		}
	}
}

// TestExportDocumentEd25519 pins down the point of the document: the
// exported ed25519 scalar reads back as the same key, while the same 64
// digits as bare hex would be a seed of another key.
func TestExportDocumentEd25519(t *testing.T) {
	t.Parallel()
	k, err := keys.NewEd25519PrivateKeyFromScalar(mustHex(t, edScalarHex))
	if err != nil {
		t.Fatal(err)
	}
	defer k.Destroy()
	if k.PublicKeyHex() != rfcPub {
		t.Fatalf("scalar of the RFC 8032 seed has public key %s, want %s", k.PublicKeyHex(), rfcPub)
	}
	doc, err := keyformat.EncodeJSON(k, "key-ed")
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"type\": \"dfnskeys-exported-key\",\n  \"version\": 1,\n  \"keyId\": \"key-ed\",\n  \"curve\": \"ed25519\",\n  \"kind\": \"scalar\",\n  \"publicKey\": \"" + rfcPub + "\",\n  \"privateKey\": \"" + edScalarHex + "\"\n}\n"
	if string(doc) != want {
		t.Fatalf("document:\n%s\nwant:\n%s", doc, want)
	}
	got, err := keyformat.ParseJSON(keys.Ed25519, doc)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Destroy()
	if got.PublicKeyHex() != rfcPub {
		t.Errorf("public key %s, want %s", got.PublicKeyHex(), rfcPub)
	}
	asSeed, err := keyformat.ParseHex(keys.Ed25519, []byte(edScalarHex), false)
	if err != nil {
		t.Fatal(err)
	}
	defer asSeed.Destroy()
	if asSeed.PublicKeyHex() == rfcPub {
		t.Fatal("the scalar read as a seed gives the same key: the test proves nothing")
	}
	// The document given where hex is expected is refused, with the way out.
	_, err = keyformat.Parse(keyformat.Hex, keys.Ed25519, doc, keyformat.Secrets{})
	wantError(t, err, keyformat.Hex, "this looks like an export document written by dfnskeys, not hex: use format json (--format json)", edScalarHex)
	_, err = keyformat.Parse(keyformat.JSON, "", doc, keyformat.Secrets{Ed25519Scalar: true})
	wantError(t, err, keyformat.JSON, "the ed25519 scalar form (--ed25519-scalar) is not needed with format json: the file says what its key is", edScalarHex)
}

func TestParseJSONErrors(t *testing.T) {
	t.Parallel()
	k, err := keys.NewEd25519PrivateKeyFromScalar(mustHex(t, edScalarHex))
	if err != nil {
		t.Fatal(err)
	}
	defer k.Destroy()
	good, err := keyformat.EncodeJSON(k, "key-ed")
	if err != nil {
		t.Fatal(err)
	}
	other := strings.Replace(string(good), rfcPub, strings.Repeat("ab", 32), 1)
	edit := func(old, new string) string { return strings.Replace(string(good), old, new, 1) }
	for _, tc := range []struct {
		name, data string
		curve      keys.Curve
		want       string
	}{
		{"empty", "", "", "the file is empty or ends early"},
		{"truncated", string(good[:len(good)/2]), "", "ends early"},
		{"not JSON", "x" + edScalarHex, "", "invalid JSON near offset 1"},
		{"hex", "0x" + edScalarHex, "", "it is not a JSON object"},
		{"array", "[1,2]", "", "it is not a JSON object"},
		{"wrong field type", edit(`"version": 1`, `"version": "1"`), "", "field version has the wrong type"},
		{"keystore", `{"version":3,"crypto":{}}`, "", "unknown field \"crypto\""},
		{"two values", string(good) + "{}", "", "more than one JSON value"},
		{"wrong type", edit("dfnskeys-exported-key", "other"), "", `type is "other", want "dfnskeys-exported-key"`},
		{"version 2", edit(`"version": 1`, `"version": 2`), "", "version is 2; only version 1 is supported"},
		{"seed kind", edit(`"kind": "scalar"`, `"kind": "seed"`), "", `kind is "seed"; only "scalar" is supported`},
		{"no kind", edit(`"kind": "scalar",`, ``), "", `kind is ""`},
		{"unknown curve", edit(`"curve": "ed25519"`, `"curve": "p256"`), "", `unsupported curve "p256"`},
		{"other curve expected", string(good), keys.Secp256k1, "the document holds a ed25519 key, not secp256k1"},
		{"altered public key", other, "", "is not the private key's public key " + rfcPub + ": the file was altered or damaged"},
		{"public key not hex", edit(rfcPub, "zz"), "", "publicKey is not hex"},
		{"short private key", edit(edScalarHex, edScalarHex[2:]), "", "privateKey must be a string of 64 hex digits"},
		{"private key number", edit(`"`+edScalarHex+`"`, "12"), "", "privateKey must be a string of 64 hex digits"},
		{"bad digit", edit(edScalarHex, "g"+edScalarHex[1:]), "", "privateKey: character 1 is not a hex digit"},
		{"zero key", edit(edScalarHex, strings.Repeat("0", 64)), "", "private key is zero"},
		{"control character in key ID", edit(`"key-ed"`, `"key-\u0007"`), "", "keyId is not a Dfns key ID"},
		{"huge", string(good) + strings.Repeat(" ", 5000), "", "more than the 4096 an export document can be"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := keyformat.ParseJSON(tc.curve, []byte(tc.data))
			if got != nil {
				t.Fatal("a key and an error")
			}
			wantError(t, err, keyformat.JSON, tc.want, edScalarHex, edScalarHex[:16], edScalarHex[48:])
		})
	}
}

func TestRecordedKeyID(t *testing.T) {
	t.Parallel()
	secp := newKey(t, keys.Secp256k1, ethKey)
	defer secp.Destroy()
	ks, err := keyformat.EncryptKeystore(secp, []byte("pw"), keyformat.KeystoreOptions{KDF: "pbkdf2", PBKDF2Iterations: 1000, KeyID: "key-ks"})
	if err != nil {
		t.Fatal(err)
	}
	plain := lightKeystore(t, secp, "pw", "pbkdf2")
	for _, tc := range []struct {
		name, data, want string
	}{
		{"keystore with ID", string(ks), "key-ks"},
		{"keystore without ID", string(plain), ""},
		{"hex", ethKey, ""},
		{"other JSON", `{"keyId":"key-x"}`, ""},
		{"control character", `{"type":"dfnskeys-exported-key","keyId":"a\nb"}`, ""},
	} {
		if got := keyformat.RecordedKeyID([]byte(tc.data)); got != tc.want {
			t.Errorf("%s: RecordedKeyID = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestKeystoreDfnskeysSection(t *testing.T) {
	t.Parallel()
	secp := newKey(t, keys.Secp256k1, ethKey)
	defer secp.Destroy()
	ks, err := keyformat.EncryptKeystore(secp, []byte("pw"), keyformat.KeystoreOptions{KDF: "pbkdf2", PBKDF2Iterations: 1000, KeyID: "key-ks"})
	if err != nil {
		t.Fatal(err)
	}
	want := `"dfnskeys":{"keyId":"key-ks","curve":"secp256k1","kind":"scalar","publicKey":"` + secp.PublicKeyHex() + `"}`
	if !bytes.Contains(ks, []byte(want)) {
		t.Fatalf("keystore lacks %s:\n%s", want, ks)
	}
	k, err := keyformat.ParseKeystore(ks, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	if !k.Equal(secp) {
		t.Error("a different key came back")
	}
	k.Destroy()
	other := bytes.Replace(ks, []byte(secp.PublicKeyHex()), []byte("02"+strings.Repeat("11", 32)), 1)
	_, err = keyformat.ParseKeystore(other, []byte("pw"))
	wantError(t, err, keyformat.Keystore, "the dfnskeys section's publicKey", ethKey)
	ed := bytes.Replace(ks, []byte(`"curve":"secp256k1"`), []byte(`"curve":"ed25519"`), 1)
	_, err = keyformat.ParseKeystore(ed, []byte("pw"))
	wantError(t, err, keyformat.Keystore, `the dfnskeys section says "ed25519" "scalar"; a keystore holds a secp256k1 scalar`, ethKey)
	if _, err := keyformat.EncryptKeystore(secp, []byte("pw"), keyformat.KeystoreOptions{KDF: "pbkdf2", PBKDF2Iterations: 1000, KeyID: "a\x00b"}); err == nil {
		t.Error("a key ID with a NUL byte was accepted")
	}
}

func FuzzParseJSON(f *testing.F) {
	for _, c := range []keys.Curve{keys.Secp256k1, keys.Stark, keys.Ed25519} {
		k, err := keys.GeneratePrivateKey(c)
		if err != nil {
			f.Fatal(err)
		}
		doc, err := keyformat.EncodeJSON(k, "key-"+string(c))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(doc)
		k.Destroy()
	}
	f.Add([]byte(`{"type":"dfnskeys-exported-key","version":1,"curve":"ed25519","kind":"scalar","publicKey":"` + rfcPub + `","privateKey":"` + edScalarHex + `"}`))
	f.Add([]byte(`{"privateKey":"00"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := keyformat.ParseJSON("", data)
		if err != nil {
			if k != nil {
				t.Fatal("key and error")
			}
			return
		}
		defer k.Destroy()
		// The document's public key is the key's, and writing the key again
		// reads back to the same key.
		var probe struct{ PublicKey string }
		if json.Unmarshal(data, &probe) != nil {
			t.Fatal("accepted, but not JSON")
		}
		if pub, _ := hex.DecodeString(probe.PublicKey); !bytes.Equal(pub, k.PublicKey()) {
			t.Fatalf("publicKey %s, key's %s", probe.PublicKey, k.PublicKeyHex())
		}
		again, err := keyformat.EncodeJSON(k, keyformat.RecordedKeyID(data))
		if err != nil {
			t.Fatal(err)
		}
		k2, err := keyformat.ParseJSON(k.Curve(), again)
		if err != nil {
			t.Fatal(err)
		}
		defer k2.Destroy()
		if !k2.Equal(k) {
			t.Fatal("round trip gave another key")
		}
	})
}
