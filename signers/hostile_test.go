package signers

import (
	"strings"
	"testing"
)

// Cluster IDs from the API are escaped and bounded in errors: one line,
// no control character, the list of IDs cut.
func TestClusterErrorsEscapeIDs(t *testing.T) {
	r := &ListResponse{}
	for i := 0; i < 30; i++ {
		r.Clusters = append(r.Clusters, Cluster{ClusterID: "cl-\x1b[8m\n" + strings.Repeat("x", 1000)})
	}
	for _, id := range []string{"", "cl-wanted\x1b]0;t\x07"} {
		_, err := r.Cluster(id)
		if err == nil {
			t.Fatalf("Cluster(%q) found a cluster", id)
		}
		msg := err.Error()
		if strings.ContainsAny(msg, "\x1b\n\x07") {
			t.Errorf("Cluster(%q): the error holds a control character: %q", id, msg)
		}
		if !strings.Contains(msg, `cl-\x1b[8m\n`) || !strings.Contains(msg, "and 10 more") {
			t.Errorf("Cluster(%q): the error does not show the escaped IDs: %.300q", id, msg)
		}
		if len(msg) > 20*300+500 {
			t.Errorf("Cluster(%q): the error is %d bytes long", id, len(msg))
		}
	}
	_, err := Sort([]Signer{{SignerID: "\x1b[8m" + strings.Repeat("A", 10000)}})
	if err == nil || strings.ContainsRune(err.Error(), 0x1b) || len(err.Error()) > 300 {
		t.Errorf("Sort: the error is not escaped and bounded: %.300q", err)
	}
}
