package sim

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/dfnskeys/dfnskeys/auth"
)

// maxBodySize is the largest request body the simulated API reads; a larger
// body gets 413.
const maxBodySize = 1 << 20

// UserActionTTL is how long a user-action challenge, and the token it
// yields, stay valid.
const UserActionTTL = 5 * time.Minute

// Header names used by the simulated API.
const (
	// headerUserAction carries the user-action token on mutating calls.
	headerUserAction = "X-DFNS-USERACTION"
	// headerRequestID is set on every response.
	headerRequestID = "X-Request-Id"
)

// ServerOption configures [NewServer] and [StartServer].
type ServerOption func(*serverConfig)

type serverConfig struct {
	signers, clusters int
	prefix, addr      string
	requestLog        int
	stateFile         string
	credAlg           auth.Algorithm
	hostile           hostileConfig // WithClusterID, WithKeyIDPrefix
	faultLog          func(string)
}

// WithFaultLog has the server call log with one line for every fault it
// injects: what it did, to which route, and which request it hit (its
// number in order of arrival, from 1, its method and path), such as
// "fault RateLimit (429, unprocessed) on POST /keys/import: request 12,
// POST /keys/import". log may be called from several goroutines at once.
func WithFaultLog(log func(line string)) ServerOption {
	return func(c *serverConfig) { c.faultLog = log }
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
