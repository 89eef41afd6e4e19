package safetext

import "testing"

func TestEscape(t *testing.T) {
	for name, c := range map[string]struct {
		in, want string
		keep     bool
	}{
		"plain":             {"key not found: key-123 (ünïcode ok)", "key not found: key-123 (ünïcode ok)", false},
		"escape sequence":   {"bad \x1b[31mred\x1b[0m", `bad \x1b[31mred\x1b[0m`, false},
		"newline escaped":   {"a\nb\tc\rd", `a\nb\tc\rd`, false},
		"newline kept":      {"a\nb\tc\rd", "a\nb\tc\\rd", true},
		"del and c1":        {"x\x7fy\u009bz", `x\x7fy\x9bz`, false},
		"bidi override":     {"abc\u202egpj.exe", `abc\u202egpj.exe`, false},
		"bidi isolate":      {"\u2066x\u2069", `\u2066x\u2069`, false},
		"invalid utf-8":     {"a\xffb", `a\xffb`, false},
		"backslash as is":   {`a\b`, `a\b`, false},
		"empty":             {"", "", false},
		"zero width joiner": {"a\u200db", "a\u200db", false},
	} {
		if got := Escape(c.in, c.keep); got != c.want {
			t.Errorf("%s: Escape(%q) = %q, want %q", name, c.in, got, c.want)
		}
	}
}

func FuzzEscape(f *testing.F) {
	f.Add("\x1b]0;title\x07", false)
	f.Add("ok", true)
	f.Fuzz(func(t *testing.T, s string, keep bool) {
		out := Escape(s, keep)
		if !clean(out, keep) {
			t.Fatalf("Escape(%q) = %q still holds control characters", s, out)
		}
	})
}
