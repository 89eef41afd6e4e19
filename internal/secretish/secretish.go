// Package secretish holds the one rule for telling a secret given in place
// of a name: a value that should name a file (a flag, an environment
// variable, an input file's keyFile) or be a key ID, but looks like key
// material, a PEM block, a token or a mnemonic. Such a value is never
// printed, never used as a file name and never opened (see
// docs/threat-model.md §5). A false positive costs only a message asking
// for a clearer name.
package secretish

import "strings"

// Looks reports whether a command-line value or variable that should
// name a file (or be a flag value) may instead be a secret pasted in its
// place: key material, a PEM block, a token, a mnemonic, or a long hex or
// base64/base58 string. Such values are never printed. A false positive
// costs only a less specific message.
func Looks(s string) bool {
	switch {
	case strings.Contains(s, "-----BEGIN"), strings.Contains(s, "PRIVATE KEY"):
		return true
	case strings.ContainsAny(s, "\n\r"):
		return true
	case len(strings.Fields(s)) >= 11: // a BIP-39 mnemonic has 12 or more words
		return true
	}
	t := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "0x"), "0X")
	if len(t) >= 32 && isAll(t, isHexDigit) {
		return true
	}
	if strings.HasPrefix(t, "eyJ") && len(t) >= 20 { // a JWT: base64url of {"…
		return true
	}
	// Base64, base64url, base58 (WIF, Solana) and opaque tokens: long, no
	// path-like punctuation besides the base64 alphabet, and mixing
	// digits with both letter cases, as random strings do and file
	// names rarely do.
	if len(t) >= 24 && isAll(t, isTokenChar) {
		var digit, upper, lower bool
		for _, c := range t {
			digit = digit || (c >= '0' && c <= '9')
			upper = upper || (c >= 'A' && c <= 'Z')
			lower = lower || (c >= 'a' && c <= 'z')
		}
		return digit && upper && lower
	}
	return false
}

func isAll(s string, ok func(rune) bool) bool {
	for _, c := range s {
		if !ok(c) {
			return false
		}
	}
	return true
}

func isHexDigit(c rune) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func isTokenChar(c rune) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || strings.ContainsRune("+/=_-.~", c)
}
