package keyformat

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dfnskeys/dfnskeys/keys"
)

// The export document: what dfnskeys writes for a key exported from Dfns
// when it writes the key in the clear. It says what the key is, so that it
// cannot be read back as something else: Dfns exports an ed25519 key as its
// signing scalar, and 64 bare hex digits of that scalar read as an RFC 8032
// seed would be a different key. Version 1, indented JSON:
//
//	{
//	  "type": "dfnskeys-exported-key",
//	  "version": 1,
//	  "keyId": "key-…",          (optional: the Dfns key ID)
//	  "curve": "ed25519",        (secp256k1, stark or ed25519)
//	  "kind": "scalar",          (the only kind: a big-endian scalar)
//	  "publicKey": "…",          (hex, as Dfns reports it)
//	  "privateKey": "…"          (64 lowercase hex digits)
//	}
//
// Reading one checks the public key against the private key.
const (
	documentType    = "dfnskeys-exported-key"
	documentVersion = 1
	kindScalar      = "scalar"
	maxDocumentSize = 4 << 10
	maxKeyIDLength  = 200
)

// exportDocument is the document's layout. privateKey is raw JSON so that
// the secret lands in a buffer this package owns and clears, not in a
// string.
type exportDocument struct {
	Type       string          `json:"type"`
	Version    int             `json:"version"`
	KeyID      string          `json:"keyId,omitempty"`
	Curve      keys.Curve      `json:"curve"`
	Kind       string          `json:"kind"`
	PublicKey  string          `json:"publicKey"`
	PrivateKey json.RawMessage `json:"privateKey"`
}

// keystoreSection is what encryptKeystore adds to a V3 keystore under
// "dfnskeys" when it knows the key's Dfns ID. Other keystore readers ignore
// it; parseKeystore checks it.
type keystoreSection struct {
	KeyID     string     `json:"keyId"`
	Curve     keys.Curve `json:"curve"`
	Kind      string     `json:"kind"`
	PublicKey string     `json:"publicKey"`
}

// encodeJSON writes k as an export document (see [JSON]) recording keyID,
// the key's Dfns ID ("" when unknown). The result holds the secret in the
// clear: the caller should clear it after use.
func encodeJSON(k *keys.PrivateKey, keyID string) ([]byte, error) {
	if k == nil {
		return nil, errorf(JSON, "nil key")
	}
	if err := checkKeyID(JSON, keyID); err != nil {
		return nil, err
	}
	raw := k.Bytes()
	defer clear(raw)
	secret := make([]byte, 0, 2+2*len(raw))
	secret = append(secret, '"')
	secret = hex.AppendEncode(secret, raw)
	secret = append(secret, '"')
	defer clear(secret)
	doc := exportDocument{Type: documentType, Version: documentVersion, KeyID: keyID, Curve: k.Curve(),
		Kind: kindScalar, PublicKey: k.PublicKeyHex(), PrivateKey: secret}
	// MarshalIndent copies the secret through buffers it drops; encode
	// compactly into one buffer and indent by hand instead.
	var out bytes.Buffer
	out.Grow(512)
	out.WriteString("{\n")
	field := func(name string, v any, last bool) {
		b, _ := json.Marshal(v) // strings and ints: cannot fail
		out.WriteString(`  "` + name + `": `)
		out.Write(b)
		if !last {
			out.WriteByte(',')
		}
		out.WriteByte('\n')
	}
	field("type", doc.Type, false)
	field("version", doc.Version, false)
	if keyID != "" {
		field("keyId", doc.KeyID, false)
	}
	field("curve", doc.Curve, false)
	field("kind", doc.Kind, false)
	field("publicKey", doc.PublicKey, false)
	out.WriteString(`  "privateKey": `)
	out.Write(secret)
	out.WriteString("\n}\n")
	return out.Bytes(), nil
}

// parseJSON reads an export document (see [JSON]). c is the curve the
// caller expects, or "" to take the document's. The private key must be 64
// hex digits, and the document's public key must be the private key's.
// The caller keeps ownership of data.
func parseJSON(c keys.Curve, data []byte) (*keys.PrivateKey, error) {
	k, _, err := parseDocument(c, data)
	return k, err
}

func parseDocument(c keys.Curve, data []byte) (*keys.PrivateKey, string, error) {
	if len(data) > maxDocumentSize {
		return nil, "", errorf(JSON, "file is %d bytes, more than the %d an export document can be", len(data), maxDocumentSize)
	}
	var doc exportDocument
	defer func() { clear(doc.PrivateKey) }()
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, utf8BOM)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, "", errorf(JSON, "not an export document written by dfnskeys: %s", jsonProblem(err))
	}
	if dec.More() {
		return nil, "", errorf(JSON, "more than one JSON value in the file")
	}
	switch {
	case doc.Type != documentType:
		return nil, "", errorf(JSON, "type is %q, want %q", doc.Type, documentType)
	case doc.Version != documentVersion:
		return nil, "", errorf(JSON, "version is %d; only version %d is supported", doc.Version, documentVersion)
	case doc.Kind != kindScalar:
		return nil, "", errorf(JSON, "kind is %q; only %q is supported", doc.Kind, kindScalar)
	}
	if err := checkKeyID(JSON, doc.KeyID); err != nil {
		return nil, "", err
	}
	docCurve, err := keys.ParseCurve(string(doc.Curve))
	if err != nil {
		return nil, "", errorf(JSON, "unsupported curve %q: the curves are secp256k1, stark and ed25519", doc.Curve)
	}
	if c != "" && c != docCurve {
		return nil, "", errorf(JSON, "the document holds a %s key, not %s", docCurve, c)
	}
	wantPub, err := hex.DecodeString(doc.PublicKey)
	if err != nil || len(doc.PublicKey) == 0 {
		return nil, "", errorf(JSON, "publicKey is not hex")
	}
	secret := doc.PrivateKey
	if len(secret) != 66 || secret[0] != '"' || secret[65] != '"' {
		return nil, "", errorf(JSON, "privateKey must be a string of 64 hex digits")
	}
	var b [32]byte
	defer clear(b[:])
	for i := range b {
		hi, ok1 := hexNibble(secret[1+2*i])
		lo, ok2 := hexNibble(secret[2+2*i])
		if ok1&ok2 == 0 {
			return nil, "", errorf(JSON, "privateKey: character %d is not a hex digit", 2*i+1+ok1)
		}
		b[i] = hi<<4 | lo
	}
	var k *keys.PrivateKey
	if docCurve == keys.Ed25519 {
		k, err = keys.NewEd25519PrivateKeyFromScalar(b[:])
	} else {
		k, err = keys.NewPrivateKey(docCurve, b[:])
	}
	if err != nil {
		return nil, "", wrap(JSON, err)
	}
	if !bytes.Equal(k.PublicKey(), wantPub) {
		k.Destroy()
		return nil, "", errorf(JSON, "publicKey %s is not the private key's public key %s: the file was altered or damaged", doc.PublicKey, k.PublicKeyHex())
	}
	return k, doc.KeyID, nil
}

// jsonProblem describes a decoding error without quoting the input, which
// may hold key material.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return "invalid JSON near offset " + strconv.FormatInt(syn.Offset, 10)
	case errors.As(err, &typ) && typ.Field == "":
		return "it is not a JSON object"
	case errors.As(err, &typ):
		return "field " + typ.Field + " has the wrong type"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the file is empty or ends early"
	}
	// Unknown fields: encoding/json names the field, never a value.
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return "unknown field " + f
	}
	return "invalid JSON"
}

func checkKeyID(f Format, id string) error {
	if len(id) > maxKeyIDLength || !utf8.ValidString(id) {
		return errorf(f, "keyId is not a Dfns key ID")
	}
	for _, r := range id {
		if r < 0x20 || r == 0x7f {
			return errorf(f, "keyId is not a Dfns key ID")
		}
	}
	return nil
}

// RecordedKeyID returns the Dfns key ID that a file written by dfnskeys
// records — an export document (see [JSON]) or a keystore written by
// [Encode] with a key ID — without decrypting or checking the key.
// It returns "" when data is neither or records no ID.
func RecordedKeyID(data []byte) string {
	if len(data) > maxKeystoreSize {
		return ""
	}
	var probe struct {
		Type     string           `json:"type"`
		KeyID    string           `json:"keyId"`
		Dfnskeys *keystoreSection `json:"dfnskeys"`
	}
	if json.Unmarshal(data, &probe) != nil {
		return ""
	}
	id := ""
	switch {
	case probe.Type == documentType:
		id = probe.KeyID
	case probe.Dfnskeys != nil:
		id = probe.Dfnskeys.KeyID
	}
	if checkKeyID(JSON, id) != nil {
		return ""
	}
	return id
}
