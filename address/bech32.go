package address

import (
	"errors"
	"fmt"
	"strings"
)

// This file implements bech32 (BIP-173) and bech32m (BIP-350) and the
// segwit address format built on them, following the reference code of
// those BIPs.

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

// bech32Variant is the constant a valid checksum's polymod equals.
type bech32Variant uint32

const (
	bech32  bech32Variant = 1          // BIP-173, for witness version 0
	bech32m bech32Variant = 0x2bc830a3 // BIP-350, for witness versions 1 to 16
)

func bech32Polymod(values []byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, v := range values {
		b := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := range 5 {
			if (b>>i)&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	return chk
}

func bech32HRPExpand(hrp string) []byte {
	out := make([]byte, 0, 2*len(hrp)+1)
	for i := range len(hrp) {
		out = append(out, hrp[i]>>5)
	}
	out = append(out, 0)
	for i := range len(hrp) {
		out = append(out, hrp[i]&31)
	}
	return out
}

// bech32Encode encodes hrp (lowercase) and 5-bit data with the checksum of
// variant v.
func bech32Encode(hrp string, data []byte, v bech32Variant) string {
	values := append(bech32HRPExpand(hrp), data...)
	values = append(values, 0, 0, 0, 0, 0, 0)
	mod := bech32Polymod(values) ^ uint32(v)
	var b strings.Builder
	b.WriteString(hrp)
	b.WriteByte('1')
	for _, d := range data {
		b.WriteByte(bech32Charset[d])
	}
	for i := range 6 {
		b.WriteByte(bech32Charset[(mod>>(5*(5-i)))&31])
	}
	return b.String()
}

// bech32Decode splits s into its lowercase human-readable part and 5-bit
// data (checksum removed) and tells which checksum variant it carries.
func bech32Decode(s string) (hrp string, data []byte, v bech32Variant, err error) {
	if len(s) > 90 {
		return "", nil, 0, fmt.Errorf("bech32 string is %d characters, at most 90 allowed", len(s))
	}
	lower, upper := false, false
	for i := range len(s) {
		c := s[i]
		if c < 33 || c > 126 {
			return "", nil, 0, fmt.Errorf("bech32 string has a character out of range at offset %d", i)
		}
		lower = lower || ('a' <= c && c <= 'z')
		upper = upper || ('A' <= c && c <= 'Z')
	}
	if lower && upper {
		return "", nil, 0, errors.New("bech32 string mixes upper and lower case")
	}
	s = strings.ToLower(s)
	pos := strings.LastIndexByte(s, '1')
	if pos < 1 {
		return "", nil, 0, errors.New("bech32 string has no separator or an empty human-readable part")
	}
	if pos+7 > len(s) {
		return "", nil, 0, errors.New("bech32 checksum is too short")
	}
	hrp = s[:pos]
	data = make([]byte, 0, len(s)-pos-1)
	for i := pos + 1; i < len(s); i++ {
		d := strings.IndexByte(bech32Charset, s[i])
		if d < 0 {
			return "", nil, 0, fmt.Errorf("bech32 string has an invalid data character at offset %d", i)
		}
		data = append(data, byte(d))
	}
	switch c := bech32Variant(bech32Polymod(append(bech32HRPExpand(hrp), data...))); c {
	case bech32, bech32m:
		v = c
	default:
		return "", nil, 0, errors.New("bech32 checksum mismatch")
	}
	return hrp, data[:len(data)-6], v, nil
}

// convertBits regroups data from groups of from bits into groups of to
// bits, as BIP-173's convertbits does.
func convertBits(data []byte, from, to uint, pad bool) ([]byte, error) {
	var acc uint32
	var bits uint
	maxv := uint32(1)<<to - 1
	out := make([]byte, 0, len(data)*int(from)/int(to)+1)
	for _, d := range data {
		if uint32(d)>>from != 0 {
			return nil, errors.New("value out of range")
		}
		acc = acc<<from | uint32(d)
		bits += from
		for bits >= to {
			bits -= to
			out = append(out, byte(acc>>bits&maxv))
		}
	}
	if pad {
		if bits > 0 {
			out = append(out, byte(acc<<(to-bits)&maxv))
		}
	} else if bits >= from || acc<<(to-bits)&maxv != 0 {
		return nil, errors.New("invalid padding")
	}
	return out, nil
}

// segwitEncode returns the address of a witness program: bech32 for
// version 0, bech32m for versions 1 to 16.
func segwitEncode(hrp string, version byte, program []byte) (string, error) {
	if err := checkWitness(version, program); err != nil {
		return "", err
	}
	data, err := convertBits(program, 8, 5, true)
	if err != nil {
		return "", err
	}
	v := bech32m
	if version == 0 {
		v = bech32
	}
	return bech32Encode(hrp, append([]byte{version}, data...), v), nil
}

// segwitDecode parses a segwit address for the network whose
// human-readable part is hrp.
func segwitDecode(hrp, addr string) (version byte, program []byte, err error) {
	got, data, v, err := bech32Decode(addr)
	if err != nil {
		return 0, nil, err
	}
	if got != hrp {
		return 0, nil, fmt.Errorf("human-readable part is %q, want %q", got, hrp)
	}
	if len(data) < 1 {
		return 0, nil, errors.New("empty data section")
	}
	version = data[0]
	if version > 16 {
		return 0, nil, fmt.Errorf("invalid witness version %d", version)
	}
	program, err = convertBits(data[1:], 5, 8, false)
	if err != nil {
		return 0, nil, fmt.Errorf("witness program: %w", err)
	}
	if err := checkWitness(version, program); err != nil {
		return 0, nil, err
	}
	if (version == 0) != (v == bech32) {
		return 0, nil, fmt.Errorf("witness version %d with the wrong checksum variant", version)
	}
	return version, program, nil
}

func checkWitness(version byte, program []byte) error {
	switch {
	case version > 16:
		return fmt.Errorf("invalid witness version %d", version)
	case len(program) < 2 || len(program) > 40:
		return fmt.Errorf("witness program is %d bytes, want 2 to 40", len(program))
	case version == 0 && len(program) != 20 && len(program) != 32:
		return fmt.Errorf("version 0 witness program is %d bytes, want 20 or 32", len(program))
	}
	return nil
}
