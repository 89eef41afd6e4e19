package keys_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/dfnskeys/dfnskeys/encryption"
	"github.com/dfnskeys/dfnskeys/internal/importbuild"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/stretchr/testify/require"
)

// TestWriteFuzzCorpus regenerates testdata/fuzz/FuzzRecover: one valid
// export response per scheme, encrypted to fuzzDecryptionKey by the
// simulated cluster. Run with DFNSKEYS_WRITE_CORPUS=1.
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("DFNSKEYS_WRITE_CORPUS") == "" {
		t.Skip("set DFNSKEYS_WRITE_CORPUS=1 to regenerate the seed corpus")
	}
	dk, err := encryption.ParseDecryptionKeyText([]byte(fuzzDecryptionKey))
	require.NoError(t, err)
	ctx := keys.NewExportContextFromDecryptionKey(dk)
	dir := filepath.Join("testdata", "fuzz", "FuzzRecover")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for i, s := range keys.SupportedSchemes() {
		cluster := newCluster(t, 3+i)
		req, err := importbuild.Request(randomKey(t, s.Curve), cluster.WireSigners(), importbuild.Options{Protocol: s.Protocol})
		require.NoError(t, err)
		stored, err := cluster.Import(req)
		require.NoError(t, err)
		resp, err := cluster.Export(stored, ctx.Request())
		require.NoError(t, err)
		_, _, err = ctx.Recover(context.Background(), resp, keys.RecoverOptions{})
		require.NoError(t, err)
		body, err := json.Marshal(resp)
		require.NoError(t, err)
		file := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(body)))
		require.NoError(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%s", s.Protocol, s.Curve)), []byte(file), 0o644))
	}
}
