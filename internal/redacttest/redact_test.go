package redacttest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/auth"
	"github.com/dfnskeys/dfnskeys/bulk"
	"github.com/dfnskeys/dfnskeys/encryption"
	"github.com/dfnskeys/dfnskeys/internal/authwire"
	"github.com/dfnskeys/dfnskeys/internal/sharding"
	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
)

// verbs are every verb fmt knows, flags included, and some it does not.
// They are in a variable so that vet does not check them against the
// arguments.
var verbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "% x", "%#x", "%d", "%o", "%O", "%b", "%c", "%U", "%e", "%f", "%g", "%t", "%p", "%T", "%10.3v", "%-40s", "%z", "%!", "%ä"}

// wrapped is a user's struct holding a secret-bearing value in an exported
// field: fmt uses the value's own methods there too.
type wrapped[T any] struct {
	Field T
	Other string
}

// forms are the encodings in which secret could appear in printed text:
// raw, quoted, hex of either case, base64, decimal bytes, and what fmt
// itself makes of a []byte or a string under each verb.
func forms(secret []byte) []string {
	out := []string{
		string(secret),
		hex.EncodeToString(secret),
		strings.ToUpper(hex.EncodeToString(secret)),
		base64.StdEncoding.EncodeToString(secret),
		base64.RawURLEncoding.EncodeToString(secret),
		strings.Trim(strconv.Quote(string(secret)), `"`),
		new(big.Int).SetBytes(secret).String(), // a scalar as a number
	}
	for _, v := range verbs {
		for _, s := range []string{fmt.Sprintf(v, secret), fmt.Sprintf(v, string(secret))} {
			s = strings.TrimPrefix(s, "[]byte{")
			s = strings.Trim(s, `[]{}"`+"`")
			out = append(out, s)
		}
	}
	var kept []string
	for _, s := range out {
		if len(s) >= 12 { // long enough not to occur by chance
			kept = append(kept, s)
		}
	}
	// A run of bytes in decimal or in fmt's %#v form, from the middle.
	if len(secret) >= 8 {
		var d, g []string
		for _, b := range secret[2:8] {
			d = append(d, strconv.Itoa(int(b)))
			g = append(g, fmt.Sprintf("0x%x", b))
		}
		kept = append(kept, strings.Join(d, " "), strings.Join(g, ", "))
	}
	return kept
}

type secretCase struct {
	name    string
	values  []any    // the value, its pointer or both, as the API hands them out
	secrets [][]byte // what must never be printed
}

// wireBodies are the cases that are request or response bodies: their JSON
// is the wire format, secret included, and is sent only to Dfns.
var wireBodies = map[string]bool{"authwire.UserActionResponse": true}

func TestSecretBearingTypesRedactUnderEveryVerb(t *testing.T) {
	cases := secretCases(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var all []string
			for _, s := range tc.secrets {
				if len(s) < 8 {
					t.Fatalf("secret of %d bytes is too short to find", len(s))
				}
				all = append(all, forms(s)...)
			}
			for i, v := range tc.values {
				for _, p := range []any{v, wrapped[any]{Field: v, Other: "o"}} {
					for _, verb := range verbs {
						if verb == "%p" && reflect.TypeOf(p).Kind() != reflect.Pointer {
							// fmt prints a non-pointer under %p with
							// reflection alone, never calling its
							// methods, whatever the type does (go vet
							// reports such a call). Only secrets out of
							// reflection's reach (closures, as in
							// keys.PrivateKey) survive it.
							continue
						}
						out := fmt.Sprintf(verb, p)
						for _, f := range all {
							if strings.Contains(out, f) {
								t.Errorf("value %d (%T) under %s prints %q, which holds the secret as %q", i, p, verb, out, f)
							}
						}
					}
					// encoding/json does not call Format: a secret field
					// must be tagged out (or the type marshal itself),
					// but for wire bodies, whose JSON is what is sent.
					if out, err := json.Marshal(p); err == nil && !wireBodies[tc.name] {
						for _, f := range all {
							if strings.Contains(string(out), f) {
								t.Errorf("value %d (%T) marshals to %s, which holds the secret as %q", i, p, out, f)
							}
						}
					}
				}
			}
		})
	}
	// A check that can fail: the same search finds a secret printed raw.
	pw := []byte("correct horse battery staple")
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%d", "%q"} {
		out := fmt.Sprintf(verb, struct{ Password []byte }{pw})
		found := false
		for _, f := range forms(pw) {
			found = found || strings.Contains(out, f)
		}
		if !found {
			t.Errorf("the search misses the secret in %q (%s)", out, verb)
		}
	}
}

// secretCases builds one value of every exported type in the module that
// holds a secret, with the secret it holds. A new such type belongs here.
func secretCases(t *testing.T) []secretCase {
	t.Helper()
	password := []byte("correct horse battery staple")
	passphrase := []byte("tr0ub4dor and three")
	scalar := bytes.Repeat([]byte{0x5a, 0x17, 0xc3, 0x08}, 8)
	scalar[0] = 0x05 // below the secp256k1 and stark orders

	var cases []secretCase
	add := func(name string, secrets [][]byte, values ...any) {
		cases = append(cases, secretCase{name: name, values: values, secrets: secrets})
	}

	// keys
	for _, c := range []keys.Curve{keys.Secp256k1, keys.Stark, keys.Ed25519} {
		k, err := keys.NewPrivateKey(c, scalar)
		if err != nil {
			t.Fatal(err)
		}
		add("keys.PrivateKey/"+string(c), [][]byte{scalar, k.Bytes()}, k)
	}
	dk, err := encryption.GenerateDecryptionKey()
	if err != nil {
		t.Fatal(err)
	}
	dkRaw, err := base64.StdEncoding.DecodeString(string(dk.MarshalBinaryText()))
	if err != nil {
		t.Fatal(err)
	}
	add("encryption.DecryptionKey", [][]byte{dkRaw, dk.MarshalBinaryText()}, dk)
	ec := keys.NewExportContextFromDecryptionKey(dk)
	add("keys.ExportContext", [][]byte{dkRaw, dk.MarshalBinaryText()}, ec)

	// sharding: shares are secret.
	for _, c := range sharding.Curves() {
		s, err := c.ParseScalar(scalar)
		if err != nil {
			t.Fatal(err)
		}
		sh, err := sharding.Split(s, 2, 3)
		if err != nil {
			t.Fatal(err)
		}
		var secrets [][]byte
		for _, v := range sh.Shares {
			secrets = append(secrets, v.Bytes())
		}
		share := sharding.Share{Index: sharding.ScalarFromInt(c, 1), Value: sh.Shares[0]}
		add("sharding.Sharing/"+c.Name(), append(secrets, scalar), sh, *sh)
		add("sharding.Share/"+c.Name(), secrets[:1], share, &share)
		add("sharding.Scalar/"+c.Name(), [][]byte{scalar}, s)
		es := sharding.ExportShare{Index: sharding.ScalarFromInt(c, 1), SecretShare: sh.Shares[0]}
		add("sharding.ExportShare/"+c.Name(), secrets[:1], es, &es)
		is := sharding.ImportShare{SecretShare: sh.Shares[0], PublicShares: sh.PublicShares}
		add("internal/sharding.ImportShare/"+c.Name(), secrets[:1], is, &is)
		stored := loadStoredKey(t, keys.Curve(c.Name()), share)
		add("sim.StoredKey/"+c.Name(), secrets[:1], *stored, stored)
		ssk := sim.StoredServerKey{ClusterID: "cl-1", Shares: stored}
		add("sim.StoredServerKey/"+c.Name(), secrets[:1], ssk, &ssk)
	}

	// auth: a Key credential's private key.
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	ks, err := auth.NewKeySigner("cr-redact", pemBytes)
	if err != nil {
		t.Fatal(err)
	}
	dBytes := ecKey.D.FillBytes(make([]byte, 32))
	add("auth.KeySigner", [][]byte{dBytes, der, pemBytes[30:90]}, ks)
	token := "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1cy1yZWRhY3QifQ.c2lnbmF0dXJlLXJlZGFjdA"
	ua := authwire.UserActionResponse{UserAction: token}
	add("authwire.UserActionResponse", [][]byte{[]byte(token)}, ua, &ua)

	// The API client: its token and its signer.
	cl, err := dfnskeys.NewClient(dfnskeys.WithBaseURL("https://api.dfns.example"), dfnskeys.WithAuthToken(token), dfnskeys.WithSigner(ks))
	if err != nil {
		t.Fatal(err)
	}
	add("dfnskeys.Client", [][]byte{[]byte(token), dBytes}, cl)

	// keyformat options and secrets.
	eo := keyformat.EncodeOptions{KeyID: "key-1", Password: password}
	add("keyformat.EncodeOptions", [][]byte{password}, eo, &eo)
	so := keyformat.Secrets{Password: password, Passphrase: passphrase, Path: "m/44'/60'/0'/0/0"}
	add("keyformat.Secrets", [][]byte{password, passphrase}, so, &so)

	// bulk options.
	io := bulk.ImportOptions{InputPath: "in.jsonl", Password: password, Passphrase: passphrase}
	add("bulk.ImportOptions", [][]byte{password, passphrase}, io, &io)
	xo := bulk.ExportOptions{InputPath: "in.jsonl", Password: password}
	add("bulk.ExportOptions", [][]byte{password}, xo, &xo)

	// dfnstest: the simulator's token and credential key, a passkey.
	srv := sim.NewServer(t)
	block, _ := pem.Decode(srv.CredentialPEM())
	add("sim.Server", [][]byte{[]byte(srv.Token()), block.Bytes, srv.CredentialPEM()[30:90]}, srv)
	pk, err := sim.NewPasskey("cr-passkey", ecKey, []byte("user-handle-1"))
	if err != nil {
		t.Fatal(err)
	}
	add("sim.Passkey", [][]byte{dBytes, der}, pk)
	return cases
}

// loadStoredKey returns a sim.StoredKey holding share, made the way
// a user gets one (its shares are unexported): through LoadStoredKey.
func loadStoredKey(t *testing.T, c keys.Curve, share sharding.Share) *sim.StoredKey {
	t.Helper()
	sc, err := sharding.CurveByName(string(c))
	if err != nil {
		t.Fatal(err)
	}
	pub := sc.BaseMul(share.Value).PublicKeyBytes()
	st := fmt.Sprintf(`{"scheme":{"protocol":%q,"curve":%q},"threshold":1,"publicKey":%q,"shares":[{"signerId":"c2lnbmVyLTE=","index":%q,"value":%q}]}`,
		keys.DefaultProtocol(c), c, hex.EncodeToString(pub), hex.EncodeToString(share.Index.Bytes()), hex.EncodeToString(share.Value.Bytes()))
	path := filepath.Join(t.TempDir(), "key.json")
	if err := os.WriteFile(path, []byte(st), 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := sim.LoadStoredKey(path)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
