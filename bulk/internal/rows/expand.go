package rows

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/dfnskeys/dfnskeys/internal/bip32path"
	"github.com/dfnskeys/dfnskeys/internal/suggest"

	"github.com/dfnskeys/dfnskeys/internal/safetext"
	"github.com/dfnskeys/dfnskeys/internal/secretish"
)

// MaxRange bounds the accounts one row with a path range expands into.
const MaxRange = 1000

// maxIgnored bounds the unknown field names a reader remembers.
const maxIgnored = 20

// pathRange is a derivation path with one step written as a range, such as
// m/44'/60'/0'/0/0-9: the step at index step runs from lo to hi inclusive,
// hardened when the range is.
type pathRange struct {
	parts    []string // the path's steps, "m" first
	step     int      // the index in parts of the range
	lo, hi   uint64
	hardened string // the suffix of a hardened range (', h or H), or ""
}

// parseRange finds the range step of path; ok is false when path has none.
func parseRange(path string) (pr pathRange, ok bool, err error) {
	s := strings.TrimSpace(path)
	if !strings.Contains(s, "-") {
		return pathRange{}, false, nil
	}
	pr.parts = strings.Split(s, "/")
	pr.step = -1
	for i, p := range pr.parts {
		if !strings.Contains(p, "-") {
			continue
		}
		if pr.step >= 0 {
			return pathRange{}, false, fmt.Errorf("path %q has more than one range: only one step may be a range, such as m/44'/60'/0'/0/0-9", path)
		}
		pr.step = i
		a, b, _ := strings.Cut(p, "-")
		a, ha := cutHardened(a)
		b, pr.hardened = cutHardened(b)
		lo, err1 := strconv.ParseUint(a, 10, 31)
		hi, err2 := strconv.ParseUint(b, 10, 31)
		if err1 != nil || err2 != nil || ha != "" && pr.hardened == "" {
			return pathRange{}, false, fmt.Errorf("path %q: step %q is not a range of two indices below 2^31, such as 0-9 (or 0-9' for hardened indices, marked on the second index or both)", path, pr.parts[i])
		}
		if lo > hi {
			return pathRange{}, false, fmt.Errorf("path %q: the range %s runs backwards: write the lower index first", path, pr.parts[i])
		}
		if hi-lo+1 > MaxRange {
			return pathRange{}, false, fmt.Errorf("path %q: the range %s is %d accounts; at most %d are allowed in one row: split it over several rows", path, pr.parts[i], hi-lo+1, MaxRange)
		}
		pr.lo, pr.hi = lo, hi
	}
	if pr.step == 0 {
		return pathRange{}, false, fmt.Errorf("invalid derivation path %q: it must start with \"m\"", path)
	}
	return pr, true, nil
}

// cutHardened splits a step's hardened mark (', h or H) from its index.
func cutHardened(step string) (index, mark string) {
	if n := len(step); n > 0 && (step[n-1] == '\'' || step[n-1] == 'h' || step[n-1] == 'H') {
		return step[:n-1], step[n-1:]
	}
	return step, ""
}

// at is the path of the range's account with index i (lo <= i <= hi).
func (pr pathRange) at(i uint64) string {
	parts := append([]string{}, pr.parts...)
	parts[pr.step] = strconv.FormatUint(i, 10) + pr.hardened
	return strings.Join(parts, "/")
}

// expand turns a row whose path holds a range into one row per account,
// numbered from first. A row without a range is returned as it is.
func expand(row *Row, first int) ([]*Row, error) {
	pr, ok, err := parseRange(row.Path)
	if err != nil || !ok {
		return []*Row{row}, err
	}
	switch strings.ToLower(row.Format) {
	case "mnemonic", "xprv":
	case "":
		return nil, fmt.Errorf("a path range (%s) is only for mnemonic and xprv rows, not format hex (the default when format is empty)", row.Path)
	default:
		return nil, fmt.Errorf("a path range (%s) is only for mnemonic and xprv rows, not format %s", row.Path, row.Format)
	}
	if row.ExpectedAddress != "" {
		return nil, errors.New("expectedAddress cannot be checked on a row with a path range (it cannot be the address of every account): remove it and check the addresses in the report, or give the account its own row with its own path and expectedAddress")
	}
	if strings.EqualFold(row.Curve, "ed25519") && pr.hardened == "" {
		return nil, fmt.Errorf("path %q: ed25519 keys derive with hardened steps only: write the range %s'", row.Path, pr.parts[pr.step])
	}
	// The paths differ only in the range step: checking one checks all.
	if _, err := bip32path.Parse(pr.at(pr.hi)); err != nil {
		return nil, err
	}
	out := make([]*Row, 0, pr.hi-pr.lo+1)
	for i := pr.lo; i <= pr.hi; i++ {
		r := *row
		r.Number = first + len(out)
		r.Path = pr.at(i)
		if r.Name != "" {
			r.Name = row.Name + "-" + strconv.FormatUint(i, 10)
		}
		out = append(out, &r)
	}
	return out, nil
}

// fieldName classifies an input field or column name: the known field it
// is (matched without regard to case), or, for an unknown one, the known
// field it is probably a misspelling of ("" when none is close).
func fieldName(name string) (known, nearest string) {
	best := 3
	for _, c := range csvColumns {
		if strings.EqualFold(name, c) {
			return c, ""
		}
		d := suggest.Distance(strings.ToLower(name), strings.ToLower(c))
		// Short names are close to many words (note and name differ in
		// two letters): one edit for them, two for longer ones.
		limit := 2
		if len(c) <= 5 {
			limit = 1
		}
		if d <= limit && d < best {
			best, nearest = d, c
		}
	}
	return "", nearest
}

// ignored remembers the unknown field names a reader skipped.
type ignored struct {
	names map[string]bool
	more  bool // more names than maxIgnored were seen
}

func (g *ignored) add(name string) {
	if g.names == nil {
		g.names = map[string]bool{}
	}
	if g.names[name] {
		return
	}
	if len(g.names) >= maxIgnored {
		g.more = true
		return
	}
	g.names[name] = true
}

// list returns the names, sorted, escaped and bounded for printing
// ([fieldLabel]), with "…" last when some were left out.
func (g *ignored) list() []string {
	out := make([]string, 0, len(g.names)+1)
	for n := range g.names {
		out = append(out, fieldLabel(n))
	}
	sort.Strings(out)
	if g.more {
		out = append(out, "…")
	}
	return out
}

// maxFieldText bounds a field name in a message: real ones are short.
const maxFieldText = 64

// fieldText is an input's field or column name for a message: quoted,
// escaped and bounded by [safetext.TextN], or not shown when it looks
// like a secret (a CSV whose first row is data, not a header). See
// docs/threat-model.md §3 and §5.
func fieldText(name string) string {
	if secretish.Looks(name) {
		return fieldLabel(name)
	}
	return `"` + fieldLabel(name) + `"`
}

// fieldLabel is [fieldText] without the quotes.
func fieldLabel(name string) string {
	if secretish.Looks(name) {
		return "(a name that looks like a secret, not shown)"
	}
	return safetext.TextN(name, maxFieldText)
}
