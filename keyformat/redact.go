package keyformat

import (
	"fmt"
	"io"
	"log/slog"
)

// String describes the options without the password.
func (o EncodeOptions) String() string {
	pw := "none"
	if len(o.Password) > 0 {
		pw = "REDACTED"
	}
	return fmt.Sprintf("keyformat.EncodeOptions{KeyID: %q, Password: %s, Keystore: %+v}", o.KeyID, pw, o.Keystore)
}

// Format implements [fmt.Formatter]: every verb prints String, never the
// password.
func (o EncodeOptions) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, o.String()) }

// LogValue implements [slog.LogValuer] with String.
func (o EncodeOptions) LogValue() slog.Value { return slog.StringValue(o.String()) }
