package bulk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/bulk"
	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/signers"
)

func listing(srv *sim.Server) *signers.ListResponse {
	var l signers.ListResponse
	for _, c := range srv.Clusters() {
		l.Clusters = append(l.Clusters, signers.Cluster{ClusterID: c.ID, Signers: c.WireSigners()})
	}
	return &l
}

// Split offline, then Import the requests: every key once, none read
// online; a request made for other signers fails its row, unsent.
func TestSplitThenImportRequests(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	c := client(t, srv)
	ctx := context.Background()
	f := newFixture(t, 8)
	list := listing(srv)
	target, err := dfnskeys.NewImportTarget(list, "", nil)
	require.NoError(t, err)
	out := filepath.Join(t.TempDir(), "carry")
	var rep bytes.Buffer
	sum, err := bulk.Split(ctx, bulk.SplitOptions{ImportOptions: bulk.ImportOptions{InputPath: f.input, Report: &rep}, Target: target, OutDir: out})
	require.NoError(t, err)
	require.Equal(t, 8, sum.Valid)
	require.Zero(t, srv.KeyCount())
	require.Equal(t, 8, strings.Count(rep.String(), `"status":"split"`))

	// One request is replaced by one made for another cluster's signers.
	// (The same cluster ID: only the signers tell.)
	other := sim.NewServer(t, sim.WithClusterID(list.Clusters[0].ClusterID))
	otherTarget, err := dfnskeys.NewImportTarget(listing(other), "", nil)
	require.NoError(t, err)
	k := randomKey(t, "secp256k1")
	plan, err := otherTarget.Plan(k, dfnskeys.ImportKeyOptions{Name: "wallet 4"})
	require.NoError(t, err)
	doc, err := json.Marshal(plan)
	require.NoError(t, err)
	// Row 4 is secp256k1 hex (CGGMP24): the same shape as the swap.
	require.NoError(t, os.WriteFile(filepath.Join(out, "row-000004.json"), doc, 0o644))

	// Without pins, nothing is sent.
	var report bytes.Buffer
	opts := bulk.ImportOptions{InputPath: filepath.Join(out, bulk.RequestsFile), JournalPath: filepath.Join(out, "..", "journal"), Report: &report, Client: c}
	_, err = bulk.Import(ctx, opts)
	require.ErrorContains(t, err, "need the pinned signers")
	require.Zero(t, srv.KeyCount())

	opts.PinnedSigners = list.Clusters[0].Signers
	sum, err = bulk.Import(ctx, opts)
	require.NoError(t, err)
	require.Equal(t, 7, sum.Imported, report.String())
	require.Equal(t, 1, sum.Failed)
	require.Contains(t, report.String(), `encrypted to other signers than cluster`)
	require.Contains(t, report.String(), `nothing was sent`)
	require.Equal(t, 7, srv.KeyCount())
	got := serverKeys(srv)
	for row, pub := range f.want {
		if row != 4 {
			require.Equal(t, 1, got[pub], "row %d", row)
		}
	}
}

// A rerun of Split keeps what it made and refuses to overwrite a file that
// is not the row's.
func TestSplitRerun(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	f := newFixture(t, 3)
	target, err := dfnskeys.NewImportTarget(listing(srv), "", nil)
	require.NoError(t, err)
	out := t.TempDir()
	opts := bulk.SplitOptions{ImportOptions: bulk.ImportOptions{InputPath: f.input, Report: &bytes.Buffer{}}, Target: target, OutDir: out}
	_, err = bulk.Split(context.Background(), opts)
	require.NoError(t, err)
	first := mustRead(t, filepath.Join(out, "row-000002.json"))
	require.NoError(t, os.Remove(filepath.Join(out, bulk.RequestsFile)))
	require.NoError(t, os.WriteFile(filepath.Join(out, "row-000003.json"), []byte(first), 0o644))
	var rep bytes.Buffer
	opts.Report = &rep
	sum, err := bulk.Split(context.Background(), opts)
	require.NoError(t, err)
	require.Equal(t, 2, sum.Valid)
	require.Equal(t, 1, sum.Failed)
	require.Contains(t, rep.String(), "row-000003.json exists and is not this row's import request")
	require.Equal(t, first, mustRead(t, filepath.Join(out, "row-000002.json")), "kept")
	require.Equal(t, first, mustRead(t, filepath.Join(out, "row-000003.json")), "never overwritten")
	require.NoFileExists(t, filepath.Join(out, bulk.RequestsFile), "written only when every row is split")
}

// InputFormat is honoured by every entry point, Split included, and an
// unknown one is refused before anything is read, never ignored.
func TestInputFormat(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	ctx := context.Background()
	f := newFixture(t, 3)
	txt := filepath.Join(f.dir, "input.txt")
	b, err := os.ReadFile(f.input)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(txt, b, 0o600))
	target, err := dfnskeys.NewImportTarget(listing(srv), "", nil)
	require.NoError(t, err)

	sum, err := bulk.Split(ctx, bulk.SplitOptions{ImportOptions: bulk.ImportOptions{InputPath: txt, InputFormat: "JSONL", Report: &bytes.Buffer{}}, Target: target, OutDir: filepath.Join(f.dir, "carry")})
	require.NoError(t, err, "Split reads a .txt input as the InputFormat says")
	require.Equal(t, 3, sum.Valid)

	for name, call := range map[string]func(format string) error{
		"Import (dry run)": func(format string) error {
			_, err := bulk.Import(ctx, bulk.ImportOptions{DryRun: true, InputPath: f.input, InputFormat: format, Report: &bytes.Buffer{}})
			return err
		},
		"Split": func(format string) error {
			_, err := bulk.Split(ctx, bulk.SplitOptions{ImportOptions: bulk.ImportOptions{InputPath: f.input, InputFormat: format, Report: &bytes.Buffer{}}, Target: target, OutDir: filepath.Join(f.dir, "carry2")})
			return err
		},
		"Export": func(format string) error {
			_, err := bulk.Export(ctx, bulk.ExportOptions{InputPath: f.input, InputFormat: format, OutDir: filepath.Join(f.dir, "out"), OutputFormat: "json", Report: &bytes.Buffer{}, Client: client(t, srv)})
			return err
		},
	} {
		require.ErrorContains(t, call("xml"), `unknown input format "xml": use csv or jsonl`, name)
	}
	for _, dir := range []string{"carry2", "out"} {
		_, err := os.Stat(filepath.Join(f.dir, dir))
		require.True(t, os.IsNotExist(err), "%s created for a refused run", dir)
	}
}
