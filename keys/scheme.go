package keys

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dfnskeys/dfnskeys/internal/sharding"
)

// Protocol is a Dfns threshold signing protocol, as named on the wire.
type Protocol string

// The protocols whose key share format is supported. CGGMP24 and CGGMP21
// share one share format; see docs/protocol.md, "Protocols and curves".
const (
	// CGGMP24 is the ECDSA protocol Dfns uses for every ECDSA key it
	// creates or imports today, and the default for secp256k1 and stark.
	CGGMP24 Protocol = "CGGMP24"
	// CGGMP21 is the earlier ECDSA protocol; still accepted by Dfns.
	CGGMP21 Protocol = "CGGMP21"
	// FROST is EdDSA on ed25519.
	FROST Protocol = "FROST"
	// FROSTBitcoin is BIP-340 Schnorr on secp256k1 (Taproot).
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

// supportedSchemes lists every pair, in the order of the protocol table of
// docs/protocol.md; export requests advertise them in this order.
var supportedSchemes = [...]Scheme{
	{CGGMP24, Secp256k1},
	{CGGMP21, Secp256k1},
	{FROSTBitcoin, Secp256k1},
	{CGGMP24, Stark},
	{CGGMP21, Stark},
	{FROST, Ed25519},
}

// SupportedSchemes returns every pair this package can import and export.
func SupportedSchemes() []Scheme { return slices.Clone(supportedSchemes[:]) }

// supportedList is "CGGMP24/secp256k1, …, FROST/ed25519", for messages.
var supportedList = func() string {
	names := make([]string, len(supportedSchemes))
	for i, s := range supportedSchemes {
		names[i] = s.String()
	}
	return strings.Join(names, ", ")
}()

// DefaultProtocol returns the protocol used for curve c when none is given:
// CGGMP24 for secp256k1 and stark (as Dfns's own client does since late
// 2025), FROST for ed25519.
func DefaultProtocol(c Curve) Protocol {
	if c == Ed25519 {
		return FROST
	}
	return CGGMP24
}

// ParseProtocol returns the protocol with the given wire name, or an error
// that lists the supported protocol/curve pairs. Names Dfns uses for other
// key share formats (GG18, BINANCE_EDDSA, GLOW20_DH, KU23) are refused.
func ParseProtocol(name string) (Protocol, error) {
	for _, s := range supportedSchemes {
		if string(s.Protocol) == name {
			return s.Protocol, nil
		}
	}
	return "", fmt.Errorf("unsupported protocol %q: supported protocol/curve pairs are %s", name, supportedList)
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
		return fmt.Errorf("unsupported curve %q: supported curves are secp256k1, stark and ed25519", s.Curve)
	}
	return fmt.Errorf("unsupported protocol/curve pair %s: supported pairs are %s", s, supportedList)
}

// ParseCurve returns the curve with the given wire name, in any case
// (Secp256k1 and ED25519 are secp256k1 and ed25519, as bulk field names
// are read in any case too).
func ParseCurve(name string) (Curve, error) {
	lower := strings.ToLower(name)
	if _, err := sharding.CurveByName(lower); err != nil {
		return "", fmt.Errorf("unsupported curve %q: supported curves are secp256k1, stark and ed25519", name)
	}
	return Curve(lower), nil
}

func (c Curve) math() sharding.Curve {
	sc, err := sharding.CurveByName(string(c))
	if err != nil {
		return nil
	}
	return sc
}
