package main

import (
	"strings"
	"testing"
	"time"

	"github.com/dfnskeys/dfnskeys/bulk"
)

func TestProgressLine(t *testing.T) {
	t.Parallel()
	counts := func(ok, skip, fail int) []progressCount {
		return []progressCount{{"ok", ok}, {"skip", skip}, {"fail", fail}}
	}
	tests := []struct {
		name        string
		width       int
		done, total int
		counts      []progressCount
		elapsed     time.Duration
		want        string
	}{
		{"wide: bar, counts, eta", 100, 17, 40, counts(15, 1, 1), 6 * time.Second,
			"[############..................] 17/40  ok 15  skip 1  fail 1  eta 8s"},
		{"80 columns", 80, 40, 40, counts(38, 2, 0), 9 * time.Second,
			"[##############################] 40/40  ok 38  skip 2  fail 0  eta 0s"},
		{"40 columns: no bar", 40, 17, 40, counts(15, 1, 1), 6 * time.Second,
			"17/40  ok 15  skip 1  fail 1  eta 8s"},
		{"40 columns, large counts: tight spacing", 40, 1234, 10000, counts(1200, 30, 4), 90 * time.Second,
			"1234/10000 fail 4 eta 10m39s"},
		{"40 columns, nothing done: eta unknown", 40, 0, 100000, counts(0, 0, 0), time.Second,
			"0/100000  ok 0  skip 0  fail 0  eta ?"},
		{"22 columns", 22, 5000, 100000, counts(4990, 5, 5), time.Minute,
			"5000/100000 eta 19m0s"},
		{"20 columns", 20, 5000, 100000, counts(4990, 5, 5), time.Minute,
			"5000/100000"},
		{"10 columns", 10, 5000, 100000, counts(4990, 5, 5), time.Minute,
			"5000/1000"},
		{"empty input", 40, 0, 0, counts(0, 0, 0), 0,
			"0/0  ok 0  skip 0  fail 0  eta 0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := progressLine(tt.width, tt.done, tt.total, tt.counts, tt.elapsed)
			if got != tt.want {
				t.Errorf("progressLine(%d, …) =\n%q, want\n%q", tt.width, got, tt.want)
			}
			if len(got) >= tt.width {
				t.Errorf("the line is %d columns on a %d-column terminal: it would wrap", len(got), tt.width)
			}
		})
	}
}

// TestProgressLineNeverWraps checks every width from 1 to 120 against
// large and small numbers.
func TestProgressLineNeverWraps(t *testing.T) {
	t.Parallel()
	for width := 1; width <= 120; width++ {
		for _, n := range []int{0, 7, 123456789} {
			got := progressLine(width, n, n*2+1, []progressCount{{"ok", n}, {"skip", n}, {"fail", n}}, 42*time.Hour)
			if len(got) >= max(width, 2) {
				t.Fatalf("width %d: %q is %d columns", width, got, len(got))
			}
			if strings.ContainsAny(got, "\r\n") {
				t.Fatalf("width %d: %q has a line break", width, got)
			}
		}
	}
}

func TestLiveLine(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	l := liveLine{w: &b}
	l.draw("12345")
	l.draw("12")
	l.end()
	l.end()
	if want := "\r12345\r12   \r12\n"; b.String() != want {
		t.Errorf("drew %q, want %q", b.String(), want)
	}
}

// The plain progress lines (standard error not a terminal: a log, a CI
// job) fit 79 columns, however large the counts.
func TestPlainProgressFitsEightyColumns(t *testing.T) {
	for _, n := range []int{6, 62, 1000, 99999} {
		var b strings.Builder
		e := &env{stderr: &b}
		imp := &progressPrinter{e: e, line: liveLine{w: &b}}
		elapsed := 10*time.Hour + 59*time.Minute
		imp.update(bulk.Progress{Total: n, Done: n / 3, Imported: n / 3, AlreadyImported: n / 3, Failed: n / 3, Elapsed: elapsed})
		imp.dryRun = true
		imp.update(bulk.Progress{Total: n, Done: n / 3, Valid: n / 3, Failed: n / 3, Elapsed: elapsed})
		exp := &progressPrinter{e: e, line: liveLine{w: &b}}
		exp.updateExport(bulk.ExportProgress{Total: n, Done: n / 3, Exported: n / 3, AlreadyExported: n / 3, Failed: n / 3, Elapsed: elapsed})
		lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
		if len(lines) != 3 {
			t.Fatalf("%d rows: %d lines, want 3:\n%s", n, len(lines), b.String())
		}
		for _, l := range lines {
			if len(l) > 79 || !strings.HasPrefix(l, "progress: ") {
				t.Errorf("%d rows: %d columns (at most 79): %q", n, len(l), l)
			}
		}
	}
}
