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
	case strings.HasPrefix(strings.TrimSpace(s), "{"), strings.HasPrefix(strings.TrimSpace(s), "["):
		return true // a keystore or a keypair's JSON, never a file name
	case len(strings.Fields(s)) >= 11: // a BIP-39 mnemonic has 12 or more words
		return true
	}
	t := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "0x"), "0X")
	if len(t) >= 32 && isAll(t, isHexDigit) {
		// Key material, except an Ethereum address (0x and 40 digits),
		// which is public and often given.
		return !(len(t) == 40 && len(strings.TrimSpace(s)) == 42)
	}
	if strings.HasPrefix(t, "eyJ") && len(t) >= 20 { // a JWT: base64url of {"…
		return true
	}
	if len(t) >= 100 && (strings.HasPrefix(t, "xprv") || strings.HasPrefix(t, "tprv") || strings.HasPrefix(t, "yprv") || strings.HasPrefix(t, "zprv")) {
		return true // a BIP-32 extended private key
	}
	// Base64, base64url, base58 (WIF, Solana, xprv) and opaque tokens:
	// long (40 characters or more: a 32-byte key is 43 or 44 in base64,
	// 51 or 52 as WIF; shorter random strings are not told from names),
	// only characters of those alphabets (no ".", "~", ":" or
	// space, which paths have), and random: digits and both letter cases,
	// changing between them as often as random text does, which names of
	// files and directories (words, CamelCase, dates, serial numbers) do
	// not. A value with a "/" that starts like a path ("/", "./", "../")
	// is a path: base64 has "/" too, but rarely first.
	if len(t) >= 40 && isAll(t, isTokenChar) {
		if !strings.Contains(t, "/") {
			return random(t, 40)
		}
		if strings.HasPrefix(t, "/") || strings.HasPrefix(t, "./") || strings.HasPrefix(t, "../") {
			return false
		}
		return random(strings.ReplaceAll(t, "/", ""), 45)
	}
	return false
}

// random reports whether s, of base64/base58 characters, looks random: it
// has digits, upper and lower case letters, and the class of character
// (digit, upper, lower, other) changes at pct% or more of its positions
// (random base64 changes at about 64%, base58 at 62%; CamelCase words
// and numbers at 10 to 30%).
func random(s string, pct int) bool {
	class := func(c byte) int {
		switch {
		case c >= '0' && c <= '9':
			return 0
		case c >= 'A' && c <= 'Z':
			return 1
		case c >= 'a' && c <= 'z':
			return 2
		}
		return 3
	}
	var seen [4]bool
	changes := 0
	for i := 0; i < len(s); i++ {
		seen[class(s[i])] = true
		if i > 0 && class(s[i]) != class(s[i-1]) {
			changes++
		}
	}
	if !seen[0] || !seen[1] || !seen[2] || changes*100 < (len(s)-1)*pct {
		return false
	}
	// Words: most lower-case letters of a name are in runs of three or
	// more (Backup2024Q3Run17Part4Final: 12 of 14); of random text, about
	// a third.
	lower, inWords, run := 0, 0, 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && class(s[i]) == 2 {
			lower++
			run++
			continue
		}
		if run >= 3 {
			inWords += run
		}
		run = 0
	}
	return inWords*10 <= lower*8
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
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || strings.ContainsRune("+/=_-", c)
}
