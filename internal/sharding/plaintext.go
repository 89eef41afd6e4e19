package sharding

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
)

// PlaintextVersion is the only share plaintext version defined by docs/protocol.md §4.
const PlaintextVersion = 1

// ImportShare is the plaintext a signer receives in a key import.
type ImportShare struct {
	// SecretShare is f(i) for the receiving signer. Secret.
	SecretShare Scalar
	// PublicShares lists f(j)·G for every signer j = 1..n.
	PublicShares []Point
}

// ExportShare is the plaintext a signer returns in a key export.
type ExportShare struct {
	// Index is the share's evaluation point; any non-zero scalar.
	Index Scalar
	// SecretShare is f(Index). Secret.
	SecretShare Scalar
}

// Marshal returns the compact JSON of docs/protocol.md §4, byte-identical to what
// Dfns's reference client's public source writes (checked against known-answer
// vectors made by an independent implementation of that source, not by Dfns's
// client). The result holds a secret: clear it after use.
func (s *ImportShare) Marshal() []byte {
	return appendImportShare(nil, s.SecretShare, importSuffix(s.SecretShare.Curve(), s.PublicShares))
}

// ImportPlaintexts returns the import plaintext of every signer of a
// sharing, in signer order. The shared public_shares part is encoded once.
// Each result holds a secret: clear it after use.
func ImportPlaintexts(s *Sharing) [][]byte {
	if len(s.Shares) == 0 {
		return nil
	}
	suffix := importSuffix(s.Shares[0].Curve(), s.PublicShares)
	out := make([][]byte, len(s.Shares))
	for i, share := range s.Shares {
		out[i] = appendImportShare(make([]byte, 0, 64+len(suffix)+hexScalarLen), share, suffix)
	}
	return out
}

const hexScalarLen = 2 * ScalarSize

func appendImportShare(dst []byte, share Scalar, suffix []byte) []byte {
	dst = append(dst, `{"version":1,"secret_share":`...)
	dst = appendTaggedScalar(dst, share)
	return append(dst, suffix...)
}

// importSuffix encodes `,"public_shares":[…]}`.
func importSuffix(c Curve, public []Point) []byte {
	dst := append([]byte(nil), `,"public_shares":[`...)
	for i, p := range public {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"curve":"`...)
		dst = append(dst, c.Name()...)
		dst = append(dst, `","point":"`...)
		dst = hex.AppendEncode(dst, p.Bytes())
		dst = append(dst, `"}`...)
	}
	return append(dst, "]}"...)
}

func appendTaggedScalar(dst []byte, s Scalar) []byte {
	dst = append(dst, `{"curve":"`...)
	dst = append(dst, s.Curve().Name()...)
	dst = append(dst, `","scalar":"`...)
	b := s.Bytes()
	dst = hex.AppendEncode(dst, b)
	clear(b)
	return append(dst, `"}`...)
}

// Marshal returns the compact JSON of docs/protocol.md §4. The result holds a secret:
// clear it after use.
func (s *ExportShare) Marshal() []byte {
	dst := make([]byte, 0, 96+2*hexScalarLen)
	dst = append(dst, `{"version":1,"index":`...)
	dst = appendTaggedScalar(dst, s.Index)
	dst = append(dst, `,"secret_share":`...)
	dst = appendTaggedScalar(dst, s.SecretShare)
	return append(dst, '}')
}

// ParseImportShare parses an import plaintext for curve c, strictly: exact
// field names, no unknown or repeated fields, version 1, the curve tag c on
// every value, a canonical non-zero secret share, between 2 and [MaxShares]
// valid non-identity public shares. White space between tokens is accepted.
func ParseImportShare(c Curve, b []byte) (*ImportShare, error) {
	out := &ImportShare{}
	p := &parser{b: b, what: "import share"}
	seen := map[string]bool{}
	err := p.object(func(key string) error {
		switch key {
		case "version":
			return p.version()
		case "secret_share":
			s, err := p.taggedScalar(c, "secret_share")
			out.SecretShare = s
			return err
		case "public_shares":
			return p.array(func(i int) error {
				if i >= MaxShares {
					return p.errorf("public_shares has more than %d entries", MaxShares)
				}
				pt, err := p.taggedPoint(c, fmt.Sprintf("public_shares[%d]", i))
				out.PublicShares = append(out.PublicShares, pt)
				return err
			})
		default:
			return p.errorf("unknown field %q", key)
		}
	}, seen)
	if err == nil {
		err = p.end(seen, "version", "secret_share", "public_shares")
	}
	if err == nil && len(out.PublicShares) < 2 {
		err = p.errorf("public_shares has %d entries, need at least 2", len(out.PublicShares))
	}
	if err != nil {
		if out.SecretShare != nil {
			out.SecretShare.Zeroize()
		}
		return nil, err
	}
	return out, nil
}

// ParseExportShare parses an export plaintext for curve c, strictly, like
// [ParseImportShare]: version 1, the curve tag c, canonical non-zero index
// and secret share.
func ParseExportShare(c Curve, b []byte) (*ExportShare, error) {
	out := &ExportShare{}
	p := &parser{b: b, what: "export share"}
	seen := map[string]bool{}
	err := p.object(func(key string) error {
		var err error
		switch key {
		case "version":
			return p.version()
		case "index":
			out.Index, err = p.taggedScalar(c, "index")
		case "secret_share":
			out.SecretShare, err = p.taggedScalar(c, "secret_share")
		default:
			err = p.errorf("unknown field %q", key)
		}
		return err
	}, seen)
	if err == nil {
		err = p.end(seen, "version", "index", "secret_share")
	}
	if err != nil {
		if out.SecretShare != nil {
			out.SecretShare.Zeroize()
		}
		return nil, err
	}
	return out, nil
}

// parser is a minimal strict JSON reader for the two share plaintexts. It
// reads values in place, so secret hex never becomes an unclearable string,
// and its errors carry offsets and field names, never content.
type parser struct {
	b    []byte
	i    int
	what string
}

// ErrMalformedPlaintext is wrapped by every share plaintext parse error.
var ErrMalformedPlaintext = errors.New("malformed share plaintext")

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("%s: %w: %s", p.what, ErrMalformedPlaintext, fmt.Sprintf(format, args...))
}

func (p *parser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) expect(c byte) error {
	p.ws()
	if p.i >= len(p.b) {
		return p.errorf("unexpected end of input, want %q", c)
	}
	if p.b[p.i] != c {
		return p.errorf("unexpected character at offset %d, want %q", p.i, c)
	}
	p.i++
	return nil
}

func (p *parser) peekIs(c byte) bool {
	p.ws()
	return p.i < len(p.b) && p.b[p.i] == c
}

// str reads a string without escapes and returns the bytes between the
// quotes, aliasing the input.
func (p *parser) str() ([]byte, error) {
	if err := p.expect('"'); err != nil {
		return nil, err
	}
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return p.b[start : p.i-1], nil
		case c == '\\':
			return nil, p.errorf("escape sequence at offset %d: share plaintexts never need escapes", p.i)
		case c < 0x20:
			return nil, p.errorf("control character in string at offset %d", p.i)
		}
		p.i++
	}
	return nil, p.errorf("unterminated string")
}

// object reads `{ "key": value, … }`, calling field for each key with the
// parser positioned at the value. Keys must be unique.
func (p *parser) object(field func(key string) error, seen map[string]bool) error {
	if err := p.expect('{'); err != nil {
		return err
	}
	if p.peekIs('}') {
		p.i++
		return nil
	}
	for {
		k, err := p.str()
		if err != nil {
			return err
		}
		key := string(k)
		if seen[key] {
			return p.errorf("field %q appears twice", key)
		}
		seen[key] = true
		if err := p.expect(':'); err != nil {
			return err
		}
		if err := field(key); err != nil {
			return err
		}
		if p.peekIs(',') {
			p.i++
			continue
		}
		return p.expect('}')
	}
}

func (p *parser) array(elem func(i int) error) error {
	if err := p.expect('['); err != nil {
		return err
	}
	if p.peekIs(']') {
		p.i++
		return nil
	}
	for i := 0; ; i++ {
		if err := elem(i); err != nil {
			return err
		}
		if p.peekIs(',') {
			p.i++
			continue
		}
		return p.expect(']')
	}
}

// end checks that every required field was present and nothing follows.
func (p *parser) end(seen map[string]bool, required ...string) error {
	for _, r := range required {
		if !seen[r] {
			return p.errorf("missing field %q", r)
		}
	}
	p.ws()
	if p.i != len(p.b) {
		return p.errorf("unexpected data after the object at offset %d", p.i)
	}
	return nil
}

func (p *parser) version() error {
	p.ws()
	start := p.i
	for p.i < len(p.b) && (p.b[p.i] >= '0' && p.b[p.i] <= '9' || p.b[p.i] == '-' || p.b[p.i] == '.' || p.b[p.i] == 'e' || p.b[p.i] == 'E' || p.b[p.i] == '+') {
		p.i++
	}
	tok := string(p.b[start:p.i])
	if tok != strconv.Itoa(PlaintextVersion) {
		if len(tok) > 20 {
			tok = tok[:20] + "…"
		}
		return p.errorf("version is %q, only %d is supported", tok, PlaintextVersion)
	}
	return nil
}

// tagged reads {"curve": c, <valueKey>: "<hex>"} and returns the decoded hex.
func (p *parser) tagged(c Curve, field, valueKey string, size int) ([]byte, error) {
	var raw []byte
	seen := map[string]bool{}
	err := p.object(func(key string) error {
		switch key {
		case "curve":
			name, err := p.str()
			if err != nil {
				return err
			}
			if string(name) != c.Name() {
				shown := string(name)
				if len(shown) > 20 {
					shown = shown[:20] + "…"
				}
				return p.errorf("%s has curve %q, want %q", field, shown, c.Name())
			}
			return nil
		case valueKey:
			h, err := p.str()
			if err != nil {
				return err
			}
			if len(h) != 2*size {
				return p.errorf("%s.%s has %d hex digits, want %d", field, valueKey, len(h), 2*size)
			}
			raw = make([]byte, size)
			if _, err := hex.Decode(raw, h); err != nil {
				clear(raw)
				return p.errorf("%s.%s is not hex", field, valueKey)
			}
			return nil
		default:
			return p.errorf("%s has unknown field %q", field, key)
		}
	}, seen)
	if err == nil {
		for _, r := range []string{"curve", valueKey} {
			if !seen[r] {
				err = p.errorf("%s is missing field %q", field, r)
			}
		}
	}
	if err != nil {
		clear(raw)
		return nil, err
	}
	return raw, nil
}

func (p *parser) taggedScalar(c Curve, field string) (Scalar, error) {
	raw, err := p.tagged(c, field, "scalar", ScalarSize)
	if err != nil {
		return nil, err
	}
	defer clear(raw)
	s, err := c.ParseScalar(raw)
	if err != nil {
		return nil, p.errorf("%s: %v", field, err)
	}
	return s, nil
}

func (p *parser) taggedPoint(c Curve, field string) (Point, error) {
	size := 65
	if c == Ed25519 {
		size = 32
	}
	raw, err := p.tagged(c, field, "point", size)
	if err != nil {
		return nil, err
	}
	pt, err := c.ParsePoint(raw)
	if err != nil {
		return nil, p.errorf("%s: %v", field, err)
	}
	return pt, nil
}
