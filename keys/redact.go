package keys

import (
	"fmt"
	"io"
	"log/slog"
)

const redactedExportContext = "keys.ExportContext{REDACTED}"

// String returns a redacted description: the context holds a decryption
// key.
func (c *ExportContext) String() string { return redactedExportContext }

// Format implements [fmt.Formatter]: every verb prints the redacted form.
func (c *ExportContext) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redactedExportContext) }

// LogValue implements [slog.LogValuer] with the redacted form.
func (c *ExportContext) LogValue() slog.Value { return slog.StringValue(redactedExportContext) }
