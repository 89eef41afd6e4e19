package sim

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/dfnskeys/dfnskeys/internal/safefile"
)

// PrepareDir creates dir (mode 0700) if it is missing and checks it for
// holding the simulator's credential: not a symbolic link (one could be
// replaced to redirect the credential), and private (safefile.CheckDir).
// Errors start with label, such as "--state-dir DIR".
func PrepareDir(label, dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", label, err)
	}
	if fi, err := os.Lstat(dir); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("%s is a symbolic link: give the directory itself (a fresh private one: mktemp -d)", label)
	}
	return safefile.CheckDir(label, dir, safefile.TrustContents)
}

// WriteEnv writes the credential's private key to dir/credential.pem,
// mode 0600 (dir prepared by [PrepareDir]; a new file renamed into place,
// which replaces a symbolic link rather than writing through it), and
// returns the settings that point a dfnskeys client at s, in this order:
// DFNS_API_URL, DFNS_AUTH_TOKEN, DFNS_CRED_ID and DFNS_PRIVATE_KEY (the
// file's absolute path), each as a name and its value.
func (s *Server) WriteEnv(label, dir string) ([][2]string, error) {
	if err := PrepareDir(label, dir); err != nil {
		return nil, err
	}
	pemPath, err := filepath.Abs(filepath.Join(dir, "credential.pem"))
	if err != nil {
		return nil, err
	}
	f, err := safefile.Replace(pemPath, s.credPEM, 0o600)
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("writing the credential: %w", err)
	}
	return [][2]string{{"DFNS_API_URL", s.URL()}, {"DFNS_AUTH_TOKEN", s.token}, {"DFNS_CRED_ID", s.credID}, {"DFNS_PRIVATE_KEY", pemPath}}, nil
}
