package safetext

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscape(t *testing.T) {
	for name, c := range map[string]struct{ in, want string }{
		"plain":             {"key not found: key-123 (ünïcode ok)", "key not found: key-123 (ünïcode ok)"},
		"escape sequence":   {"bad \x1b[31mred\x1b[0m", `bad \x1b[31mred\x1b[0m`},
		"hidden text":       {"cl-1\x1b[8m  1  fake", `cl-1\x1b[8m  1  fake`},
		"newlines":          {"a\nb\tc\rd", `a\nb\tc\rd`},
		"del":               {"x\x7fy", `x\x7fy`},
		"c1 is a rune":      {"x\u009bz", `x\u009bz`},
		"invalid byte":      {"x\x9bz", `x\x9bz`},
		"bidi override":     {"abc\u202egpj.exe", `abc\u202egpj.exe`},
		"bidi isolate":      {"\u2066x\u2069", `\u2066x\u2069`},
		"arabic mark":       {"a\u061cb", `a\u061cb`},
		"zero width joiner": {"a\u200db", `a\u200db`},
		"zero width space":  {"a\u200bb", `a\u200bb`},
		"soft hyphen":       {"a\u00adb", `a\u00adb`},
		"bom":               {"\ufeffkey", `\ufeffkey`},
		"line separator":    {"a\u2028b\u2029c", `a\u2028b\u2029c`},
		"nbsp":              {"a\u00a0b", `a\u00a0b`},
		"ideographic space": {"a\u3000b", `a\u3000b`},
		"hangul filler":     {"a\u3164b", `a\u3164b`},
		"private use":       {"a\ue000b", `a\ue000b`},
		"tag character":     {"a\U000e0041b", `a\U000e0041b`},
		"variation sel":     {"a\ufe0fb", `a\ufe0fb`},
		"backslash doubled": {`a\x1b`, `a\\x1b`},
		"empty":             {"", ""},
		"cjk kept":          {"鍵の名前", "鍵の名前"},
		"emoji kept":        {"🔑", "🔑"},
	} {
		if got := Text(c.in); got != c.want {
			t.Errorf("%s: Text(%q) = %q, want %q", name, c.in, got, c.want)
		}
		if got := Clean(c.in); got != (c.in == c.want) {
			t.Errorf("%s: Clean(%q) = %v", name, c.in, got)
		}
	}
}

// Two texts that differ print differently: the lookalike of an escape is
// not the escape.
func TestEscapeUnambiguous(t *testing.T) {
	for _, pair := range [][2]string{
		{"a\x1bb", `a\x1bb`},
		{"a\nb", `a\nb`},
		{"\u009b", "\x9b"},
		{"\u009b", `\u009b`},
		{strings.Repeat("a", MaxLen) + "b", strings.Repeat("a", MaxLen) + `\…[1 more bytes]`},
	} {
		if Text(pair[0]) == Text(pair[1]) {
			t.Errorf("Text(%q) = Text(%q) = %q", pair[0], pair[1], Text(pair[0]))
		}
	}
}

func TestEscapeBound(t *testing.T) {
	long := strings.Repeat("x", 10000)
	got := Text(long)
	want := strings.Repeat("x", MaxLen) + `\…[9744 more bytes]`
	if got != want {
		t.Errorf("Text(10000 x) = %q, want %q", got, want)
	}
	// Escapes count as what they print; a cut never splits one.
	got = TextN(strings.Repeat("\x1b", 10), 10)
	if want := `\x1b\x1b\…[8 more bytes]`; got != want {
		t.Errorf("TextN(10 ESC, 10) = %q, want %q", got, want)
	}
	if s := strings.Repeat("é", MaxLen); Text(s) != s || !Clean(s) {
		t.Errorf("a text of MaxLen characters is cut")
	}
	if s := strings.Repeat("é", MaxLen+1); Clean(s) {
		t.Errorf("Clean accepts a text longer than MaxLen")
	}
	if got := Line(strings.Repeat("y", MaxLineLen+5)); got != strings.Repeat("y", MaxLineLen)+`\…[5 more bytes]` {
		t.Errorf("Line is not bounded: %d bytes", len(got))
	}
}

func TestLine(t *testing.T) {
	in := "GET /keys: 404: key \\x1b not found\n  1  fake line\x1b[8m"
	want := `GET /keys: 404: key \x1b not found\n  1  fake line\x1b[8m`
	if got := Line(in); got != want {
		t.Errorf("Line(%q) = %q, want %q", in, got, want)
	}
}

func TestJSON(t *testing.T) {
	v := map[string]string{"clusterId": "cl-1\n\x1b[8m\u202e\u0085\x7f\U000e0041 ok é"}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out := JSON(b)
	if strings.ContainsAny(string(out), "\x1b\u202e\u0085\x7f\U000e0041") {
		t.Errorf("JSON left an invisible character: %q", out)
	}
	var back map[string]string
	if err := json.Unmarshal(out, &back); err != nil || back["clusterId"] != v["clusterId"] {
		t.Errorf("JSON changed the value: %q (%v)", back["clusterId"], err)
	}
	if !strings.Contains(string(out), "\n") || !strings.Contains(string(out), "é") {
		t.Errorf("JSON changed indentation or visible text: %q", out)
	}
	clean := []byte(`{"a": "b"}`)
	if got := JSON(clean); string(got) != string(clean) {
		t.Errorf("JSON(%q) = %q", clean, got)
	}
}

// unescape reads Escape's output back with Go's string literal syntax.
func unescape(s string) (string, error) {
	return strconv.Unquote(`"` + strings.ReplaceAll(s, `"`, `\"`) + `"`)
}

func FuzzText(f *testing.F) {
	for _, s := range []string{"\x1b]0;title\x07", "ok", "a\\nb", "\u009b\x9b", "\u202e\u2066", "\U000e0041", strings.Repeat("é", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Text(s)
		if strings.ContainsRune(out, '\n') || !utf8.ValidString(out) {
			t.Fatalf("Text(%q) = %q is not one valid line", s, out)
		}
		for _, r := range out {
			if !visible(r) {
				t.Fatalf("Text(%q) = %q holds %U", s, out, r)
			}
		}
		if n := utf8.RuneCountInString(out); n > MaxLen+len(`\…[ more bytes]`)+20 {
			t.Fatalf("Text(%q) is %d characters long", s, n)
		}
		if strings.Contains(out, `\…[`) {
			return // cut: not reversible
		}
		back, err := unescape(out)
		if err != nil || back != s {
			t.Fatalf("Text(%q) = %q reads back as %q (%v)", s, out, back, err)
		}
		if Clean(s) != (out == s) {
			t.Fatalf("Clean(%q) = %v but Escape gives %q", s, Clean(s), out)
		}
		line := Line(s)
		for _, r := range line {
			if !visible(r) {
				t.Fatalf("Line(%q) = %q holds %U", s, line, r)
			}
		}
	})
}

func FuzzJSON(f *testing.F) {
	f.Add("cl-1\n\x1b[8m", "\u202e")
	f.Fuzz(func(t *testing.T, a, b string) {
		in, err := json.Marshal(map[string]any{"a": a, "b": []string{b}})
		if err != nil {
			t.Skip()
		}
		out := JSON(in)
		for _, r := range string(out) {
			if !visible(r) && r != '\n' && r != '\t' && r != '\r' {
				t.Fatalf("JSON(%q) = %q holds %U", in, out, r)
			}
		}
		var x, y any
		if json.Unmarshal(in, &x) != nil || json.Unmarshal(out, &y) != nil {
			t.Fatalf("JSON(%q) = %q does not parse", in, out)
		}
		bx, _ := json.Marshal(x)
		by, _ := json.Marshal(y)
		if string(bx) != string(by) {
			t.Fatalf("JSON(%q) = %q decodes to another value", in, out)
		}
	})
}

func TestJSONWriter(t *testing.T) {
	var b strings.Builder
	w := JSONWriter(&b)
	line := []byte("{\"name\":\"é\u202e\x7fok\"}\n")
	for i := range line { // one byte at a time: runes split across writes
		if n, err := w.Write(line[i : i+1]); n != 1 || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if want := "{\"name\":\"é\\u202e\\u007fok\"}\n"; b.String() != want {
		t.Errorf("JSONWriter wrote %q, want %q", b.String(), want)
	}
}

// TestShorten checks that a cut never splits an escape: the cut goes
// before it.
func TestShorten(t *testing.T) {
	for _, tc := range []struct {
		in    string
		width int
		want  string
	}{
		{"short", 10, "short"},
		{"short", 1, "short"},
		{"treasury cold wallet", 10, "treasury …"},
		{`treasury\x1b[2J`, 10, "treasury…"},
		{`key-\x1b[8m\n  forged-0123`, 18, `key-\x1b[8m\n  fo…`},
		{`key-\x1b[8m\n  forged-0123`, 13, `key-\x1b[8m…`},
		{`key-\x1b[8m\n  forged-0123`, 7, "key-…"},
		{`ab\\cdefghijkl`, 6, `ab\\c…`},
		{`ab\\cdefghijkl`, 4, "ab…"},
		{`name\u202e`, 8, "name…"},
		{`name\U0001f600x`, 14, "name…"},
		{`name\U0001f600xy`, 15, `name\U0001f600…`},
		{`name\…[12 more bytes]`, 12, "name…"},
		{Text("a\x1bb\nc" + strings.Repeat("x", 300)), 9, `a\x1bb\n…`},
	} {
		if got := Shorten(tc.in, tc.width); got != tc.want {
			t.Errorf("Shorten(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
	}
}
