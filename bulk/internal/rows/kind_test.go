package rows_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys/bulk/internal/rows"
	"github.com/stretchr/testify/require"
)

func TestRowKind(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, jsonl, csv, want string
		kind                   string
	}{
		{"scalar", `{"keyFile":"k","curve":"ed25519","kind":"scalar"}`, "keyFile,curve,kind\nk,ed25519,scalar", "", "scalar"},
		{"seed", `{"keyFile":"k","curve":"ed25519","kind":"seed","format":"raw"}`, "keyFile,curve,kind,format\nk,ed25519,seed,raw", "", "seed"},
		{"none", `{"keyFile":"k","curve":"ed25519"}`, "keyFile,curve\nk,ed25519", "", ""},
		{"scalar on secp256k1", `{"keyFile":"k","curve":"secp256k1","kind":"scalar"}`, "keyFile,curve,kind\nk,secp256k1,scalar", "kind scalar is only for ed25519 keys, not secp256k1", ""},
		{"scalar in a keystore", `{"keyFile":"k","curve":"ed25519","kind":"scalar","format":"json"}`, "keyFile,curve,kind,format\nk,ed25519,scalar,json", "kind scalar is only for format hex or raw, not json", ""},
		{"unknown kind", `{"keyFile":"k","curve":"ed25519","kind":"Scalar"}`, "keyFile,curve,kind\nk,ed25519,Scalar", `kind "Scalar" is invalid: use seed or scalar`, ""},
	} {
		for format, text := range map[string]string{"in.jsonl": tc.jsonl, "in.csv": tc.csv} {
			t.Run(tc.name+"/"+format, func(t *testing.T) {
				r, err := rows.NewReader(strings.NewReader(text), format)
				require.NoError(t, err)
				row, err := r.Next()
				if tc.want != "" {
					var re *rows.RowError
					require.True(t, errors.As(err, &re), "%v", err)
					require.ErrorContains(t, err, tc.want)
					return
				}
				require.NoError(t, err)
				require.Equal(t, tc.kind, row.Kind)
				_, err = r.Next()
				require.Equal(t, io.EOF, err)
			})
		}
	}
}
