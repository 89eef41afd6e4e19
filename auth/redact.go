package auth

import (
	"fmt"
	"io"
	"log/slog"
)

// String describes the response without its token: a user-action token
// authorizes a request, so it is never printed.
func (r UserActionResponse) String() string {
	if r.UserAction == "" {
		return "auth.UserActionResponse{UserAction: none}"
	}
	return "auth.UserActionResponse{UserAction: REDACTED}"
}

// GoString is String, for %#v.
func (r UserActionResponse) GoString() string { return r.String() }

// Format implements [fmt.Formatter]: every verb prints String.
func (r UserActionResponse) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// LogValue implements [slog.LogValuer] with String.
func (r UserActionResponse) LogValue() slog.Value { return slog.StringValue(r.String()) }
