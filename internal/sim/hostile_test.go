package sim

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signers"
)

// A hostile cluster ID and key IDs are served as given, and the keys stay
// usable under their IDs.
func TestHostileNames(t *testing.T) {
	t.Parallel()
	const clusterID = "cl-1\n  1  forged\x1b[8m\u202e"
	const prefix = "key-\x1b[8m\n  evil-"
	s := NewServer(t, WithClusterID(clusterID), WithKeyIDPrefix(prefix))
	c := newClient(t, s)
	var list signers.ListResponse
	c.get("/signers", &list)
	require.Equal(t, clusterID, list.Clusters[0].ClusterID)

	k := c.importKey()
	require.True(t, strings.HasPrefix(k.ID, prefix), "key ID %q", k.ID)
	require.Len(t, k.ID, len(prefix)+20)
	stored, ok := s.Key(k.ID)
	require.True(t, ok)
	require.Equal(t, clusterID, stored.ClusterID)
	var got keys.Key
	c.get("/keys/"+url.PathEscape(k.ID), &got)
	require.Equal(t, k.ID, got.ID)

	created, err := s.CreateKey(&keys.CreateRequest{Scheme: "EdDSA", Curve: keys.Ed25519})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(created.Key.ID, prefix))

	// The default is unchanged.
	plain := NewServer(t)
	pc := newClient(t, plain)
	require.True(t, strings.HasPrefix(pc.importKey().ID, "key-"))
	require.True(t, strings.HasPrefix(plain.Clusters()[0].ID, "cl-"))
}
