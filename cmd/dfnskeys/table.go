package main

import (
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/dfnskeys/dfnskeys/internal/safetext"
)

// outputWidth is the width of the terminal w writes to, or 80 when w is
// not a terminal: tables fit an 80-column terminal when they are piped to
// a pager or saved.
func outputWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok && writerIsTerminal(f) {
		return terminalWidth(f)
	}
	return 80
}

// shrinkStep shortens column col to width columns, with an ellipsis at
// the end, or in the middle (a public key keeps its two ends).
type shrinkStep struct {
	col, width int
	middle     bool
}

// tableGap is the space between two columns.
const tableGap = 2

// printTable prints rows (the first is the header) as aligned columns
// within width columns: while the table is too wide, the steps shorten
// its cells in order, header excepted. The last column is not padded.
func printTable(w io.Writer, rows [][]string, width int, steps []shrinkStep) {
	widths := func() []int {
		var ws []int
		for _, r := range rows {
			for i, c := range r {
				if i >= len(ws) {
					ws = append(ws, 0)
				}
				ws[i] = max(ws[i], utf8.RuneCountInString(c))
			}
		}
		return ws
	}
	total := func(ws []int) int {
		t := tableGap * (len(ws) - 1)
		for _, x := range ws {
			t += x
		}
		return t
	}
	for _, s := range steps {
		if total(widths()) <= width {
			break
		}
		for _, r := range rows[1:] {
			if s.col < len(r) {
				r[s.col] = shorten(r[s.col], s.width, s.middle)
			}
		}
	}
	ws := widths()
	var b strings.Builder
	for _, r := range rows {
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", ws[i]-utf8.RuneCountInString(c)+tableGap))
			}
		}
		b.WriteByte('\n')
		io.WriteString(w, b.String())
		b.Reset()
	}
}

// shorten cuts s, text escaped by safetext, to width runes with an
// ellipsis: at the end (safetext.Shorten, which never splits an escape),
// or in the middle (a public key keeps its two ends).
func shorten(s string, width int, middle bool) string {
	r := []rune(s)
	if len(r) <= width || width < 2 {
		return s
	}
	if !middle {
		return safetext.Shorten(s, width)
	}
	head := (width - 1) / 2
	if (width-1)%2 == 1 {
		head++
	}
	tail := width - 1 - head
	return string(r[:head]) + "…" + string(r[len(r)-tail:])
}
