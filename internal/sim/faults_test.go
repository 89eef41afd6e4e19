package sim

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/stretchr/testify/require"
)

func TestParseFaults(t *testing.T) {
	t.Parallel()
	got, err := ParseFaults(" sign-drop=0.5, 429=0.05,confirmed=1 ,import-5xx-after=0.2,")
	require.NoError(t, err)
	require.Equal(t, []Fault{
		// Faults on every route first, so that a route's own setting wins.
		{Kind: RateLimit, Rate: 0.05, Wait: time.Second},
		{Kind: Confirmed, Rate: 1},
		{Kind: DropResponse, Route: RouteCreateSignature, Rate: 0.5},
		{Kind: FailAfter, Route: RouteImportKey, Rate: 0.2, Status: http.StatusBadGateway},
		{Kind: FailAfter, Route: RouteImportWallet, Rate: 0.2, Status: http.StatusBadGateway},
	}, got)

	got, err = ParseFaults("read-5xx=0.1")
	require.NoError(t, err)
	var routes []Route
	for _, f := range got {
		require.Equal(t, FailBefore, f.Kind)
		require.Equal(t, http.StatusServiceUnavailable, f.Status)
		routes = append(routes, f.Route)
	}
	require.Equal(t, []Route{RouteListSigners, RouteListKeys, RouteGetKey, RouteGetSignature, RouteListSignatures, RouteGetWallet}, routes)

	for spec, want := range map[string]string{
		"":                  "no fault given",
		"drop":              `"drop" is not NAME=RATE`,
		"import-dorp=0.1":   `unknown fault "import-dorp" (did you mean "import-drop"?): the faults are bad-signature, confirmed, 429, `,
		"zzzzzzzzzzzz=0.1":  `unknown fault "zzzzzzzzzzzz": the faults are`,
		"429=5%":            "429=5%: the rate is a fraction from 0 to 1",
		"429=1.5":           "429=1.5: the rate is a fraction",
		"429=NaN":           "the rate is a fraction",
		"drop=0.1,drop=0.2": "fault drop is given twice",
	} {
		_, err := ParseFaults(spec)
		require.ErrorContains(t, err, want, spec)
	}
}

// A spec's route-wide fault is overridden by a route's own.
func TestParseFaultsRouteWins(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	c := newClient(t, s)
	faults, err := ParseFaults("read-5xx=0,5xx=1")
	require.NoError(t, err)
	require.NoError(t, s.SetFaults(faults...))
	c.cluster(0) // GET /signers: read-5xx=0 turned it off there
	resp, b := c.do("POST", "/keys/import", []byte("{}"), nil)
	requireError(t, resp, b, http.StatusServiceUnavailable, "simulated")
}

// Whatever ParseFaults accepts, SetFaults accepts.
func FuzzParseFaults(f *testing.F) {
	for _, s := range []string{"429=0.05,import-5xx=0.01,import-drop=0.01", "bad-signature=1", "confirmed=0.3,sign-5xx-after=0.1", "x", "=", ",,", "drop=1e-3"} {
		f.Add(s)
	}
	s, err := StartServer()
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(s.Close)
	f.Fuzz(func(t *testing.T, spec string) {
		faults, err := ParseFaults(spec)
		if err != nil {
			return
		}
		if err := s.SetFaults(faults...); err != nil {
			t.Fatalf("ParseFaults(%q) gave faults SetFaults refuses: %v", spec, err)
		}
	})
}

// fatalTB records Fatal instead of ending the test.
type fatalTB struct{ msg string }

func (*fatalTB) Helper()             {}
func (f *fatalTB) Fatal(args ...any) { f.msg = fmt.Sprint(args...); runtime.Goexit() }
func (*fatalTB) Cleanup(func())      {}

func TestClient(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	// Ready to import: URL, token and the credential's signer.
	key := randomKey(t, keys.Ed25519)
	k, err := s.Client().ImportKey(context.Background(), key, dfnskeys.ImportKeyOptions{})
	require.NoError(t, err)
	require.Equal(t, key.PublicKeyHex(), k.PublicKey)
	// An option replaces the server's own.
	_, err = s.Client(dfnskeys.WithAuthToken(s.NewToken("Keys:Read"))).Signers.List(context.Background())
	require.ErrorContains(t, err, "Signers:ListSigners")
	// An invalid option fails NewServer's test, with the reason.
	ftb := &fatalTB{}
	s2, err := StartServer()
	require.NoError(t, err)
	defer s2.Close()
	s2.tb = ftb
	done := make(chan struct{})
	go func() { defer close(done); s2.Client(dfnskeys.WithUserAgent("a\nb")) }()
	<-done
	require.Equal(t, "dfnstest: Client: the user agent contains a line break", ftb.msg)
	// Without a test, it panics with the reason.
	s2.tb = nil
	require.PanicsWithError(t, "dfnstest: Client: the user agent contains a line break", func() { s2.Client(dfnskeys.WithUserAgent("a\nb")) })
}
