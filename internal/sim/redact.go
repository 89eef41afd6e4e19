package sim

import (
	"fmt"
	"io"
)

// String describes the server by its URL, never its token or the
// credential's private key.
func (s *Server) String() string {
	if s == nil || s.ts == nil {
		return "dfnstest.Server(nil)"
	}
	return "dfnstest.Server{" + s.URL() + "}"
}

// GoString is String, for %#v.
func (s *Server) GoString() string { return s.String() }

// Format implements [fmt.Formatter]: every verb prints String.
func (s *Server) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }
