// Package safetext is the one output path for text that dfnskeys did not
// write itself: IDs, names, cluster IDs, public keys, messages and error
// texts from the API, and field names from input files. Such text is
// hostile (see docs/threat-model.md §3): printed raw, a newline forges
// output lines, an escape sequence hides or rewrites them, a bidi control
// reorders them, and a megabyte floods the terminal.
//
// The rule:
//
//   - [Text] (or [TextN] with another bound) each piece of untrusted
//     text where it is put into a message, a table cell or an output line.
//     The result is one line of visible characters that says exactly
//     what the text held: the escaping is reversible (a backslash is
//     doubled), so two different texts never print the same, and it is
//     bounded, with a marker that says how much was cut.
//   - [Line] a whole message that dfnskeys assembled, just before it is
//     printed (the CLI does this for every error): it escapes what an
//     unescaped piece may still hold, newlines included, and bounds the
//     message, but leaves backslashes alone, so pieces already escaped
//     are not escaped twice.
//   - [JSON] JSON text before it is printed: invisible and control
//     characters inside strings become \u escapes, which decode to the
//     same strings.
//   - [Shorten] cuts escaped text to a width (a table cell) with an
//     ellipsis, never splitting an escape.
//   - [Clean] tells whether a text prints as itself; a listing that is
//     saved to be trusted later (signers --save) is refused unless every
//     ID in it is clean, so that what was saved is what was shown.
package safetext

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxLen is the bound of [Text]: at most this many characters of
// escaped text are kept (a Dfns ID, a 100-character key name, a public
// key and an API error message all fit).
const MaxLen = 256

// MaxLineLen is the bound of [Line]: a whole message.
const MaxLineLen = 4096

// Text returns s as one line of visible text, escaped so that it cannot
// be mistaken for other text, and cut to [MaxLen] characters. See
// [TextN].
func Text(s string) string { return TextN(s, MaxLen) }

// TextN returns s with every character that is not visible text
// replaced by a Go-style escape, and cut after max characters (runes) of
// the escaped text:
//
//   - a backslash becomes \\;
//   - newline, carriage return and tab become \n, \r, \t; other C0
//     controls and DEL become \xNN;
//   - C1 controls, bidi controls and every other invisible or format
//     character (Unicode categories Cc, Cf, Co, Cs, Zl, Zp, spaces other
//     than U+0020, unassigned code points, and fillers that render as
//     nothing) become \uXXXX or \UXXXXXXXX;
//   - a byte that is not UTF-8 becomes \xNN.
//
// The escaping is reversible: Go's string literal syntax reads it back.
// When text is cut, `\…[N more bytes]` follows, N counting the bytes of s
// left out; escaped text never has a backslash before "…", so the marker
// cannot be forged. max below 1 means 1.
func TextN(s string, max int) string {
	return escape(s, max, true)
}

// Line returns a message assembled by dfnskeys, which may embed
// untrusted text, as one line of at most [MaxLineLen] characters: like
// [TextN], but a backslash is kept as it is, so that pieces already
// escaped with [Text] are not escaped twice.
func Line(s string) string { return escape(s, MaxLineLen, false) }

// Clean reports whether s prints as itself through [Text]: it holds
// only visible characters and no backslash, and is not cut.
func Clean(s string) bool {
	return utf8.RuneCountInString(s) <= MaxLen && clean(s, true)
}

func clean(s string, escapeBackslash bool) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || !visible(r) || (escapeBackslash && r == '\\') {
			return false
		}
		i += size
	}
	return true
}

func escape(s string, max int, escapeBackslash bool) string {
	max = maxInt(max, 1)
	if utf8.RuneCountInString(s) <= max && clean(s, escapeBackslash) {
		return s
	}
	var b strings.Builder
	n := 0 // runes written
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		var piece string
		switch {
		case r == utf8.RuneError && size == 1:
			piece = fmt.Sprintf(`\x%02x`, s[i])
		case r == '\\':
			piece = `\`
			if escapeBackslash {
				piece = `\\`
			}
		case r == '\n':
			piece = `\n`
		case r == '\r':
			piece = `\r`
		case r == '\t':
			piece = `\t`
		case r < 0x20 || r == 0x7f:
			piece = fmt.Sprintf(`\x%02x`, r)
		case !visible(r) && r > 0xffff:
			piece = fmt.Sprintf(`\U%08x`, r)
		case !visible(r):
			piece = fmt.Sprintf(`\u%04x`, r)
		default:
			piece = s[i : i+size]
		}
		k := utf8.RuneCountInString(piece)
		if n+k > max {
			fmt.Fprintf(&b, `\…[%d more bytes]`, len(s)-i)
			return b.String()
		}
		n += k
		b.WriteString(piece)
		i += size
	}
	return b.String()
}

// Shorten returns escaped, text escaped by [Text], cut to at most width
// runes with an ellipsis (…) at the end, never in the middle of an escape
// (\\, \n, \x1b, \u202e, \U0001f600, \…[N more bytes]): half an escape
// would read as other text, and a cut after a lone backslash would look
// like the cut marker of [TextN]. Text that fits, or a width below 2, is
// returned as it is.
func Shorten(escaped string, width int) string {
	r := []rune(escaped)
	if len(r) <= width || width < 2 {
		return escaped
	}
	n := width - 1 // room left for the ellipsis
	for i := 0; i < n; i++ {
		if r[i] != '\\' {
			continue
		}
		l := 2
		if i+1 < len(r) {
			switch r[i+1] {
			case 'x':
				l = 4
			case 'u':
				l = 6
			case 'U':
				l = 10
			case '…':
				l = len(r) - i // the marker runs to the end
			}
		}
		if i+l > n {
			n = i
			break
		}
		i += l - 1
	}
	return string(r[:n]) + "…"
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// visible reports whether r is shown as itself: printable ASCII, or a
// graphic character (letter, mark, number, punctuation, symbol) that
// renders as something.
func visible(r rune) bool {
	if r >= 0x20 && r < 0x7f {
		return true
	}
	if r < 0xa0 || !unicode.IsPrint(r) { // C0, DEL, C1; Cf, Co, Cs, Z*, unassigned
		return false
	}
	switch r {
	case 0x115f, 0x1160, 0x3164, 0xffa0, // Hangul fillers: letters that render as nothing
		0x034f,         // combining grapheme joiner
		0x17b4, 0x17b5, // Khmer inherent vowels (invisible)
		0x180b, 0x180c, 0x180d, 0x180f, // Mongolian variation selectors
		0x2800: // braille blank
		return false
	}
	if (r >= 0xfe00 && r <= 0xfe0f) || (r >= 0xe0100 && r <= 0xe01ef) { // variation selectors
		return false
	}
	return true
}

// JSON returns JSON text with every character that [Text] would escape
// written as a \u escape (a UTF-16 pair above U+FFFF), so that printing
// it cannot drive the terminal or hide text, while it decodes to the same
// values. Such characters can only occur inside JSON strings, where \u
// escapes mean the same thing. Invalid UTF-8 becomes \ufffd, as
// encoding/json reads it anyway.
func JSON(b []byte) []byte {
	if !hasUnsafe(b) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			out = append(out, `\ufffd`...)
		case r == '\n' || r == '\t' || r == '\r':
			out = append(out, byte(r)) // JSON white space between tokens
		case !visible(r) && r > 0xffff:
			r1, r2 := utf16Pair(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
		case !visible(r):
			out = fmt.Appendf(out, `\u%04x`, r)
		default:
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}

// hasUnsafe reports whether b holds anything JSON would rewrite: a
// character that is not visible, other than JSON white space.
func hasUnsafe(b []byte) bool {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if (r == utf8.RuneError && size == 1) || (!visible(r) && r != '\n' && r != '\t' && r != '\r') {
			return true
		}
		i += size
	}
	return false
}

func utf16Pair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}

// JSONWriter returns a writer that passes JSON text to w through [JSON]:
// for JSON Lines written to a terminal, such as a report on standard
// output. A character split across writes is held back until it is
// complete.
func JSONWriter(w io.Writer) io.Writer { return &jsonWriter{w: w} }

type jsonWriter struct {
	w       io.Writer
	pending []byte
}

func (j *jsonWriter) Write(p []byte) (int, error) {
	buf := append(j.pending, p...)
	// Hold back an incomplete UTF-8 sequence at the end (at most 3 bytes).
	cut := len(buf)
	for i := len(buf) - 1; i >= 0 && i >= len(buf)-3; i-- {
		if utf8.RuneStart(buf[i]) {
			if !utf8.FullRune(buf[i:]) {
				cut = i
			}
			break
		}
	}
	j.pending = append([]byte(nil), buf[cut:]...)
	if _, err := j.w.Write(JSON(buf[:cut])); err != nil {
		return 0, err
	}
	return len(p), nil
}
