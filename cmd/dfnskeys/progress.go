package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/dfnskeys/dfnskeys/bulk"
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

// progressPrinter prints bulk-import's and bulk-export's progress: a bar
// that fits the terminal (see progressLine), or a plain line every few
// seconds otherwise, both with an estimate of the time left.
type progressPrinter struct {
	mu       sync.Mutex // update and finish run on different goroutines
	e        *env
	terminal bool
	dryRun   bool // counts are valid and failed rows
	every    time.Duration
	line     liveLine
}

func newProgressPrinter(e *env, dryRun bool) *progressPrinter {
	p := &progressPrinter{e: e, terminal: writerIsTerminal(e.stderr), dryRun: dryRun, every: 5 * time.Second, line: liveLine{w: e.stderr}}
	if p.terminal {
		p.every = 200 * time.Millisecond
	}
	return p
}

// progressReport is one report in the printer's terms: the counts in
// words for the plain line (short for when long does not fit) and for the
// bar.
type progressReport struct {
	done, total int
	elapsed     time.Duration
	long, short string
	bar         []progressCount
}

func (p *progressPrinter) show(r progressReport) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.terminal {
		p.line.draw(progressLine(terminalWidth(p.e.stderr), r.done, r.total, r.bar, r.elapsed))
		return
	}
	pct := 100.0
	if r.total > 0 {
		pct = 100 * float64(r.done) / float64(r.total)
	}
	left := eta(r.done, r.total, r.elapsed)
	fmt.Fprintln(p.e.stderr, fitLine(
		fmt.Sprintf("progress: %d/%d (%.0f%%): %s, %s, %s left", r.done, r.total, pct, r.long, r.elapsed.Round(time.Second), left),
		fmt.Sprintf("progress: %d/%d: %s, %s left", r.done, r.total, r.short, left)))
}

// update shows bulk-import's progress: valid and failed rows in a dry run
// (or once rows are being checked), else imported, skipped and failed.
func (p *progressPrinter) update(pr bulk.Progress) {
	r := progressReport{done: pr.Done, total: pr.Total, elapsed: pr.Elapsed,
		long:  fmt.Sprintf("%d imported, %d skipped, %d failed", pr.Imported, pr.AlreadyImported, pr.Failed),
		short: fmt.Sprintf("%d ok, %d skip, %d fail", pr.Imported, pr.AlreadyImported, pr.Failed),
		bar:   []progressCount{{"ok", pr.Imported}, {"skip", pr.AlreadyImported}, {"fail", pr.Failed}}}
	if p.dryRun || pr.Valid > 0 {
		r.long = fmt.Sprintf("%d valid, %d failed", pr.Valid, pr.Failed)
		r.short = r.long
		r.bar[0].n = pr.Valid
	}
	p.show(r)
}

// updateExport shows bulk-export's progress.
func (p *progressPrinter) updateExport(pr bulk.ExportProgress) {
	long, short := "exported", "ok"
	if p.dryRun {
		long, short = "valid", "valid"
	}
	p.show(progressReport{done: pr.Done, total: pr.Total, elapsed: pr.Elapsed,
		long:  fmt.Sprintf("%d %s, %d skipped, %d failed", pr.Exported+pr.Valid, long, pr.AlreadyExported, pr.Failed),
		short: fmt.Sprintf("%d %s, %d skip, %d fail", pr.Exported+pr.Valid, short, pr.AlreadyExported, pr.Failed),
		bar:   []progressCount{{"ok", pr.Exported + pr.Valid}, {"skip", pr.AlreadyExported}, {"fail", pr.Failed}}})
}

func (p *progressPrinter) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.line.end()
}

// eta estimates the time left from the pace so far.
func eta(done, total int, elapsed time.Duration) string {
	if done >= total {
		return "0s"
	}
	if done == 0 {
		return "?"
	}
	left := time.Duration(float64(elapsed) / float64(done) * float64(total-done))
	return left.Round(time.Second).String()
}
