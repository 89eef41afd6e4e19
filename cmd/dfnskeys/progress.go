package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// terminalWidth returns the width in columns of the terminal w writes to,
// or 80 when it cannot tell. It is read at every update, so a resized
// window is followed. Tests replace it.
var terminalWidth = func(w io.Writer) int {
	if f, ok := w.(*os.File); ok {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
			return cols
		}
	}
	return 80
}

// progressCount is one labelled count of a progress line.
type progressCount struct {
	label string
	n     int
}

// progressLine formats a terminal progress line that fits in width
// columns without ever reaching the last one (where some terminals wrap):
// a bar, done/total, the counts and the estimated time left. On a narrower
// terminal it drops, in order, the bar, the wide spacing, the counts other
// than the last (failures) and then everything but done/total and the
// time left.
func progressLine(width, done, total int, counts []progressCount, elapsed time.Duration) string {
	limit := max(width-1, 1)
	pos := fmt.Sprintf("%d/%d", done, total)
	left := "eta " + eta(done, total, elapsed)
	join := func(sep string, cs []progressCount) string {
		parts := []string{pos}
		for _, c := range cs {
			parts = append(parts, fmt.Sprintf("%s %d", c.label, c.n))
		}
		return strings.Join(append(parts, left), sep)
	}
	var last []progressCount
	if len(counts) > 0 {
		last = counts[len(counts)-1:]
	}
	candidates := []string{
		join("  ", counts),
		join(" ", counts),
		join(" ", last),
		pos + " " + left,
		pos,
	}
	// With room, a bar of 10 to 30 columns in front of the full line.
	if room := limit - len(candidates[0]) - 3; room >= 10 {
		w := min(room, 30)
		filled := w
		if total > 0 {
			filled = int(float64(done) / float64(total) * float64(w))
		}
		filled = min(max(filled, 0), w)
		return "[" + strings.Repeat("#", filled) + strings.Repeat(".", w-filled) + "] " + candidates[0]
	}
	for _, c := range candidates {
		if len(c) <= limit {
			return c
		}
	}
	return candidates[len(candidates)-1][:limit]
}

// liveLine redraws one line of a terminal in place.
type liveLine struct {
	w     io.Writer
	drawn int // columns of the line on screen
}

// draw replaces the line on screen with s, blanking what is left of a
// longer one.
func (l *liveLine) draw(s string) {
	pad := ""
	if l.drawn > len(s) {
		pad = strings.Repeat(" ", l.drawn-len(s))
	}
	fmt.Fprintf(l.w, "\r%s%s", s, pad)
	if pad != "" {
		fmt.Fprintf(l.w, "\r%s", s)
	}
	l.drawn = len(s)
}

// end moves below the line, if one was drawn.
func (l *liveLine) end() {
	if l.drawn > 0 {
		fmt.Fprintln(l.w)
		l.drawn = 0
	}
}
