package bulk

import (
	"fmt"
)

// Format prints the options without the password and passphrase, for
// every verb.
func (o ImportOptions) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "bulk.ImportOptions{InputPath: %q, JournalPath: %q, Workers: %d, ClusterID: %q, Password: %s, Passphrase: %s}",
		o.InputPath, o.JournalPath, o.Workers, o.ClusterID, redactedIfSet(o.Password), redactedIfSet(o.Passphrase))
}

// Format prints the options without the password, for every verb.
func (o ExportOptions) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "bulk.ExportOptions{InputPath: %q, OutDir: %q, OutputFormat: %q, Workers: %d, Password: %s}",
		o.InputPath, o.OutDir, o.OutputFormat, o.Workers, redactedIfSet(o.Password))
}

func redactedIfSet(b []byte) string {
	if len(b) == 0 {
		return "none"
	}
	return "REDACTED"
}
