package dfnskeys_test

import (
	"testing"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signers"
	"github.com/stretchr/testify/require"
)

// TestImportKeyOptionsCheck checks the import pre-flight before a key
// exists: without a target only the options themselves, with one the
// threshold against its cluster too; and the plan refuses the same.
func TestImportKeyOptionsCheck(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	ws := srv.Clusters()[0].WireSigners()
	target, err := dfnskeys.NewImportTarget(&signers.ListResponse{Clusters: []signers.Cluster{{ClusterID: "c", Signers: ws}}}, "", nil)
	require.NoError(t, err)
	n := len(ws)
	tooMany := dfnskeys.ImportKeyOptions{Threshold: n + 1}
	require.NoError(t, tooMany.Check(), "the cluster is not known yet")
	tooMany.Target = target
	require.ErrorContains(t, tooMany.Check(), "is invalid for")
	require.NotErrorIs(t, tooMany.Check(), keys.ErrInvalidOption, "the cluster may be what is wrong")

	one := dfnskeys.ImportKeyOptions{Threshold: 1}
	require.ErrorIs(t, one.Check(), keys.ErrInvalidOption)
	secretName := dfnskeys.ImportKeyOptions{Name: "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f3c0ffee"}
	require.ErrorIs(t, secretName.Check(), keys.ErrInvalidOption)

	key := freshKey(t, keys.Secp256k1)
	for _, opts := range []dfnskeys.ImportKeyOptions{tooMany, one, secretName} {
		_, planErr := target.Plan(key, opts)
		opts.Target = target
		require.EqualError(t, planErr, opts.Check().Error(), "Plan runs the same check")
	}
}
