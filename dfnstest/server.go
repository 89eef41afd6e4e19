package dfnstest

import (
	"net/http"
	"testing"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/auth"
	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signers"
)

// Server is an in-process, Dfns-compatible API over simulated signing
// clusters: real routes with real validation (bearer tokens, permissions,
// signed user actions, signers that decrypt and check every share), plus
// inspection helpers and fault injection. All methods are safe for
// concurrent use. It holds no secret a print of it could show.
type Server struct {
	s *sim.Server
}

// Options configures [NewServer] and [StartServer]; the zero value is a
// server with one cluster of five signers.
type Options struct {
	// Signers is the number of signers per cluster, 2 to 256; 0 means 5.
	Signers int
	// Clusters is the number of clusters GET /signers lists; 0 means 1.
	// A key is imported into the cluster whose signers its shares name.
	Clusters int
	// PathPrefix, when set, serves the whole API under it, for example
	// "/api/v2"; [Server.URL] includes it. Requests outside the prefix get
	// 404.
	PathPrefix string
	// RequestLog, when positive, keeps only the last RequestLog requests
	// for [Server.Requests]; 0 keeps all of them, which suits tests (a
	// long-running server should bound it).
	RequestLog int
	// FaultLog, when set, is called with one line for every fault the
	// server injects: what it did, to which route, and which request it
	// hit (its number in order of arrival, from 1, its method and path),
	// such as "fault RateLimit (429, unprocessed) on POST /keys/import:
	// request 12, POST /keys/import". It may be called from several
	// goroutines at once.
	FaultLog func(line string)
	// CredentialAlgorithm is the kind of key of the default user's
	// credential ([Server.CredentialPEM]): auth.AlgorithmEd25519 (the
	// default, when empty), auth.AlgorithmECDSAP256 or auth.AlgorithmRSA,
	// each written as a PKCS#8 PEM that [auth.NewKeySigner] reads.
	CredentialAlgorithm auth.Algorithm
}

// simOptions are o as the simulator's options; a zero field keeps the
// simulator's default, and any other value reaches it to be checked.
func (o Options) simOptions() []sim.ServerOption {
	var out []sim.ServerOption
	if o.Signers != 0 {
		out = append(out, sim.WithSigners(o.Signers))
	}
	if o.Clusters != 0 {
		out = append(out, sim.WithClusters(o.Clusters))
	}
	if o.PathPrefix != "" {
		out = append(out, sim.WithPathPrefix(o.PathPrefix))
	}
	if o.RequestLog != 0 {
		out = append(out, sim.WithRequestLog(o.RequestLog))
	}
	if o.FaultLog != nil {
		out = append(out, sim.WithFaultLog(o.FaultLog))
	}
	if o.CredentialAlgorithm != "" {
		out = append(out, sim.WithCredentialAlgorithm(o.CredentialAlgorithm))
	}
	return out
}

// NewServer starts a [Server] for a test and closes it when the test ends;
// it fails the test when the server cannot start (an invalid option).
func NewServer(t testing.TB, opts Options) *Server {
	t.Helper()
	return &Server{sim.NewServer(t, opts.simOptions()...)}
}

// StartServer starts a [Server] on a loopback address, for a program rather
// than a test; the caller must [Server.Close] it.
func StartServer(opts Options) (*Server, error) {
	s, err := sim.StartServer(opts.simOptions()...)
	if err != nil {
		return nil, err
	}
	return &Server{s}, nil
}

// Close stops the server. It is safe to call more than once.
func (s *Server) Close() { s.s.Close() }

// Client returns a client of the server, as httptest.Server.Client does
// for HTTP: its base URL is [Server.URL], its token [Server.Token] (every
// permission) and it signs user actions with the default credential
// ([Server.CredentialID]). opts are applied after those, and may replace
// them (dfnskeys.WithAuthToken(s.NewToken(...)) for a narrower token) or
// add to them (dfnskeys.WithRetryPolicy, dfnskeys.WithHTTPClient, …).
// Without options it cannot fail. An invalid option fails the test of a
// server made by [NewServer]; for one made by [StartServer], Client panics,
// as the option is a mistake in the program.
func (s *Server) Client(opts ...dfnskeys.Option) *dfnskeys.Client { return s.s.Client(opts...) }

// URL returns the base URL, including the path prefix, without a trailing
// slash.
func (s *Server) URL() string { return s.s.URL() }

// Token returns the default user's bearer token, which has every permission.
func (s *Server) Token() string { return s.s.Token() }

// NewToken returns a new bearer token of the default user that has only the
// given permissions, such as "Keys:Read" or "Keys:Import".
func (s *Server) NewToken(permissions ...string) string { return s.s.NewToken(permissions...) }

// CredentialID returns the ID of the default user's Key credential.
func (s *Server) CredentialID() string { return s.s.CredentialID() }

// CredentialPEM returns the private key of [Server.CredentialID] as PKCS#8
// PEM, for [auth.NewKeySigner].
func (s *Server) CredentialPEM() []byte { return s.s.CredentialPEM() }

// Signers returns the clusters' true signers, as GET /signers lists them
// when no [Server.SubstituteListedSigner] is in force: what a test pins
// (dfnskeys.ImportKeyOptions.PinnedSigners). The first cluster is the
// default.
func (s *Server) Signers() *signers.ListResponse {
	out := &signers.ListResponse{}
	for _, c := range s.s.Clusters() {
		out.Clusters = append(out.Clusters, c.ListResponse().Clusters...)
	}
	return out
}

// StoredServerKey is a copy of a key held by a [Server].
type StoredServerKey struct {
	// Key is the key as the API reports it.
	Key keys.Key
	// Protocol is the protocol the key's cluster holds it under, which
	// the API does not report; empty for a key with no shares.
	Protocol keys.Protocol
	// ClusterID names the cluster holding the key.
	ClusterID string
	// WalletID is the wallet's ID when the key came from POST /wallets/import.
	WalletID string
}

func storedServerKey(k *sim.StoredServerKey) *StoredServerKey {
	out := &StoredServerKey{Key: k.Key, ClusterID: k.ClusterID, WalletID: k.WalletID}
	if k.Shares != nil {
		out.Protocol = k.Shares.Scheme.Protocol
	}
	return out
}

// Keys returns copies of the stored keys in creation order.
func (s *Server) Keys() []*StoredServerKey {
	ks := s.s.Keys()
	out := make([]*StoredServerKey, len(ks))
	for i, k := range ks {
		out[i] = storedServerKey(k)
	}
	return out
}

// CreateKey generates a key in the first cluster, as Dfns does for keys it
// creates itself (POST /keys): an ECDSA key is a CGGMP24 key, a Schnorr key
// FROST_BITCOIN, an EdDSA key FROST. The key is reported with imported
// false: a test can rehearse exporting a native key.
func (s *Server) CreateKey(req *keys.CreateRequest) (*StoredServerKey, error) {
	k, err := s.s.CreateKey(req)
	if err != nil {
		return nil, err
	}
	return storedServerKey(k), nil
}

// RecordedRequest is one request received by a [Server].
type RecordedRequest struct {
	// Method is the HTTP method.
	Method string
	// Path is the request path without the path prefix (or the whole path
	// when it is outside the prefix) and without the query.
	Path string
	// Query is the raw query string.
	Query string
	// Header is a copy of the request header with the values of
	// Authorization and X-DFNS-USERACTION replaced by "REDACTED".
	Header http.Header
	// Body is the request body (at most 1 MiB: a larger body gets 413).
	Body []byte
	// Status is the response status, or 0 when no response was sent
	// (dropped by a [DropResponse] fault, the client or server went
	// away) or the request is still being served.
	Status int
}

// Requests returns copies of every request received, in order of arrival
// (the last [Options.RequestLog] of them, when set).
func (s *Server) Requests() []RecordedRequest {
	rs := s.s.Requests()
	out := make([]RecordedRequest, len(rs))
	for i, r := range rs {
		out[i] = RecordedRequest(r)
	}
	return out
}

// SubstituteListedSigner makes GET /signers list sub in place of the
// signer at position i (in GET /signers order) of cluster ci, as a
// tampered API front end or an intercepting proxy would: whoever holds
// sub's decryption key then receives that signer's import shares. The
// cluster itself is unchanged, so an import that is sent fails there, and
// [Server.Signers] still reports the truth, for pinning. It returns an
// error when there is no such cluster or signer.
func (s *Server) SubstituteListedSigner(ci, i int, sub signers.Signer) error {
	return s.s.SubstituteListedSigner(ci, i, sub)
}

// SubstituteKey makes the API answer for key keyID with the key
// otherKeyID, consistently, as a compromised API front end could: GET /keys
// and GET /keys/{keyId} report keyID with the other key's curve, scheme
// and public key, and POST /keys/{keyId}/export (and the export of keyID's
// wallet) returns the other key's shares (which recover, and match the
// public key reported) while marking keyID exported, as Dfns would. It is
// a hostile-API rehearsal: a client that checks the export only against
// what the API says accepts the other key; one given the expected key
// (dfnskeys.ExportOptions.Expect, dfnskeys export --expect-public-key)
// refuses it (see the repository's docs/threat-model.md §2). [Server.Keys]
// still reports the truth. An empty otherKeyID ends the substitution. It
// returns an error when either key does not exist.
func (s *Server) SubstituteKey(keyID, otherKeyID string) error {
	return s.s.SubstituteKey(keyID, otherKeyID)
}

// SubstituteExport is [Server.SubstituteKey] for the export only:
// GET /keys and GET /keys/{keyId} report keyID truthfully, and the export
// returns the other key's shares and public key. It rehearses a hostile
// API that a client catches only after the export was sent (Dfns has then
// marked keyID exported). An empty otherKeyID ends it. It returns an error
// when either key does not exist.
func (s *Server) SubstituteExport(keyID, otherKeyID string) error {
	return s.s.SubstituteExport(keyID, otherKeyID)
}

// SignatureCount returns how many signature requests the server holds
// (POST /keys/{keyId}/signatures), to check how often a caller signed.
func (s *Server) SignatureCount() int { return s.s.SignatureCount() }
