package main

import (
	"strings"
	"testing"
)

func TestShorten(t *testing.T) {
	for _, tc := range []struct {
		in     string
		width  int
		middle bool
		want   string
	}{
		{"short", 10, false, "short"},
		{"treasury cold wallet", 10, false, "treasury …"},
		{"024e3b81af9c2234cad09d679ce6035ed1392347ce64ce405f5dcd36228a25de6e", 11, true, "024e3…5de6e"},
		// An escape is never cut in two: the cut goes before it.
		{`treasury\x1b[2J`, 10, false, "treasury…"},
		{`key-\x1b[8m\n  forged-0123`, 18, false, `key-\x1b[8m\n  fo…`},
		{`key-\x1b[8m\n  forged-0123`, 13, false, `key-\x1b[8m…`},
		{`key-\x1b[8m\n  forged-0123`, 7, false, "key-…"},
		{`ab\\cdefghijkl`, 6, false, `ab\\c…`},
		{`ab\\cdefghijkl`, 4, false, "ab…"},
		{`name\u202e`, 8, false, "name…"},
		{`name\U0001f600x`, 14, false, "name…"},
		{`name\U0001f600xy`, 15, false, `name\U0001f600…`},
		{`name\…[12 more bytes]`, 12, false, "name…"},
	} {
		if got := shorten(tc.in, tc.width, tc.middle); got != tc.want {
			t.Errorf("shorten(%q, %d, %v) = %q, want %q", tc.in, tc.width, tc.middle, got, tc.want)
		}
	}
}

func TestPrintTableShrinksInOrder(t *testing.T) {
	rows := func() [][]string {
		return [][]string{{"ID", "NAME", "PUBLIC KEY"}, {"key-0123456789abcdef", "a long name here", "024e3b81af9c2234cad09d679ce6035ed1392347ce64ce405f5dcd36228a25de6e"}}
	}
	steps := []shrinkStep{{col: 2, width: 11, middle: true}, {col: 1, width: 8}, {col: 0, width: 10}}
	for _, tc := range []struct {
		width int
		want  string
	}{
		{200, "key-0123456789abcdef  a long name here  024e3b81af9c2234cad09d679ce6035ed1392347ce64ce405f5dcd36228a25de6e"},
		{60, "key-0123456789abcdef  a long name here  024e3…5de6e"},
		{45, "key-0123456789abcdef  a long …  024e3…5de6e"},
		{30, "key-01234…  a long …  024e3…5de6e"}, // all steps taken: the narrowest there is
	} {
		var b strings.Builder
		printTable(&b, rows(), tc.width, steps)
		lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
		if len(lines) != 2 || lines[1] != tc.want {
			t.Errorf("width %d:\n%s\nwant row %q", tc.width, b.String(), tc.want)
		}
	}
}
