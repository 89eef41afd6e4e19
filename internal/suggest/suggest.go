// Package suggest finds the nearest of a set of names to one that was
// misspelt, for "did you mean" hints (bulk field names, simulator fault
// names, flags and commands).
package suggest

import "strings"

// Distance is the optimal string alignment distance between a and b: the
// number of insertions, deletions, substitutions and swaps of adjacent
// bytes that turn a into b. Names longer than 64 bytes are far from every
// name (64), so a hostile input cannot make it quadratic in a large size.
func Distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// Closest returns the name among candidates that name was most likely
// meant to be, and false when none is close: one at most two edits away
// (one for names of three bytes or fewer), or one that name starts or is
// the start of (--in for --input, --output for --out). Case is ignored.
// The first of equally close candidates wins.
func Closest(name string, candidates []string) (string, bool) {
	n := strings.ToLower(name)
	limit := 2
	if len(n) <= 3 {
		limit = 1
	}
	best, bestD := "", 65
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := Distance(n, lc)
		if d > limit {
			switch {
			case len(n) >= 2 && strings.HasPrefix(lc, n),
				len(lc) >= 3 && strings.HasPrefix(n, lc):
				d = limit + 1 // a prefix: after every near spelling
			default:
				continue
			}
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best, bestD < 65
}
