package main

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// helpWidth is the widest a help line may be: an 80-column terminal.
const helpWidth = 80

// displayWidth is the number of columns line takes on a terminal with tab
// stops every 8 columns.
func displayWidth(line string) int {
	col := 0
	for _, r := range line {
		if r == '\t' {
			col += 8 - col%8
			continue
		}
		col++
	}
	return col
}

// TestHelpFitsEightyColumns runs every command's help, as 'dfnskeys help
// NAME' and 'dfnskeys NAME -h', and the main help, and fails on any line
// wider than 80 columns.
func TestHelpFitsEightyColumns(t *testing.T) {
	pages := [][]string{{"help"}, {"help", "help"}}
	for _, c := range commands {
		pages = append(pages, []string{"help", c.name}, []string{c.name, "-h"})
	}
	for _, args := range pages {
		var stdout, stderr bytes.Buffer
		if code := run(args, strings.NewReader(""), &stdout, &stderr); code != 0 {
			t.Errorf("dfnskeys %s: exit status %d, want 0 (stderr %q)", strings.Join(args, " "), code, stderr.String())
			continue
		}
		if stdout.Len() == 0 {
			t.Errorf("dfnskeys %s printed no help", strings.Join(args, " "))
		}
		for i, line := range strings.Split(stdout.String(), "\n") {
			if !utf8.ValidString(line) {
				t.Errorf("dfnskeys %s: line %d is not UTF-8", strings.Join(args, " "), i+1)
			}
			if w := displayWidth(line); w > helpWidth {
				t.Errorf("dfnskeys %s: line %d is %d columns wide (at most %d):\n%s", strings.Join(args, " "), i+1, w, helpWidth, line)
			}
		}
	}
}

func TestDisplayWidth(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{{"", 0}, {"abc", 3}, {"\tx", 9}, {"ab\tx", 9}, {"12345678\tx", 17}, {"§4", 2}} {
		if got := displayWidth(tc.in); got != tc.want {
			t.Errorf("displayWidth(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}
