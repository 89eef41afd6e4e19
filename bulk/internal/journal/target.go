package journal

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"github.com/dfnskeys/dfnskeys/internal/safetext"
	"strings"
)

// target is what a journal was made against: the API, the organisation
// (when the token says) and the signing cluster. A journal's rows describe
// keys in that target only.
type Target struct {
	BaseURL, OrgID, ClusterID string
}

// Where the target sits in the journal header: a flag byte, then three
// length-prefixed fields. A value longer than its field is stored as "#"
// and the start of its SHA-256 in hex, which still tells targets apart.
const (
	targetOffset = 64
	urlField     = 90
	orgField     = 47
	clusterField = 47
)

func (t Target) String() string {
	var b strings.Builder
	b.WriteString(safetext.Text(t.BaseURL))
	if t.OrgID != "" {
		fmt.Fprintf(&b, ", organisation %s", safetext.Text(t.OrgID))
	}
	fmt.Fprintf(&b, ", cluster %s", safetext.Text(t.ClusterID))
	return b.String()
}

// fieldValue is v as stored in a field of n bytes.
func fieldValue(v string, n int) string {
	if len(v) <= n {
		return v
	}
	sum := sha256.Sum256([]byte(v))
	return "#" + hex.EncodeToString(sum[:])[:min(n-1, 2*len(sum))]
}

func putTarget(h *[recordSize]byte, t Target) {
	h[targetOffset] = 1
	off := targetOffset + 1
	for _, f := range []struct {
		v string
		n int
	}{{t.BaseURL, urlField}, {t.OrgID, orgField}, {t.ClusterID, clusterField}} {
		v := fieldValue(f.v, f.n)
		h[off] = byte(len(v))
		copy(h[off+1:off+1+f.n], v)
		off += 1 + f.n
	}
}

// getTarget returns the target in a header, and false when it has none
// (the journal was made before targets were recorded) or the fields are
// malformed.
func getTarget(h *[recordSize]byte) (Target, bool) {
	if h[targetOffset] != 1 {
		return Target{}, false
	}
	var vals [3]string
	off := targetOffset + 1
	for i, n := range []int{urlField, orgField, clusterField} {
		l := int(h[off])
		if l > n {
			return Target{}, false
		}
		vals[i] = string(h[off+1 : off+1+l])
		off += 1 + n
	}
	return Target{BaseURL: vals[0], OrgID: vals[1], ClusterID: vals[2]}, true
}

// sameTarget reports whether a journal made against was (as stored) may be
// used against t: same API and cluster, and the same organisation when both
// name one.
func sameTarget(was, t Target) bool {
	return was.BaseURL == fieldValue(t.BaseURL, urlField) &&
		was.ClusterID == fieldValue(t.ClusterID, clusterField) &&
		(was.OrgID == "" || t.OrgID == "" || was.OrgID == fieldValue(t.OrgID, orgField))
}

// bind ties the journal to t: a journal with no target yet records t; one
// made against another target is refused, with a message that says how to
// start over.
func (j *Journal) Bind(t Target) error {
	t.BaseURL = strings.TrimRight(t.BaseURL, "/")
	was, ok := getTarget(&j.header)
	if !ok {
		h := j.header
		putTarget(&h, t)
		return j.putHeader(h)
	}
	if !sameTarget(was, t) {
		return fmt.Errorf("the journal %s was made against %s, but this run is against %s: a journal only describes keys in the API, organisation and signing cluster it was made against (a rehearsal's journal says nothing about production). To import into this one, start a new journal (--journal NEW_FILE): keys it already holds are found and reported, not imported again", j.path, was, t)
	}
	if was.OrgID == "" && t.OrgID != "" {
		h := j.header
		putTarget(&h, t) // learn the organisation
		return j.putHeader(h)
	}
	return nil
}
