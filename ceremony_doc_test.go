package dfnskeys_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/internal/safefile"
	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signers"
)

// sampleImportRequest is an import request document for a fresh key and
// a simulated cluster, made offline.
func sampleImportRequest(t testing.TB) []byte {
	t.Helper()
	cl, err := sim.NewCluster(4)
	require.NoError(t, err)
	list := &signers.ListResponse{Clusters: []signers.Cluster{{ClusterID: "cl-test", Signers: cl.WireSigners()}}}
	target, err := dfnskeys.NewImportTarget(list, "", nil)
	require.NoError(t, err)
	k, err := keys.GeneratePrivateKey(keys.Secp256k1)
	require.NoError(t, err)
	defer k.Destroy()
	plan, err := target.Plan(k, dfnskeys.ImportKeyOptions{})
	require.NoError(t, err)
	doc, err := json.MarshalIndent(plan, "", "  ")
	require.NoError(t, err)
	return doc
}

func TestImportRequestDocumentStrict(t *testing.T) {
	t.Parallel()
	doc := sampleImportRequest(t)
	var ok dfnskeys.ImportPlan
	require.NoError(t, json.Unmarshal(doc, &ok))

	var m map[string]any
	require.NoError(t, json.Unmarshal(doc, &m))
	edit := func(f func(m map[string]any)) []byte {
		var c map[string]any
		require.NoError(t, json.Unmarshal(doc, &c))
		f(c)
		b, err := json.Marshal(c)
		require.NoError(t, err)
		return b
	}
	req := func(c map[string]any) map[string]any { return c["request"].(map[string]any) }
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"unknown field": {edit(func(c map[string]any) { c["privateKey"] = "00" }), `unknown field "privateKey"`},
		"version":       {edit(func(c map[string]any) { c["version"] = 2 }), "has version 2; this dfnskeys reads version 1"},
		"kind":          {edit(func(c map[string]any) { c["kind"] = "dfnskeys export request" }), `"dfnskeys export request" document, not a dfnskeys import request`},
		"bare body":     {edit(func(c map[string]any) { delete(c, "kind") }), `no "kind"`},
		"trailing":      {append(bytes.Clone(doc), []byte(" {}")...), "data after its end"},
		"too big":       {edit(func(c map[string]any) { c["purpose"] = strings.Repeat("x", safefile.MaxDocumentSize) }), fmt.Sprintf("more than the %d allowed", safefile.MaxDocumentSize)},
		"public key":    {edit(func(c map[string]any) { c["key"].(map[string]any)["publicKey"] = strings.Repeat("ab", 33) }), "not a valid secp256k1 public key"},
		"addresses":     {edit(func(c map[string]any) { c["key"].(map[string]any)["addresses"].(map[string]any)["ethereum"] = "0x0" }), "addresses recorded are not those"},
		"protocol":      {edit(func(c map[string]any) { req(c)["protocol"] = "FROST_BITCOIN" }), "recorded as CGGMP24/secp256k1"},
		"threshold":     {edit(func(c map[string]any) { req(c)["minSigners"] = 5 }), "must be between 2 and 4"},
		"share swapped": {edit(func(c map[string]any) { s := req(c)["encryptedKeyShares"].([]any); s[0], s[1] = s[1], s[0] }), "not made for these signers"},
		"share missing": {edit(func(c map[string]any) {
			s := req(c)["encryptedKeyShares"].([]any)
			req(c)["encryptedKeyShares"] = s[1:]
		}), "3 shares for 4 signers"},
		"signer removed": {edit(func(c map[string]any) { c["signers"] = c["signers"].([]any)[:1] }), "the signers: the cluster has 1 signer"},
		"master key":     {edit(func(c map[string]any) { req(c)["masterKey"] = true }), "master"},
		"not json":       {[]byte("{"), "not a dfnskeys import request document"},
	} {
		// Called directly, as the CLI does, so that what json.Unmarshal
		// checks first (syntax, one value) gets the document's own words.
		var p dfnskeys.ImportPlan
		err := p.UnmarshalJSON(tc.data)
		require.ErrorContains(t, err, tc.want, name)
		require.Error(t, json.Unmarshal(tc.data, &p), name)
	}
}

func TestExportDocumentsStrict(t *testing.T) {
	t.Parallel()
	ec, err := keys.NewExportContext()
	require.NoError(t, err)
	defer ec.Destroy()
	doc, err := json.Marshal(&dfnskeys.ExportRequestDocument{Request: ec.Request()})
	require.NoError(t, err)
	var d dfnskeys.ExportRequestDocument
	require.NoError(t, json.Unmarshal(doc, &d))
	require.Equal(t, ec.Request(), d.Request)
	bad := strings.Replace(string(doc), `"encryptionKey":"`, `"encryptionKey":"AAAA`, 1)
	require.ErrorContains(t, json.Unmarshal([]byte(bad), &d), "encryption key")
	require.ErrorContains(t, d.UnmarshalJSON(doc[:len(doc)-1]), "not a dfnskeys export request document")
	var r dfnskeys.ExportResponseDocument
	require.ErrorContains(t, json.Unmarshal(doc, &r), "not a dfnskeys export response")
	// A bare response is not a document.
	require.ErrorContains(t, json.Unmarshal([]byte(`{"publicKey":"02"}`), &r), `no "kind"`)
}

// The seed corpora in testdata/fuzz hold real documents: an import
// request (sampleImportRequest), an export request and an export response.

func FuzzImportRequestDocument(f *testing.F) {
	f.Add([]byte(`{"kind":"dfnskeys import request","version":1}`))
	f.Add([]byte(`{"kind":"dfnskeys import request","version":1,"request":{"protocol":"CGGMP24","curve":"secp256k1"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var p dfnskeys.ImportPlan
		if err := json.Unmarshal(data, &p); err != nil {
			return
		}
		// What parses writes back as a document that parses to the same.
		out, err := json.Marshal(&p)
		require.NoError(t, err)
		var q dfnskeys.ImportPlan
		require.NoError(t, json.Unmarshal(out, &q))
		require.Equal(t, p, q)
	})
}

func FuzzExportDocuments(f *testing.F) {
	f.Add([]byte(`{"kind":"dfnskeys export response","version":1,"key":{"id":"key-1","curve":"secp256k1","scheme":"ECDSA","publicKey":"02"},"response":{"publicKey":"02","curve":"secp256k1"}}`))
	f.Add([]byte(`{"kind":"dfnskeys export request","version":1,"request":{"encryptionKey":"","supportedSchemes":[]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r dfnskeys.ExportResponseDocument
		if json.Unmarshal(data, &r) == nil {
			out, err := json.Marshal(&r)
			require.NoError(t, err)
			var r2 dfnskeys.ExportResponseDocument
			require.NoError(t, json.Unmarshal(out, &r2))
			require.Equal(t, r, r2)
		}
		var d dfnskeys.ExportRequestDocument
		if json.Unmarshal(data, &d) == nil {
			out, err := json.Marshal(&d)
			require.NoError(t, err)
			var d2 dfnskeys.ExportRequestDocument
			require.NoError(t, json.Unmarshal(out, &d2))
			require.Equal(t, d, d2)
		}
	})
}

// A large cluster's request (shares grow with the cluster: 0.9 MB for 64
// signers) is within the limits and round-trips.
func TestImportRequestDocumentLargeCluster(t *testing.T) {
	t.Parallel()
	cl, err := sim.NewCluster(64)
	require.NoError(t, err)
	list := &signers.ListResponse{Clusters: []signers.Cluster{{ClusterID: "cl-big", Signers: cl.WireSigners()}}}
	target, err := dfnskeys.NewImportTarget(list, "", nil)
	require.NoError(t, err)
	k, err := keys.GeneratePrivateKey(keys.Ed25519)
	require.NoError(t, err)
	defer k.Destroy()
	plan, err := target.Plan(k, dfnskeys.ImportKeyOptions{Threshold: 40})
	require.NoError(t, err)
	doc, err := json.MarshalIndent(plan, "", "  ")
	require.NoError(t, err)
	require.Greater(t, len(doc), 1<<19)
	var got dfnskeys.ImportPlan
	require.NoError(t, got.UnmarshalJSON(doc))
	require.Equal(t, *plan, got)
	require.NoError(t, target.Check(&got))
}
