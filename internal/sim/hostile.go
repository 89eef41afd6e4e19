package sim

// hostileConfig holds the options that make the simulator answer as a
// hostile API would, in what it names things: clients must print such
// text safely (see docs/threat-model.md §3).
type hostileConfig struct {
	clusterID   string
	keyIDPrefix string
}

// WithClusterID gives the first cluster the ID id instead of a random
// "cl-…" one. Any text is accepted, control characters and newlines
// included, as a hostile or tampered API could send: use it to test that
// a client prints, saves and matches cluster IDs safely. A restored
// state (WithStateFile) keeps its own ID.
func WithClusterID(id string) ServerOption {
	return func(c *serverConfig) { c.hostile.clusterID = id }
}

// WithKeyIDPrefix makes the IDs of the keys the simulator creates or
// imports prefix followed by 20 random hex digits, instead of "key-" and
// the digits. Any text is accepted, control characters and newlines
// included (a "/", "?", "#" or "%" would make the ID unusable in a path,
// as clients refuse such IDs): use it to test that a client prints key
// IDs from the API safely.
func WithKeyIDPrefix(prefix string) ServerOption {
	return func(c *serverConfig) { c.hostile.keyIDPrefix = prefix }
}

// newKeyID returns a fresh key ID.
func (s *Server) newKeyID() string {
	p := s.keyIDPrefix
	if p == "" {
		p = "key-"
	}
	return p + randomHex(10)
}
