package sim

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/auth"
	"github.com/dfnskeys/dfnskeys/internal/signerid"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signers"
)

// Server is an in-process, Dfns-compatible API over simulated signing
// clusters: real routes with real validation (bearer tokens, permissions,
// signed user actions, signers that decrypt and check every share), plus
// inspection helpers and fault injection. All methods are safe for
// concurrent use.
type Server struct {
	ts        *httptest.Server
	prefix    string
	clusters  []*Cluster
	token     string
	credID    string
	credPEM   []byte
	closed    chan struct{}
	closeOnce sync.Once
	skew      atomic.Int64 // added to the clock, for expiry tests
	orgID     string       // named in the bearer tokens' claims
	tb        TB           // NewServer's test, for Client

	mu         sync.Mutex
	tokens     map[string]permissions
	creds      []*credential
	challenges map[string]*signedAction
	actions    map[string]*signedAction
	keys       []*StoredServerKey
	byID       map[string]*StoredServerKey
	wallets    map[string]*keys.Wallet
	requests   []RecordedRequest
	reqDropped int // requests dropped from the front of requests
	reqMax     int // 0: keep all
	inserts    int // challenges and tokens made, for sweepLocked
	faults     map[faultKey]*faultSlot
	latency    time.Duration
	listed     map[[2]int]signers.Signer // GET /signers substitutions
	substitute map[string]string         // key ID → the key answered for it (SubstituteKey)
	subExport  map[string]string         // key ID → the key exported for it (SubstituteExport)
	sigs       map[string]*sigRequest    // signature requests by ID
	sigsByExt  map[string]*sigRequest    // by key ID, a zero byte and externalId
	sigSeq     int                       // signature requests made
	gen        uint64                    // changes to the state kept in stateFile

	stateFile string     // WithStateFile
	addr      string     // the listen address, kept in stateFile
	restored  bool       // the state came from stateFile
	saveMu    sync.Mutex // serializes writes of stateFile
	savedGen  uint64     // the last change saved; guarded by saveMu

	keyIDPrefix string       // WithKeyIDPrefix
	faultLog    func(string) // WithFaultLog; nil: faults are not logged
}

// StoredServerKey is a key held by a [Server].
type StoredServerKey struct {
	// Key is the key as the API reports it.
	Key keys.Key
	// Shares is the key as its cluster holds it.
	Shares *StoredKey
	// ClusterID names the cluster holding the key.
	ClusterID string
	// WalletID is the wallet's ID when the key came from POST /wallets/import.
	WalletID string
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

// TB is the part of [testing.TB] that [NewServer] uses; *testing.T,
// *testing.B and *testing.F satisfy it. It keeps this package free of the
// testing package, so that programs such as the dfnskeys command can link
// it.
type TB interface {
	Helper()
	Fatal(args ...any)
	Cleanup(func())
}

// NewServer starts a [Server] for a test and closes it when the test ends;
// it fails the test when the server cannot start.
func NewServer(t TB, opts ...ServerOption) *Server {
	t.Helper()
	s, err := StartServer(opts...)
	if err != nil {
		t.Fatal(err)
	}
	s.tb = t
	t.Cleanup(s.Close)
	return s
}

// StartServer starts a [Server]; the caller must [Server.Close] it.
func StartServer(opts ...ServerOption) (*Server, error) {
	cfg := serverConfig{signers: 5, clusters: 1, addr: "127.0.0.1:0"}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.signers < 2 || cfg.signers > signerid.MaxSigners {
		return nil, fmt.Errorf("%d signers per cluster; want 2 to %d", cfg.signers, signerid.MaxSigners)
	}
	if cfg.clusters < 1 {
		return nil, fmt.Errorf("%d clusters; want at least 1", cfg.clusters)
	}
	if cfg.prefix == "/" {
		cfg.prefix = ""
	}
	if err := checkLoopback(cfg.addr); err != nil {
		return nil, err
	}
	s := &Server{
		stateFile:  cfg.stateFile,
		orgID:      "or-" + randomHex(8),
		prefix:     cfg.prefix,
		reqMax:     cfg.requestLog,
		closed:     make(chan struct{}),
		tokens:     map[string]permissions{},
		challenges: map[string]*signedAction{},
		actions:    map[string]*signedAction{},
		byID:       map[string]*StoredServerKey{},
		wallets:    map[string]*keys.Wallet{},
		faults:     map[faultKey]*faultSlot{},
		sigs:       map[string]*sigRequest{},
		sigsByExt:  map[string]*sigRequest{},
	}
	s.keyIDPrefix = cfg.hostile.keyIDPrefix
	s.faultLog = cfg.faultLog
	if s.stateFile != "" {
		var err error
		if s.restored, err = s.loadState(); err != nil {
			return nil, err
		}
	}
	if !s.restored {
		if err := s.generate(&cfg); err != nil {
			return nil, err
		}
		if err := s.SaveState(); err != nil {
			return nil, err
		}
	}

	addr := cfg.addr
	if s.restored && s.addr != "" && strings.HasSuffix(addr, ":0") {
		// No fixed address asked for: serve the URL of the saved state,
		// which journals and scripts recorded.
		addr = s.addr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil && addr != cfg.addr {
		// The saved address is taken (another simulator on the same
		// state?): serve elsewhere; the new URL is reported as usual.
		ln, err = net.Listen("tcp", cfg.addr)
	}
	if err != nil {
		return nil, err
	}
	if s.stateFile != "" && s.addr != ln.Addr().String() {
		s.addr = ln.Addr().String()
		if err := s.SaveState(); err != nil {
			ln.Close()
			return nil, err
		}
	}
	s.ts = &httptest.Server{Listener: ln, Config: &http.Server{Handler: s, ReadHeaderTimeout: time.Minute}}
	s.ts.Start()
	return s, nil
}

// generate makes a fresh state: clusters, credential and token.
func (s *Server) generate(cfg *serverConfig) error {
	for range cfg.clusters {
		c, err := NewCluster(cfg.signers)
		if err != nil {
			return err
		}
		s.clusters = append(s.clusters, c)
	}
	if cfg.hostile.clusterID != "" {
		s.clusters[0].ID = cfg.hostile.clusterID
	}
	var (
		pub  crypto.PublicKey
		priv any
		err  error
	)
	switch cfg.credAlg {
	case "", auth.AlgorithmEd25519:
		pub, priv, err = ed25519.GenerateKey(rand.Reader)
	case auth.AlgorithmECDSAP256:
		var k *ecdsa.PrivateKey
		if k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err == nil {
			pub, priv = k.Public(), k
		}
	case auth.AlgorithmRSA:
		var k *rsa.PrivateKey
		if k, err = rsa.GenerateKey(rand.Reader, 2048); err == nil {
			pub, priv = k.Public(), k
		}
	default:
		return fmt.Errorf("credential algorithm %q is not generated by the simulator: use %s, %s or %s, or register your own credential with RegisterCredential",
			cfg.credAlg, auth.AlgorithmEd25519, auth.AlgorithmECDSAP256, auth.AlgorithmRSA)
	}
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if ed, ok := priv.(ed25519.PrivateKey); ok {
		clear(ed)
	}
	if err != nil {
		return err
	}
	s.credPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	clear(der)
	s.credID = "Y2k-" + randomB64URL(16)
	s.creds = []*credential{{id: s.credID, kind: auth.KindKey, pub: pub}}
	s.token = s.NewToken()
	s.tokens[s.token] = nil
	return nil
}

// Close stops the server, ending any responses held by [Server.SetLatency].
// With [WithStateFile], it saves the state a last time (call
// [Server.SaveState] after Close to learn whether that works). It is safe
// to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.ts.Close()
		_ = s.SaveState()
	})
}

// Client returns a client of the server, as httptest.Server.Client does
// for HTTP: its base URL is [Server.URL], its token [Server.Token] (every
// permission) and it signs user actions with the default credential
// ([Server.CredentialID]). opts are applied after those, and may replace
// them (dfnskeys.WithAuthToken(s.NewToken(...)) for a narrower token) or
// add to them (dfnskeys.WithRetryPolicy, dfnskeys.WithHTTPClient, …).
// Without options it cannot fail. An invalid option fails the test of a
// server made by [NewServer]; for one made by [StartServer], Client panics,
// as the option is a mistake in the program.
func (s *Server) Client(opts ...dfnskeys.Option) *dfnskeys.Client {
	c, err := s.client(opts)
	if err != nil {
		if s.tb != nil {
			s.tb.Helper()
			s.tb.Fatal(err)
		}
		panic(err)
	}
	return c
}

func (s *Server) client(opts []dfnskeys.Option) (*dfnskeys.Client, error) {
	signer, err := auth.NewKeySigner(s.credID, s.credPEM)
	if err != nil {
		return nil, fmt.Errorf("dfnstest: the server's credential: %w", err)
	}
	all := append([]dfnskeys.Option{dfnskeys.WithBaseURL(s.URL()), dfnskeys.WithAuthToken(s.token), dfnskeys.WithSigner(signer)}, opts...)
	c, err := dfnskeys.NewClient(all...)
	if err != nil {
		return nil, fmt.Errorf("dfnstest: Client: %w", err)
	}
	return c, nil
}

// URL returns the base URL, including the path prefix, without a trailing
// slash.
func (s *Server) URL() string { return s.ts.URL + s.prefix }

// OrgID returns the simulated organisation's ID, which the bearer tokens'
// claims name.
func (s *Server) OrgID() string { return s.orgID }

// Token returns the default user's bearer token, which has every permission.
func (s *Server) Token() string { return s.token }

// CredentialID returns the ID of the default user's Ed25519 Key credential.
func (s *Server) CredentialID() string { return s.credID }

// CredentialPEM returns the private key of [Server.CredentialID] as PKCS#8
// PEM, for [auth.NewKeySigner].
func (s *Server) CredentialPEM() []byte { return bytes.Clone(s.credPEM) }

// Clusters returns the simulated clusters; the first is the default.
func (s *Server) Clusters() []*Cluster { return slices.Clone(s.clusters) }

// Keys returns copies of the stored keys in creation order.
func (s *Server) Keys() []*StoredServerKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*StoredServerKey, len(s.keys))
	for i, k := range s.keys {
		out[i] = k.clone()
	}
	return out
}

// KeyCount returns how many keys the server holds, without copying them:
// cheap enough to poll.
func (s *Server) KeyCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.keys)
}

// AddPlaceholderKeys adds n imported, active secp256k1 keys with random
// public keys and no shares, as an organisation's other keys: they are
// listed and read like any key, but cannot be exported. It makes large
// organisations cheap to simulate, to measure what listing them costs.
func (s *Server) AddPlaceholderKeys(n int) {
	now := s.now()
	s.mu.Lock()
	for range n {
		k := &StoredServerKey{
			Key: keys.Key{
				ID: "key-" + randomHex(10), Scheme: "ECDSA", Curve: keys.Secp256k1, PublicKey: "02" + randomHex(32),
				Status: "Active", Custodial: true, Imported: true, DateCreated: now,
			},
			ClusterID: s.clusters[0].ID,
		}
		s.keys = append(s.keys, k)
		s.byID[k.Key.ID] = k
	}
	gen := s.changedLocked()
	s.mu.Unlock()
	_ = s.persist(gen) // saved again on the next change and at Close
}

// Key returns a copy of the stored key with the given ID.
func (s *Server) Key(id string) (*StoredServerKey, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.byID[id]
	if !ok {
		return nil, false
	}
	return k.clone(), true
}

func (k *StoredServerKey) clone() *StoredServerKey {
	c := *k
	if d := k.Key.DateExported; d != nil {
		t := *d
		c.Key.DateExported = &t
	}
	if d := k.Key.DateDeleted; d != nil {
		t := *d
		c.Key.DateDeleted = &t
	}
	if st := k.Key.Store; st != nil {
		x := *st
		c.Key.Store = &x
	}
	c.Key.Wallets = slices.Clone(k.Key.Wallets)
	return &c
}

// DeleteKey marks key id deleted (dateDeleted set), as Dfns reports a
// deleted key: still listed and read, but it no longer signs. It reports
// whether the key exists.
func (s *Server) DeleteKey(id string) bool {
	return s.changeKey(id, func(k *keys.Key) {
		now := s.now()
		k.DateDeleted = &now
	})
}

// ArchiveKey sets key id's status to Archived: it no longer signs. It
// reports whether the key exists.
func (s *Server) ArchiveKey(id string) bool {
	return s.changeKey(id, func(k *keys.Key) { k.Status = "Archived" })
}

func (s *Server) changeKey(id string, f func(*keys.Key)) bool {
	s.mu.Lock()
	k, ok := s.byID[id]
	var gen uint64
	if ok {
		f(&k.Key)
		gen = s.changedLocked()
	}
	s.mu.Unlock()
	if ok {
		_ = s.persist(gen)
	}
	return ok
}

// Requests returns copies of every request received, in order of arrival.
func (s *Server) Requests() []RecordedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]RecordedRequest, len(s.requests))
	for i, r := range s.requests {
		r.Header = r.Header.Clone()
		r.Body = bytes.Clone(r.Body)
		out[i] = r
	}
	return out
}

// AdvanceClock moves the server's clock forward by d, to expire challenges
// and user-action tokens (see [UserActionTTL]). Dates the server reports
// move with it.
func (s *Server) AdvanceClock(d time.Duration) { s.skew.Add(int64(d)) }

func (s *Server) now() time.Time {
	return time.Now().Add(time.Duration(s.skew.Load())).UTC().Truncate(time.Millisecond)
}
