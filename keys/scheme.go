package keys

import (
	"fmt"

	"github.com/dfnskeys/dfnskeys/sharding"
)

// Protocol is a Dfns threshold signing protocol, as named on the wire.
type Protocol string

// The protocols whose key share format is supported.
const (
	CGGMP21      Protocol = "CGGMP21"
	FROST        Protocol = "FROST"
	FROSTBitcoin Protocol = "FROST_BITCOIN"
)

// Curve is a curve name as used on the wire.
type Curve string

// The supported curves.
const (
	Secp256k1 Curve = "secp256k1"
	Stark     Curve = "stark"
	Ed25519   Curve = "ed25519"
)

// Scheme is a protocol/curve pair; it also serves as the supportedSchemes
// entry of an export request.
type Scheme struct {
	// Protocol is the threshold signing protocol.
	Protocol Protocol `json:"protocol"`
	// Curve is the key's curve.
	Curve Curve `json:"curve"`
}

// String returns "PROTOCOL/curve".
func (s Scheme) String() string { return string(s.Protocol) + "/" + string(s.Curve) }

// SupportedSchemes returns every pair this package can import and export.
func SupportedSchemes() []Scheme {
	return []Scheme{
		{CGGMP21, Secp256k1},
		{FROSTBitcoin, Secp256k1},
		{CGGMP21, Stark},
		{FROST, Ed25519},
	}
}

// DefaultProtocol returns the protocol used for curve c when none is given:
// CGGMP21 for secp256k1 and stark, FROST for ed25519.
func DefaultProtocol(c Curve) Protocol {
	if c == Ed25519 {
		return FROST
	}
	return CGGMP21
}

// Validate reports whether s is a supported pair, with an error that lists
// the supported pairs when not.
func (s Scheme) Validate() error {
	for _, x := range SupportedSchemes() {
		if x == s {
			return nil
		}
	}
	if _, err := sharding.CurveByName(string(s.Curve)); err != nil {
		return fmt.Errorf("keys: unsupported curve %q: supported curves are secp256k1, stark and ed25519", s.Curve)
	}
	return fmt.Errorf("keys: unsupported protocol/curve pair %s: supported pairs are CGGMP21/secp256k1, FROST_BITCOIN/secp256k1, CGGMP21/stark and FROST/ed25519", s)
}

// ParseCurve returns the curve with the given wire name.
func ParseCurve(name string) (Curve, error) {
	if _, err := sharding.CurveByName(name); err != nil {
		return "", fmt.Errorf("keys: unsupported curve %q: supported curves are secp256k1, stark and ed25519", name)
	}
	return Curve(name), nil
}

func (c Curve) math() sharding.Curve {
	sc, err := sharding.CurveByName(string(c))
	if err != nil {
		return nil
	}
	return sc
}
