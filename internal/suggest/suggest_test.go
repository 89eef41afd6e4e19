package suggest

import (
	"strings"
	"testing"
)

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"keyFile", "keyFile", 0},
		{"keyFiel", "keyFile", 1}, // a swap of adjacent letters is one edit
		{"import-dorp", "import-drop", 1},
		{"kyeFile", "keyFile", 1},
		{"keyfile", "keyFile", 1},
		{"curve", "cruve", 1},
		{"", "abc", 3},
		{"abc", "", 3},
		{"kitten", "sitting", 3},
		{"ca", "abc", 3}, // optimal string alignment, not full Damerau (2)
		{strings.Repeat("a", 65), "a", 64},
	} {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := Distance(c.b, c.a); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (not symmetric)", c.b, c.a, got, c.want)
		}
	}
}

func TestClosest(t *testing.T) {
	cmds := []string{"split", "export-request", "recover", "signers", "keys", "inspect", "import", "export", "prove", "bulk-import", "bulk-export", "simulator", "demo", "help", "version"}
	flags := []string{"input", "journal", "report", "workers", "dry-run", "key-file", "out", "out-dir", "format", "curve"}
	for _, c := range []struct {
		name  string
		cands []string
		want  string // "" for none
	}{
		{"improt", cmds, "import"},
		{"bulk_import", cmds, "bulk-import"},
		{"BULK-EXPORT", cmds, "bulk-export"},
		{"sigers", cmds, "signers"},
		{"frobnicate", cmds, ""},
		{"x", cmds, ""},
		{"in", flags, "input"},
		{"key", flags, "key-file"},
		{"keyfile", flags, "key-file"},
		{"output", flags, "out"},
		{"worker", flags, "workers"},
		{"outdir", flags, "out-dir"},
		{"ot", flags, "out"},
		{"zzzz", flags, ""},
		{"dry", flags, "dry-run"},
	} {
		got, ok := Closest(c.name, c.cands)
		if ok != (c.want != "") || got != c.want {
			t.Errorf("Closest(%q) = %q, %v; want %q", c.name, got, ok, c.want)
		}
	}
}
