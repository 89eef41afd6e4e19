package dfnstest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/dfnskeys/dfnskeys/auth"
	"github.com/dfnskeys/dfnskeys/internal/credkey"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signers"
)

// MaxBodySize is the largest request body the simulated API reads; a larger
// body gets 413.
const MaxBodySize = 1 << 20

// UserActionTTL is how long a user-action challenge, and the token it
// yields, stay valid.
const UserActionTTL = 5 * time.Minute

// Header names used by the simulated API.
const (
	// HeaderUserAction carries the user-action token on mutating calls.
	HeaderUserAction = "X-DFNS-USERACTION"
	// HeaderRequestID is set on every response.
	HeaderRequestID = "X-Request-Id"
)

// ServerOption configures [NewServer] and [StartServer].
type ServerOption func(*serverConfig)

type serverConfig struct {
	signers, clusters int
	prefix, addr      string
	requestLog        int
	stateFile         string
	latency           time.Duration
	credAlg           auth.Algorithm
	hostile           hostileConfig // WithClusterID, WithKeyIDPrefix
}

// WithCredentialAlgorithm chooses the kind of key of the default user's
// credential ([Server.CredentialPEM]): auth.AlgorithmEd25519 (the
// default), auth.AlgorithmECDSAP256 or auth.AlgorithmRSA, each written as
// a PKCS#8 PEM that [auth.NewKeySigner] reads. Other kinds, such as
// secp256k1 keys or passkeys, are added with [Server.RegisterCredential]
// and [Server.RegisterWebAuthnCredential].
func WithCredentialAlgorithm(alg auth.Algorithm) ServerOption {
	return func(c *serverConfig) { c.credAlg = alg }
}

// WithLatency delays every response by d from the start, as
// [Server.SetLatency] does later: a rehearsal of a distant API.
func WithLatency(d time.Duration) ServerOption { return func(c *serverConfig) { c.latency = d } }

// WithRequestLog keeps only the last n requests for [Server.Requests]
// (default: all of them, which suits tests; a long-running simulator
// should bound it).
func WithRequestLog(n int) ServerOption { return func(c *serverConfig) { c.requestLog = n } }

// WithSigners sets the number of signers per cluster (default 5).
func WithSigners(n int) ServerOption { return func(c *serverConfig) { c.signers = n } }

// WithClusters sets the number of clusters GET /signers lists (default 1).
// A key is imported into the cluster whose signers its shares name.
func WithClusters(n int) ServerOption { return func(c *serverConfig) { c.clusters = n } }

// WithPathPrefix serves the whole API under prefix, for example "/api/v2";
// [Server.URL] includes it. Requests outside the prefix get 404.
func WithPathPrefix(prefix string) ServerOption {
	return func(c *serverConfig) { c.prefix = "/" + strings.Trim(prefix, "/") }
}

// WithAddr sets the listen address of [StartServer] (default
// "127.0.0.1:0"). Only loopback hosts ("localhost", 127.0.0.0/8, ::1) are
// accepted.
func WithAddr(addr string) ServerOption { return func(c *serverConfig) { c.addr = addr } }

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

	mu            sync.Mutex
	tokens        map[string]permissions
	creds         []*credential
	challenges    map[string]*signedAction
	actions       map[string]*signedAction
	keys          []*StoredServerKey
	byID          map[string]*StoredServerKey
	wallets       map[string]*keys.Wallet
	requests      []RecordedRequest
	reqDropped    int // requests dropped from the front of requests
	reqMax        int // 0: keep all
	inserts       int // challenges and tokens made, for sweepLocked
	faults        map[string]*fault
	latency       time.Duration
	listed        map[[2]int]signers.Signer // GET /signers substitutions
	substitute    map[string]string         // key ID → the key answered for it (SubstituteKey)
	subExport     map[string]string         // key ID → the key exported for it (SubstituteExport)
	sigs          map[string]*sigRequest    // signature requests by ID
	sigsByExt     map[string]*sigRequest    // by key ID, a zero byte and externalId
	sigSeq        int                       // signature requests made
	confirmedRate float64                   // fraction of signatures reported Confirmed
	badSigs       int                       // signatures still to corrupt
	badSigRate    float64                   // fraction of signatures to corrupt
	gen           uint64                    // changes to the state kept in stateFile

	stateFile string     // WithStateFile
	addr      string     // the listen address, kept in stateFile
	restored  bool       // the state came from stateFile
	saveMu    sync.Mutex // serializes writes of stateFile
	savedGen  uint64     // the last change saved; guarded by saveMu

	keyIDPrefix string // WithKeyIDPrefix
}

// permissions is a token's permission set; nil means every permission.
type permissions map[string]bool

// credential is a credential of the default user. A registration under an
// existing ID replaces the whole value.
type credential struct {
	id         string
	kind       auth.CredentialKind // auth.KindKey or auth.KindFido2
	pub        crypto.PublicKey
	userHandle []byte // Fido2: the WebAuthn user.id, or nil to not check it
	signCount  uint32 // Fido2: the last signature counter seen; guarded by Server.mu
}

// signedAction is a pending challenge or an issued user-action token: the
// request it authorizes.
type signedAction struct {
	challenge          string // challenges only
	method, path, body string
	expires            time.Time
	used               bool // tokens only
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
	// Body is the request body (at most [MaxBodySize] bytes).
	Body []byte
	// Status is the response status, or 0 when no response was sent
	// (dropped by [Server.DropNextResponse], the client or server went
	// away) or the request is still being served.
	Status int
}

// route is one API route. A route with an activity is mutating: it needs a
// user action and can be held for policy approval.
type route struct {
	method, pattern string
	perm, activity  string
	handle          func(*Server, *call) (any, *apiError)
}

func (r *route) name() string { return r.method + " " + r.pattern }

var routes = []route{
	{"GET", "/signers", "Signers:ListSigners", "", (*Server).listSigners},
	{"POST", "/auth/action/init", "", "", (*Server).initAction},
	{"POST", "/auth/action", "", "", (*Server).completeAction},
	{"GET", "/keys", "Keys:Read", "", (*Server).listKeys},
	{"POST", "/keys", "Keys:Create", "Keys:Create", (*Server).createKey},
	{"GET", "/keys/{keyId}", "Keys:Read", "", (*Server).getKey},
	{"POST", "/keys/import", "Keys:Import", "Keys:Import", (*Server).importKey},
	{"POST", "/keys/{keyId}/export", "Keys:Export", "Keys:Export", (*Server).exportKey},
	{"POST", "/keys/{keyId}/signatures", "Keys:Signatures:Create", "Keys:Signatures:Create", (*Server).createSignature},
	{"GET", "/keys/{keyId}/signatures/{signatureId}", "Keys:Signatures:Read", "", (*Server).getSignature},
	{"GET", "/keys/{keyId}/signatures", "Keys:Signatures:Read", "", (*Server).listSignatures},
	{"GET", "/wallets/{walletId}", "Wallets:Read", "", (*Server).getWallet},
	{"POST", "/wallets/import", "Wallets:Import", "Wallets:Import", (*Server).importWallet},
	{"POST", "/wallets/{walletId}/export", "Wallets:Export", "Wallets:Export", (*Server).exportWallet},
}

// Routes returns the names of the simulated routes, such as
// "POST /keys/import", as the fault knobs take them.
func Routes() []string {
	out := make([]string, len(routes))
	for i := range routes {
		out[i] = routes[i].name()
	}
	return out
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
	t.Cleanup(s.Close)
	return s
}

// StartServer starts a [Server]; the caller must [Server.Close] it.
func StartServer(opts ...ServerOption) (*Server, error) {
	cfg := serverConfig{signers: 5, clusters: 1, addr: "127.0.0.1:0"}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.signers < 2 || cfg.signers > signers.MaxSigners {
		return nil, fmt.Errorf("%d signers per cluster; want 2 to %d", cfg.signers, signers.MaxSigners)
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
		latency:    cfg.latency,
		closed:     make(chan struct{}),
		tokens:     map[string]permissions{},
		challenges: map[string]*signedAction{},
		actions:    map[string]*signedAction{},
		byID:       map[string]*StoredServerKey{},
		wallets:    map[string]*keys.Wallet{},
		faults:     map[string]*fault{},
		sigs:       map[string]*sigRequest{},
		sigsByExt:  map[string]*sigRequest{},
	}
	s.keyIDPrefix = cfg.hostile.keyIDPrefix
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

// CheckListenAddr reports whether [WithAddr] accepts addr: a host and
// port, the host a loopback address.
func CheckListenAddr(addr string) error { return checkLoopback(addr) }

func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("listen address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("listen address %q is not a loopback address; the simulator listens only on localhost, 127.0.0.1 or ::1", addr)
	}
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

// RegisterCredential adds a Key credential to the default user, or replaces
// the credential with that ID (of either kind). pub is ed25519.PublicKey,
// *ecdsa.PublicKey (P-256), *secp256k1.PublicKey or *rsa.PublicKey; it
// panics on anything else, or on an empty credID. For a WebAuthn (Fido2)
// credential use [Server.RegisterWebAuthnCredential].
func (s *Server) RegisterCredential(credID string, pub crypto.PublicKey) {
	if credID == "" {
		panic("dfnstest: RegisterCredential: empty credential ID")
	}
	if _, err := credkey.MarshalPublicKeyPEM(pub); err != nil {
		panic(fmt.Sprintf("RegisterCredential(%q): %v", credID, err))
	}
	s.register(&credential{id: credID, kind: auth.KindKey, pub: pub})
}

// register adds cr, or replaces the credential with its ID.
func (s *Server) register(cr *credential) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := slices.IndexFunc(s.creds, func(c *credential) bool { return c.id == cr.id }); i >= 0 {
		s.creds[i] = cr
		return
	}
	s.creds = append(s.creds, cr)
}

// NewToken returns a new bearer token of the default user that has only the
// given permissions, such as "Keys:Read" or "Keys:Import".
func (s *Server) NewToken(permissions ...string) string {
	p := map[string]bool{}
	for _, x := range permissions {
		p[x] = true
	}
	tok := fakeJWT("token", s.orgID)
	s.mu.Lock()
	s.tokens[tok] = p
	s.mu.Unlock()
	return tok
}

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

// fault is the fault-injection state of one route.
type fault struct {
	failNext, failStatus     int
	rateLimitNext            int
	retryAfter               time.Duration
	errRate                  float64
	errStatus                int
	dropNext                 int
	failAfter, failAfterCode int
	delayAfter               int
	delayAfterDur            time.Duration
	policy                   bool
	// Rate-based faults (the count-based ones above take precedence).
	rateLimitRate     float64
	rateLimitRetry    time.Duration
	dropRate          float64
	failAfterRate     float64
	failAfterRateCode int
}

// faultFor returns the fault state of route; s.mu must be held. It panics on
// a name that is not in [Routes], so that a typo does not silently disable
// a fault.
func (s *Server) faultFor(route string) *fault {
	if !slices.Contains(Routes(), route) {
		panic(fmt.Sprintf("unknown route %q; routes are %q", route, Routes()))
	}
	f := s.faults[route]
	if f == nil {
		f = &fault{}
		s.faults[route] = f
	}
	return f
}

func (s *Server) setFault(route string, status int, set func(*fault)) {
	if status != 0 && (status < 400 || status > 599) {
		panic(fmt.Sprintf("fault status %d for %q is not an HTTP error status (400-599)", status, route))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	set(s.faultFor(route))
}

// SetLatency delays every response by d.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	s.latency = d
	s.mu.Unlock()
}

// The fault knobs below take a route name from [Routes], such as
// "POST /keys/import", and panic on any other; statuses must be 400 to 599.

// SetErrorRate makes a random fraction rate (0 to 1) of the requests to
// route fail with status before they are processed. Rate 0 turns it off.
func (s *Server) SetErrorRate(route string, rate float64, status int) {
	checkRate(route, rate)
	s.setFault(route, status, func(f *fault) { f.errRate, f.errStatus = rate, status })
}

// FailNext makes the next n requests to route fail with status before they
// are processed.
func (s *Server) FailNext(route string, n int, status int) {
	s.setFault(route, status, func(f *fault) { f.failNext, f.failStatus = n, status })
}

// RateLimitNext answers the next n requests to route with 429 and a
// Retry-After header of retryAfter in whole seconds, rounded up, without
// processing them.
func (s *Server) RateLimitNext(route string, n int, retryAfter time.Duration) {
	s.setFault(route, 0, func(f *fault) { f.rateLimitNext, f.retryAfter = n, retryAfter })
}

// DropNextResponse processes the next n requests to route (a key is
// created, a token consumed) and then closes the connection in the middle
// of the status line, so the client gets a transport error. Because bytes
// were received, net/http does not transparently retry, even a GET.
func (s *Server) DropNextResponse(route string, n int) {
	s.setFault(route, 0, func(f *fault) { f.dropNext = n })
}

// FailAfterProcessing processes the next n requests to route and then
// answers with status (for example 502 or 504) instead of the result.
func (s *Server) FailAfterProcessing(route string, n int, status int) {
	s.setFault(route, status, func(f *fault) { f.failAfter, f.failAfterCode = n, status })
}

// DelayAfterProcessing processes the next n requests to route and then
// holds the response for d, even if the client has given up: a client
// timeout during d leaves the request processed, the other ambiguous case.
func (s *Server) DelayAfterProcessing(route string, n int, d time.Duration) {
	s.setFault(route, 0, func(f *fault) { f.delayAfter, f.delayAfterDur = n, d })
}

// RateLimitRate answers a random fraction rate (0 to 1) of the requests to
// route with 429 and a Retry-After header of retryAfter in whole seconds,
// rounded up, without processing them. Rate 0 turns it off.
func (s *Server) RateLimitRate(route string, rate float64, retryAfter time.Duration) {
	checkRate(route, rate)
	s.setFault(route, 0, func(f *fault) { f.rateLimitRate, f.rateLimitRetry = rate, retryAfter })
}

// DropResponseRate processes a random fraction rate (0 to 1) of the
// requests to route and then drops their responses, as
// [Server.DropNextResponse] does. Rate 0 turns it off.
func (s *Server) DropResponseRate(route string, rate float64) {
	checkRate(route, rate)
	s.setFault(route, 0, func(f *fault) { f.dropRate = rate })
}

// FailAfterProcessingRate processes a random fraction rate (0 to 1) of the
// requests to route and then answers with status instead of the result, as
// [Server.FailAfterProcessing] does. Rate 0 turns it off.
func (s *Server) FailAfterProcessingRate(route string, rate float64, status int) {
	checkRate(route, rate)
	s.setFault(route, status, func(f *fault) { f.failAfterRate, f.failAfterRateCode = rate, status })
}

func checkRate(route string, rate float64) {
	if !(rate >= 0 && rate <= 1) {
		panic(fmt.Sprintf("dfnstest: fault rate %v for %q is not between 0 and 1", rate, route))
	}
}

// RequirePolicyApproval makes the mutating route answer 202 with a pending
// approval instead of processing the request (after the user action has
// been checked and consumed). It has no effect on other routes.
func (s *Server) RequirePolicyApproval(route string, on bool) {
	s.setFault(route, 0, func(f *fault) { f.policy = on })
}

// plan is what the faults do to one request.
type plan struct {
	pre        *apiError // fail before processing
	retryAfter string
	drop       bool
	failAfter  int
	delayAfter time.Duration
	policy     bool
}

func (s *Server) plan(route string) plan {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults[route]
	if f == nil {
		return plan{}
	}
	switch {
	case f.failNext > 0:
		f.failNext--
		return plan{pre: errorf(f.failStatus, "simulated failure (FailNext)")}
	case f.rateLimitNext > 0:
		f.rateLimitNext--
		secs := (f.retryAfter + time.Second - 1) / time.Second
		return plan{pre: errorf(http.StatusTooManyRequests, "rate limited: retry later"), retryAfter: strconv.FormatInt(int64(max(secs, 0)), 10)}
	case f.rateLimitRate > 0 && mrand.Float64() < f.rateLimitRate:
		secs := (f.rateLimitRetry + time.Second - 1) / time.Second
		return plan{pre: errorf(http.StatusTooManyRequests, "rate limited: retry later"), retryAfter: strconv.FormatInt(int64(max(secs, 0)), 10)}
	case f.errRate > 0 && mrand.Float64() < f.errRate:
		return plan{pre: errorf(f.errStatus, "simulated failure (SetErrorRate)")}
	}
	p := plan{policy: f.policy}
	switch {
	case f.dropNext > 0:
		f.dropNext--
		p.drop = true
	case f.failAfter > 0:
		f.failAfter--
		p.failAfter = f.failAfterCode
	case f.dropRate > 0 && mrand.Float64() < f.dropRate:
		p.drop = true
	case f.failAfterRate > 0 && mrand.Float64() < f.failAfterRate:
		p.failAfter = f.failAfterRateCode
	}
	if f.delayAfter > 0 {
		f.delayAfter--
		p.delayAfter = f.delayAfterDur
	}
	return p
}

// apiError is a Dfns error.
type apiError struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Message string            `json:"message"`
	Details map[string]string `json:"details,omitempty"`
}

func errorf(status int, format string, args ...any) *apiError {
	return &apiError{ID: "err-" + randomHex(8), Status: status, Message: fmt.Sprintf(format, args...)}
}

func (e *apiError) with(key, value string) *apiError {
	e.Details = map[string]string{key: value}
	return e
}

// call is one request being processed.
type call struct {
	r      *http.Request
	path   string // without prefix
	params map[string]string
	body   []byte
}

// ServeHTTP serves the simulated API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set(HeaderRequestID, "req-"+randomHex(8))
	body, err := readBody(w, r)
	path, inPrefix := r.URL.Path, true
	if s.prefix != "" {
		rest, ok := strings.CutPrefix(path, s.prefix)
		if inPrefix = ok && (rest == "" || rest[0] == '/'); inPrefix {
			path = rest
		}
	}
	hdr := r.Header.Clone()
	for _, h := range []string{"Authorization", HeaderUserAction} {
		if vs := hdr.Values(h); len(vs) > 0 {
			hdr[http.CanonicalHeaderKey(h)] = slices.Repeat([]string{"REDACTED"}, len(vs))
		}
	}
	s.mu.Lock()
	seq := s.reqDropped + len(s.requests)
	s.requests = append(s.requests, RecordedRequest{Method: r.Method, Path: path, Query: r.URL.RawQuery, Header: hdr, Body: body})
	if over := len(s.requests) - s.reqMax; s.reqMax > 0 && over > 0 {
		s.requests = slices.Delete(s.requests, 0, over)
		s.reqDropped += over
	}
	s.mu.Unlock()

	status := s.serve(w, &call{r: r, path: path, body: body}, inPrefix, err)

	s.mu.Lock()
	if i := seq - s.reqDropped; i >= 0 {
		s.requests[i].Status = status
	}
	s.mu.Unlock()
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodySize))
	if len(b) == 0 {
		b = nil
	}
	return b, err
}

// serve answers one request and returns the status sent (0 for none).
func (s *Server) serve(w http.ResponseWriter, c *call, inPrefix bool, bodyErr error) int {
	if !s.wait(c.r) {
		return 0
	}
	if bodyErr != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(bodyErr, &mbe) {
			return write(w, http.StatusRequestEntityTooLarge, errorf(http.StatusRequestEntityTooLarge, "request body is larger than %d bytes", MaxBodySize))
		}
		return write(w, http.StatusBadRequest, errorf(http.StatusBadRequest, "failed to read the request body"))
	}
	if !inPrefix {
		return write(w, http.StatusNotFound, errorf(http.StatusNotFound, "no route for %s %s: the API is served under %s", c.r.Method, c.path, s.prefix))
	}
	rt, params, allow := match(c.r.Method, c.path)
	if rt == nil {
		if allow != "" {
			w.Header().Set("Allow", allow)
			return write(w, http.StatusMethodNotAllowed, errorf(http.StatusMethodNotAllowed, "method %s is not allowed on %s; allowed: %s", c.r.Method, c.path, allow))
		}
		return write(w, http.StatusNotFound, errorf(http.StatusNotFound, "no route for %s %s", c.r.Method, c.path))
	}
	c.params = params
	p := s.plan(rt.name())
	if p.pre != nil {
		if p.retryAfter != "" {
			w.Header().Set("Retry-After", p.retryAfter)
		}
		return write(w, p.pre.Status, p.pre)
	}
	status, v := s.process(rt, c, p.policy)
	if p.delayAfter > 0 {
		time.Sleep(p.delayAfter)
	}
	switch {
	case p.drop:
		drop(w)
		return 0
	case p.failAfter != 0:
		return write(w, p.failAfter, errorf(p.failAfter, "simulated failure after processing (FailAfterProcessing)"))
	}
	return write(w, status, v)
}

// wait applies the latency; it reports false if the client or the server
// went away meanwhile.
func (s *Server) wait(r *http.Request) bool {
	s.mu.Lock()
	d := s.latency
	s.mu.Unlock()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-s.closed:
	}
	return false
}

// match finds the route for method and path; when only the method is
// wrong, it returns the allowed methods instead.
func match(method, path string) (*route, map[string]string, string) {
	var allow []string
	segs := strings.Split(path, "/")
	for i := range routes {
		rt := &routes[i]
		pat := strings.Split(rt.pattern, "/")
		if len(pat) != len(segs) {
			continue
		}
		params := map[string]string{}
		ok := true
		for j, p := range pat {
			if strings.HasPrefix(p, "{") && segs[j] != "" {
				params[strings.Trim(p, "{}")] = segs[j]
			} else if p != segs[j] {
				ok = false
				break
			}
		}
		switch {
		case !ok:
		case rt.method == method:
			return rt, params, ""
		case !slices.Contains(allow, rt.method):
			allow = append(allow, rt.method)
		}
	}
	return nil, nil, strings.Join(allow, ", ")
}

// process checks authorization, the body and the user action, then runs
// the route. It returns the status and the body to send.
func (s *Server) process(rt *route, c *call, policy bool) (int, any) {
	e := s.authorize(rt, c)
	if e == nil && rt.activity != "" {
		if e = s.consumeUserAction(c); e == nil && policy {
			return http.StatusAccepted, pendingApproval(rt.activity)
		}
	}
	if e != nil {
		return e.Status, e
	}
	v, e := rt.handle(s, c)
	if e != nil {
		return e.Status, e
	}
	return http.StatusOK, v
}

func (s *Server) authorize(rt *route, c *call) *apiError {
	tok, ok := strings.CutPrefix(c.r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	perms, known := s.tokens[tok]
	s.mu.Unlock()
	if !ok || !known {
		return errorf(http.StatusUnauthorized, "missing or invalid bearer token: send Authorization: Bearer <token>")
	}
	if rt.perm != "" && perms != nil && !perms[rt.perm] {
		return errorf(http.StatusForbidden, "the token lacks the permission %s required by %s", rt.perm, rt.name()).with("permission", rt.perm)
	}
	if c.r.Method == http.MethodPost {
		if mt, _, err := mime.ParseMediaType(c.r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			return errorf(http.StatusBadRequest, "Content-Type must be application/json")
		}
	}
	return nil
}

// consumeUserAction checks the X-DFNS-USERACTION token against the request
// and spends it, whatever the outcome of the request.
func (s *Server) consumeUserAction(c *call) *apiError {
	tok := c.r.Header.Get(HeaderUserAction)
	if tok == "" {
		return errorf(http.StatusForbidden, "%s %s requires a signed user action in the %s header", c.r.Method, c.path, HeaderUserAction)
	}
	s.mu.Lock()
	a := s.actions[tok]
	var used bool
	if a != nil {
		used, a.used = a.used, true
	}
	s.mu.Unlock()
	switch {
	case a == nil:
		return errorf(http.StatusBadRequest, "unknown user action token")
	case used:
		return errorf(http.StatusBadRequest, "user action token already used: sign a new user action for every request")
	case s.now().After(a.expires):
		return errorf(http.StatusBadRequest, "user action token expired")
	case a.method != c.r.Method || (a.path != c.path && a.path != strings.TrimPrefix(c.r.URL.EscapedPath(), s.prefix)):
		// The path signed is the path sent: escaped where the ID needs it
		// (a key ID with a space or a control character), or as is.
		return errorf(http.StatusForbidden, "the user action was signed for %s %s, but this request is %s %s", a.method, a.path, c.r.Method, c.path)
	case a.body != string(c.body):
		return errorf(http.StatusForbidden, "the request body differs from the user action payload that was signed: send exactly the signed bytes")
	}
	s.mu.Lock()
	a.body = "" // spent: only the used flag matters from now on
	s.mu.Unlock()
	return nil
}

// sweepLocked forgets expired challenges and user-action tokens, every
// 1024 insertions, so that a long-running simulator stays small. s.mu must
// be held.
func (s *Server) sweepLocked() {
	s.inserts++
	if s.inserts%1024 != 0 {
		return
	}
	now := s.now()
	for k, a := range s.challenges {
		if now.After(a.expires) {
			delete(s.challenges, k)
		}
	}
	for k, a := range s.actions {
		if now.After(a.expires) {
			delete(s.actions, k)
		}
	}
}

// AdvanceClock moves the server's clock forward by d, to expire challenges
// and user-action tokens (see [UserActionTTL]). Dates the server reports
// move with it.
func (s *Server) AdvanceClock(d time.Duration) { s.skew.Add(int64(d)) }

func (s *Server) now() time.Time {
	return time.Now().Add(time.Duration(s.skew.Load())).UTC().Truncate(time.Millisecond)
}

// approval is the body of a 202: a policy approval that is pending.
type approval struct {
	ID          string   `json:"id"`
	InitiatorID string   `json:"initiatorId"`
	Status      string   `json:"status"`
	Activity    activity `json:"activity"`
	Decisions   []string `json:"decisions"`
	DateCreated string   `json:"dateCreated"`
}

type activity struct {
	Kind string `json:"kind"`
}

func pendingApproval(kind string) *approval {
	return &approval{
		ID: "ap-" + randomHex(8), InitiatorID: "us-simulator", Status: "Pending",
		Activity: activity{Kind: kind}, Decisions: []string{},
		DateCreated: time.Now().UTC().Format(time.RFC3339),
	}
}

func write(w http.ResponseWriter, status int, v any) int {
	if e, ok := v.(*apiError); ok {
		v = struct {
			Error *apiError `json:"error"`
		}{e}
	}
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"status":500,"message":"failed to encode the response"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
	return status
}

// drop closes the connection after a partial status line.
func drop(w http.ResponseWriter) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_, _ = buf.WriteString("HTTP/1.1 200 OK\r\n")
	_ = buf.Flush()
	_ = conn.Close()
}

func decode(body []byte, v any) *apiError {
	if err := json.Unmarshal(body, v); err != nil {
		return errorf(http.StatusBadRequest, "malformed JSON body: %v", err)
	}
	return nil
}

func (s *Server) listSigners(*call) (any, *apiError) {
	resp := &signers.ListResponse{}
	s.mu.Lock()
	defer s.mu.Unlock()
	for ci, c := range s.clusters {
		ss := c.WireSigners()
		for si := range ss {
			if sub, ok := s.listed[[2]int{ci, si}]; ok {
				ss[si] = sub
			}
		}
		resp.Clusters = append(resp.Clusters, signers.Cluster{ClusterID: c.ID, Signers: ss})
	}
	return resp, nil
}

// SubstituteListedSigner makes GET /signers list sub in place of the
// signer at position i (in [Cluster.WireSigners] order) of cluster ci, as a
// tampered API front end or an intercepting proxy would: whoever holds
// sub's decryption key then receives that signer's import shares. The
// cluster itself is unchanged, so an import that is sent fails there.
func (s *Server) SubstituteListedSigner(ci, i int, sub signers.Signer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listed == nil {
		s.listed = map[[2]int]signers.Signer{}
	}
	s.listed[[2]int{ci, i}] = sub
}

func (s *Server) initAction(c *call) (any, *apiError) {
	var req auth.UserActionInitRequest
	if e := decode(c.body, &req); e != nil {
		return nil, e
	}
	m, p := req.UserActionHTTPMethod, req.UserActionHTTPPath
	switch {
	case req.UserActionServerKind != auth.ServerKindAPI:
		return nil, errorf(http.StatusBadRequest, "userActionServerKind must be %q", auth.ServerKindAPI)
	case m == "" || strings.ToUpper(m) != m || strings.ContainsAny(m, " \t\r\n"):
		return nil, errorf(http.StatusBadRequest, "userActionHttpMethod %q is not an upper-case HTTP method", m)
	case !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "?# \t\r\n"):
		return nil, errorf(http.StatusBadRequest, "userActionHttpPath %q must be a path starting with \"/\", without host or query", p)
	}
	a := &signedAction{challenge: randomB64URL(32), method: m, path: p, body: req.UserActionPayload, expires: s.now().Add(UserActionTTL)}
	id := fakeJWT("challenge", "")
	s.mu.Lock()
	s.challenges[id] = a
	s.sweepLocked()
	allow := auth.AllowCredentials{Key: []auth.AllowCredential{}, WebAuthn: []auth.AllowCredential{}}
	for _, cr := range s.creds {
		ac := auth.AllowCredential{Type: "public-key", ID: cr.id}
		if cr.kind == auth.KindFido2 {
			allow.WebAuthn = append(allow.WebAuthn, ac)
		} else {
			allow.Key = append(allow.Key, ac)
		}
	}
	s.mu.Unlock()
	return &auth.UserActionChallenge{
		Challenge:           a.challenge,
		ChallengeIdentifier: id,
		AllowCredentials:    allow,
		SupportedCredentialKinds: []auth.SupportedCredentialKind{
			{Kind: string(auth.KindKey), Factor: "first"},
			{Kind: string(auth.KindFido2), Factor: "first"},
		},
		UserVerification: "required",
		RP:               &auth.RelyingParty{ID: WebAuthnRPID, Name: "Dfns simulator"},
		Attestation:      "direct",
	}, nil
}

func (s *Server) completeAction(c *call) (any, *apiError) {
	var req auth.UserActionRequest
	if e := decode(c.body, &req); e != nil {
		return nil, e
	}
	s.mu.Lock()
	a := s.challenges[req.ChallengeIdentifier]
	delete(s.challenges, req.ChallengeIdentifier)
	s.mu.Unlock()
	if a == nil {
		return nil, errorf(http.StatusBadRequest, "unknown or already used challengeIdentifier: start again with POST /auth/action/init")
	}
	if s.now().After(a.expires) {
		return nil, errorf(http.StatusBadRequest, "the challenge has expired: start again with POST /auth/action/init")
	}
	f := &req.FirstFactor
	if f.Kind != auth.KindKey && f.Kind != auth.KindFido2 {
		return nil, errorf(http.StatusBadRequest, "firstFactor.kind %q is not supported: use %q or %q", f.Kind, auth.KindKey, auth.KindFido2)
	}
	if err := f.Validate(); err != nil {
		return nil, errorf(http.StatusBadRequest, "%v", err)
	}
	ca := &f.CredentialAssertion
	s.mu.Lock()
	var cr *credential
	if i := slices.IndexFunc(s.creds, func(c *credential) bool { return c.id == ca.CredID }); i >= 0 {
		cr = s.creds[i]
	}
	s.mu.Unlock()
	if e := s.verifyAssertion(f.Kind, cr, ca, a.challenge); e != nil {
		return nil, e
	}
	tok := fakeJWT("userAction", "")
	s.mu.Lock()
	s.actions[tok] = &signedAction{method: a.method, path: a.path, body: a.body, expires: s.now().Add(UserActionTTL)}
	s.sweepLocked()
	s.mu.Unlock()
	return &auth.UserActionResponse{UserAction: tok}, nil
}

// verifyAssertion checks the assertion ca of kind against cr, the
// registered credential with its ID (nil if there is none).
func (s *Server) verifyAssertion(kind auth.CredentialKind, cr *credential, ca *auth.CredentialAssertion, challenge string) *apiError {
	name := map[auth.CredentialKind]string{auth.KindKey: "a Key", auth.KindFido2: "a WebAuthn (Fido2)"}
	switch {
	case cr == nil:
		return errorf(http.StatusUnauthorized, "credential %q is not %s credential of this user", ca.CredID, name[kind])
	case cr.kind != kind:
		return errorf(http.StatusUnauthorized, "credential %q is not %s credential of this user: it is registered as %s credential, so answer with kind %q", ca.CredID, name[kind], name[cr.kind], cr.kind)
	case kind == auth.KindKey:
		if err := credkey.VerifyKeyAssertion(cr.pub, ca.ClientData, ca.Signature, challenge); err != nil {
			return errorf(http.StatusUnauthorized, "user action signature verification failed: %v", err)
		}
		return nil
	}
	count, err := verifyWebAuthn(cr, ca, challenge)
	if err != nil {
		return errorf(http.StatusUnauthorized, "WebAuthn assertion verification failed: %v", err)
	}
	// WebAuthn Level 2 §7.2 step 21: a counter that does not increase
	// signals a cloned authenticator. Synced passkeys always report 0.
	s.mu.Lock()
	defer s.mu.Unlock()
	if (count != 0 || cr.signCount != 0) && count <= cr.signCount {
		return errorf(http.StatusUnauthorized, "WebAuthn assertion verification failed: the signature counter %d is not above the last one seen, %d: the authenticator may have been cloned", count, cr.signCount)
	}
	cr.signCount = count
	return nil
}

const pageTokenPrefix = "after:"

func (s *Server) listKeys(c *call) (any, *apiError) {
	q := c.r.URL.Query()
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return nil, errorf(http.StatusBadRequest, "limit must be an integer from 1 to 500")
		}
		limit = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	start := 0
	if t := q.Get("paginationToken"); t != "" {
		b, err := base64.RawURLEncoding.DecodeString(t)
		id, ok := strings.CutPrefix(string(b), pageTokenPrefix)
		k := s.byID[id]
		if err != nil || !ok || k == nil {
			return nil, errorf(http.StatusBadRequest, "invalid paginationToken")
		}
		start = slices.Index(s.keys, k) + 1
	}
	end := min(start+limit, len(s.keys))
	resp := &keys.ListResponse{Items: []keys.Key{}}
	for _, k := range s.keys[start:end] {
		resp.Items = append(resp.Items, s.answeredLocked(k))
	}
	if end < len(s.keys) {
		resp.NextPageToken = base64.RawURLEncoding.EncodeToString([]byte(pageTokenPrefix + s.keys[end-1].Key.ID))
	}
	return resp, nil
}

func (s *Server) getKey(c *call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.byID[c.params["keyId"]]
	if !ok {
		return nil, errorf(http.StatusNotFound, "key %s not found", c.params["keyId"])
	}
	key := s.answeredLocked(k)
	return &key, nil
}

// SubstituteKey makes the server answer for keyID with the key otherKeyID,
// consistently, as a compromised API front end could: GET /keys and
// GET /keys/{keyId} report keyID with the other key's curve, scheme and
// public key, and POST /keys/{keyId}/export (and the export of keyID's
// wallet) returns the other key's shares (which recover, and match the
// public key reported) while marking keyID exported, as Dfns would. It is a hostile-API rehearsal: a client that
// checks the export only against what the API says accepts the other key;
// one given the expected key (dfnskeys.ExportOptions.Expect, dfnskeys
// export --expect-public-key) refuses it (see docs/threat-model.md §2).
// [Server.Key] still reports the truth. An empty otherKeyID ends the
// substitution. Substitutions are not kept in a state file. It panics when
// either key does not exist.
func (s *Server) SubstituteKey(keyID, otherKeyID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byID[keyID] == nil || (otherKeyID != "" && s.byID[otherKeyID] == nil) {
		panic(fmt.Sprintf("dfnstest: SubstituteKey(%q, %q): no such key", keyID, otherKeyID))
	}
	if otherKeyID == "" {
		delete(s.substitute, keyID)
		return
	}
	if s.substitute == nil {
		s.substitute = map[string]string{}
	}
	s.substitute[keyID] = otherKeyID
}

// SubstituteExport is [Server.SubstituteKey] for the export only:
// GET /keys and GET /keys/{keyId} report keyID truthfully, and the export
// returns the other key's shares and public key. It rehearses a hostile
// API that a client catches only after the export was sent (Dfns has then
// marked keyID exported). An empty otherKeyID ends it. It panics when
// either key does not exist.
func (s *Server) SubstituteExport(keyID, otherKeyID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byID[keyID] == nil || (otherKeyID != "" && s.byID[otherKeyID] == nil) {
		panic(fmt.Sprintf("dfnstest: SubstituteExport(%q, %q): no such key", keyID, otherKeyID))
	}
	if otherKeyID == "" {
		delete(s.subExport, keyID)
		return
	}
	if s.subExport == nil {
		s.subExport = map[string]string{}
	}
	s.subExport[keyID] = otherKeyID
}

// exportedForLocked returns the key whose shares an export of k returns.
func (s *Server) exportedForLocked(k *StoredServerKey) *StoredServerKey {
	for _, m := range []map[string]string{s.subExport, s.substitute} {
		if other := s.byID[m[k.Key.ID]]; other != nil {
			return other
		}
	}
	return k
}

// answeredLocked returns k as the API reports it: with the public key of
// the key substituted for it, if any.
func (s *Server) answeredLocked(k *StoredServerKey) keys.Key {
	key := k.clone().Key
	if other := s.byID[s.substitute[k.Key.ID]]; other != nil {
		key.Curve, key.Scheme, key.PublicKey = other.Key.Curve, other.Key.Scheme, other.Key.PublicKey
	}
	return key
}

func (s *Server) getWallet(c *call) (any, *apiError) {
	id := c.params["walletId"]
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.wallets[id]
	if !ok {
		return nil, errorf(http.StatusNotFound, "wallet %s not found", id)
	}
	return *w, nil
}

func (s *Server) importKey(c *call) (any, *apiError) {
	var req keys.ImportRequest
	if e := decode(c.body, &req); e != nil {
		return nil, e
	}
	k, e := s.importShares(&req, "")
	if e != nil {
		return nil, e
	}
	return &k.Key, nil
}

// nativeSchemes maps a POST /keys scheme and curve to the protocol Dfns
// uses for keys it creates: CGGMP24 for every ECDSA key.
var nativeSchemes = map[string]map[keys.Curve]keys.Protocol{
	"ECDSA":   {keys.Secp256k1: keys.CGGMP24, keys.Stark: keys.CGGMP24},
	"Schnorr": {keys.Secp256k1: keys.FROSTBitcoin},
	"EdDSA":   {keys.Ed25519: keys.FROST},
}

// createKey serves POST /keys: see [Server.CreateKey].
func (s *Server) createKey(c *call) (any, *apiError) {
	var req keys.CreateRequest
	if e := decode(c.body, &req); e != nil {
		return nil, e
	}
	k, err := s.CreateKey(&req)
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "%v", err)
	}
	return &k.Key, nil
}

// CreateKey generates a key in the first cluster, as Dfns does for keys it
// creates itself (POST /keys): an ECDSA key is a CGGMP24 key, a Schnorr key
// FROST_BITCOIN, an EdDSA key FROST. The key is reported with imported
// false. Tests and the demo use it to rehearse exporting a native key.
func (s *Server) CreateKey(req *keys.CreateRequest) (*StoredServerKey, error) {
	if n := utf8.RuneCountInString(req.Name); n > keys.MaxNameLength {
		return nil, fmt.Errorf("name is %d characters; at most %d are allowed", n, keys.MaxNameLength)
	}
	protocol, ok := nativeSchemes[req.Scheme][req.Curve]
	if !ok {
		return nil, fmt.Errorf("scheme %q with curve %q is not supported: use ECDSA with secp256k1 or stark, Schnorr with secp256k1, or EdDSA with ed25519", req.Scheme, req.Curve)
	}
	scheme := keys.Scheme{Protocol: protocol, Curve: req.Curve}
	cl := s.clusters[0]
	sk, err := cl.Generate(scheme, min(keys.DefaultThreshold, len(cl.Signers)))
	if err != nil {
		return nil, fmt.Errorf("key generation failed: %w", err)
	}
	k := &StoredServerKey{
		Key: keys.Key{
			ID: s.newKeyID(), Name: req.Name, Scheme: scheme.SchemeName(), Curve: req.Curve,
			PublicKey: sk.PublicKeyHex(), Status: "Active", Custodial: true, DateCreated: s.now(),
		},
		Shares: sk, ClusterID: cl.ID,
	}
	s.mu.Lock()
	s.keys = append(s.keys, k)
	s.byID[k.Key.ID] = k
	gen := s.changedLocked()
	out := k.clone() // under the lock: an export may change k at once
	s.mu.Unlock()
	if err := s.persist(gen); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Server) importWallet(c *call) (any, *apiError) {
	var req keys.WalletImportRequest
	if e := decode(c.body, &req); e != nil {
		return nil, e
	}
	if req.Network == "" {
		return nil, errorf(http.StatusBadRequest, "network is required")
	}
	id := "wa-" + randomHex(8)
	k, e := s.importShares(&req.ImportRequest, id)
	if e != nil {
		return nil, e
	}
	w := &keys.Wallet{
		ID: id, Network: req.Network, Name: req.Name, Status: "Active", ExternalID: req.ExternalID,
		SigningKey: keys.WalletSigningKey{ID: k.Key.ID, Scheme: k.Key.Scheme, Curve: k.Key.Curve, PublicKey: k.Key.PublicKey},
		Custodial:  true, Imported: true, DateCreated: k.Key.DateCreated,
	}
	s.mu.Lock()
	s.wallets[id] = w
	gen := s.changedLocked()
	s.mu.Unlock()
	if err := s.persist(gen); err != nil {
		return nil, errorf(http.StatusInternalServerError, "the wallet was imported, but %v", err)
	}
	return *w, nil
}

// importShares has the signers check and store an import request.
func (s *Server) importShares(req *keys.ImportRequest, walletID string) (*StoredServerKey, *apiError) {
	if n := utf8.RuneCountInString(req.Name); n > keys.MaxNameLength {
		return nil, errorf(http.StatusBadRequest, "name is %d characters; at most %d are allowed", n, keys.MaxNameLength)
	}
	scheme := keys.Scheme{Protocol: req.Protocol, Curve: req.Curve}
	if err := scheme.Validate(); err != nil {
		return nil, errorf(http.StatusBadRequest, "%v", err)
	}
	if req.MasterKey {
		return nil, errorf(http.StatusBadRequest, "masterKey imports are not simulated: their share format is not public")
	}
	if len(req.EncryptedKeyShares) == 0 {
		return nil, errorf(http.StatusBadRequest, "encryptedKeyShares is empty")
	}
	first := req.EncryptedKeyShares[0].SignerID
	i := slices.IndexFunc(s.clusters, func(c *Cluster) bool { return c.signer(first) != nil })
	if i < 0 {
		return nil, errorf(http.StatusBadRequest, "signer %q is not in any cluster; list them with GET /signers", first).with("signerId", first)
	}
	cl := s.clusters[i]
	sk, err := cl.Import(req)
	if err != nil {
		e := errorf(http.StatusBadRequest, "key import failed: %v", err)
		if se := (*SignerError)(nil); errors.As(err, &se) {
			e.with("signerId", se.SignerID)
		}
		return nil, e
	}
	k := &StoredServerKey{
		Key: keys.Key{
			ID: s.newKeyID(), Name: req.Name, Scheme: scheme.SchemeName(), Curve: req.Curve,
			PublicKey: sk.PublicKeyHex(), Status: "Active", Custodial: true, Imported: true, DateCreated: s.now(),
		},
		Shares: sk, ClusterID: cl.ID, WalletID: walletID,
	}
	s.mu.Lock()
	s.keys = append(s.keys, k)
	s.byID[k.Key.ID] = k
	gen := s.changedLocked()
	out := k.clone() // under the lock: an export may change k at once
	s.mu.Unlock()
	if err := s.persist(gen); err != nil {
		return nil, errorf(http.StatusInternalServerError, "the key was imported, but %v", err)
	}
	return out, nil
}

func (s *Server) exportKey(c *call) (any, *apiError) {
	id := c.params["keyId"]
	s.mu.Lock()
	k := s.byID[id]
	src := k
	if k != nil {
		src = s.exportedForLocked(k)
	}
	s.mu.Unlock()
	if k == nil {
		return nil, errorf(http.StatusNotFound, "key %s not found", id)
	}
	return s.export(k, src, c.body)
}

func (s *Server) exportWallet(c *call) (any, *apiError) {
	id := c.params["walletId"]
	s.mu.Lock()
	var k, src *StoredServerKey
	if w := s.wallets[id]; w != nil {
		if k = s.byID[w.SigningKey.ID]; k != nil {
			src = s.exportedForLocked(k)
		}
	}
	s.mu.Unlock()
	if k == nil {
		return nil, errorf(http.StatusNotFound, "wallet %s not found", id)
	}
	return s.export(k, src, c.body)
}

// export has the cluster export src's shares, then marks k (and its
// wallet) exported: src is k, or the key substituted for it
// ([Server.SubstituteKey]). Repeated exports are allowed.
func (s *Server) export(k, src *StoredServerKey, body []byte) (any, *apiError) {
	var req keys.ExportRequest
	if e := decode(body, &req); e != nil {
		return nil, e
	}
	if src.Shares == nil {
		return nil, errorf(http.StatusBadRequest, "key %s is a placeholder with no shares (AddPlaceholderKeys): it cannot be exported", k.Key.ID)
	}
	cl := s.clusters[slices.IndexFunc(s.clusters, func(c *Cluster) bool { return c.ID == src.ClusterID })]
	resp, err := cl.Export(src.Shares, &req)
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "key export failed: %v", err)
	}
	s.mu.Lock()
	k.Key.Exported = true
	if k.Key.DateExported == nil {
		now := s.now()
		k.Key.DateExported = &now
	}
	if w := s.wallets[k.WalletID]; w != nil {
		w.Exported = true
	}
	gen := s.changedLocked()
	s.mu.Unlock()
	if err := s.persist(gen); err != nil {
		return nil, errorf(http.StatusInternalServerError, "the key was exported, but %v", err)
	}
	return resp, nil
}

// fakeJWT returns a random opaque token shaped like a JWT. With an
// organisation ID, its claims name it as Dfns's access tokens do, in
// "https://custom/app_metadata".
func fakeJWT(kind, orgID string) string {
	enc := base64.RawURLEncoding
	org := ""
	if orgID != "" {
		org = fmt.Sprintf(`,"https://custom/app_metadata":{"orgId":%q,"tokenKind":"Service"}`, orgID)
	}
	return enc.EncodeToString([]byte(`{"alg":"EdDSA","typ":"JWT"}`)) + "." +
		enc.EncodeToString(fmt.Appendf(nil, `{"iss":"dfns-simulator","kind":%q,"jti":%q%s}`, kind, randomHex(16), org)) + "." +
		randomB64URL(64)
}

func randomB64URL(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
