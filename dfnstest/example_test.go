package dfnstest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/dfnstest"
	"github.com/dfnskeys/dfnskeys/keys"
)

// exampleT stands in for the *testing.T of a test, which an example does
// not have.
type exampleT struct{ testing.TB }

func (exampleT) Helper()           {}
func (exampleT) Fatal(args ...any) { panic(fmt.Sprint(args...)) }
func (exampleT) Cleanup(func())    {}

func ExampleNewServer() {
	t := exampleT{} // in a test: the test's t
	srv := dfnstest.NewServer(t, dfnstest.Options{Signers: 3})
	defer srv.Close() // in a test, NewServer closes it when the test ends

	// Dfns creates a key itself, as for a native key.
	k, err := srv.CreateKey(&keys.CreateRequest{Scheme: "ECDSA", Curve: keys.Secp256k1, Name: "example"})
	if err != nil {
		panic(err)
	}
	fmt.Println("signers:", len(srv.Signers().Clusters[0].Signers))
	fmt.Println("created:", k.Key.Curve, k.Protocol, "imported:", k.Key.Imported)
	fmt.Println("keys held:", len(srv.Keys()))
	// Output:
	// signers: 3
	// created: secp256k1 CGGMP24 imported: false
	// keys held: 1
}

func ExampleServer_Client() {
	srv := dfnstest.NewServer(exampleT{}, dfnstest.Options{Signers: 3})
	defer srv.Close()

	c := srv.Client() // base URL, token and the credential's signer
	list, err := c.Signers.List(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println("clusters:", len(list.Clusters), "signers:", len(list.Clusters[0].Signers))

	// A narrower token replaces the default one.
	readOnly := srv.Client(dfnskeys.WithAuthToken(srv.NewToken("Keys:Read")))
	_, err = readOnly.Signers.List(context.Background())
	fmt.Println("without Signers:ListSigners:", err != nil)
	// Output:
	// clusters: 1 signers: 3
	// without Signers:ListSigners: true
}

func ExampleServer_SetFaults() {
	srv := dfnstest.NewServer(exampleT{}, dfnstest.Options{})
	defer srv.Close()
	// The next GET /signers fails before it is processed; the client
	// retries it.
	err := srv.SetFaults(dfnstest.Fault{Kind: dfnstest.FailBefore, Route: "GET /signers", Count: 1})
	if err != nil {
		panic(err)
	}
	if _, err := srv.Client().Signers.List(context.Background()); err != nil {
		panic(err)
	}
	for _, r := range srv.Requests() {
		fmt.Println(r.Method, r.Path, r.Status)
	}
	// A mistake is an error, never a panic.
	fmt.Println(srv.SetFaults(dfnstest.Fault{Kind: dfnstest.DropResponse, Route: "POST /key/import", Count: 1}) != nil)
	// Output:
	// GET /signers 503
	// GET /signers 200
	// true
}
