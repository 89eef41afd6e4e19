// Package envconf reads a client's connection settings from the
// environment (DFNS_API_URL, DFNS_AUTH_TOKEN, DFNS_CRED_ID and
// DFNS_PRIVATE_KEY): the one reader behind dfnskeys.NewClientFromEnv and
// the dfnskeys command, whose flags override the variables.
package envconf

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/dfnskeys/dfnskeys/auth"
	"github.com/dfnskeys/dfnskeys/internal/secretish"
)

// MaxPEMFile bounds the credential file read for DFNS_PRIVATE_KEY.
const MaxPEMFile = 64 << 10

// Settings are the connection settings read from an environment.
type Settings struct {
	BaseURL string                // empty: the library's default
	Token   string                // never empty
	Signer  auth.UserActionSigner // nil without DFNS_CRED_ID and DFNS_PRIVATE_KEY
}

// Read reads the settings through getenv. keyFrom names where
// DFNS_PRIVATE_KEY's value came from, for messages ("DFNS_PRIVATE_KEY",
// or a flag that stands for it). Errors name the variable, never its value.
func Read(getenv func(string) string, keyFrom string) (Settings, error) {
	s := Settings{BaseURL: getenv("DFNS_API_URL"), Token: strings.TrimSpace(getenv("DFNS_AUTH_TOKEN"))}
	if s.Token == "" {
		return s, errors.New("DFNS_AUTH_TOKEN is not set: set it to a Dfns service account or user token")
	}
	credID, pemSource := getenv("DFNS_CRED_ID"), getenv("DFNS_PRIVATE_KEY")
	switch {
	case credID == "" && pemSource == "":
	case credID == "":
		return s, errors.New("DFNS_PRIVATE_KEY is set but DFNS_CRED_ID is not: set the ID of the credential the key belongs to")
	case pemSource == "":
		return s, errors.New("DFNS_CRED_ID is set but DFNS_PRIVATE_KEY is not: set the credential's private key (a PEM string or a PEM file's path)")
	default:
		pem, err := credentialPEM(pemSource, keyFrom)
		if err != nil {
			return s, err
		}
		s.Signer, err = auth.NewKeySigner(credID, pem)
		clear(pem)
		if err != nil {
			return s, fmt.Errorf("%s: %w", keyFrom, err)
		}
	}
	return s, nil
}

// credentialPEM returns the PEM bytes of source: the value itself when it
// holds a PEM block, else the file it names. A value that looks like key
// material is never tried as a file name (docs/threat-model.md §5).
func credentialPEM(source, keyFrom string) ([]byte, error) {
	if strings.Contains(source, "-----BEGIN") {
		return []byte(strings.ReplaceAll(source, `\n`, "\n")), nil
	}
	if len(source) > 4096 || secretish.Looks(source) {
		return nil, fmt.Errorf("%s holds neither a PEM (-----BEGIN …) nor the path of a file; it looks like key material without its PEM armour (not shown): set it to the whole PEM, or to the path of a PEM file", keyFrom)
	}
	f, err := os.Open(source)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s names no existing file and is not a PEM block: give the PEM text (with its -----BEGIN line) or the path of a PEM file", keyFrom)
		}
		return nil, fmt.Errorf("%s: the PEM file cannot be read: %v", keyFrom, errors.Unwrap(err))
	}
	defer f.Close()
	b := make([]byte, MaxPEMFile+1)
	n, err := f.Read(b)
	for err == nil && n < len(b) {
		var m int
		m, err = f.Read(b[n:])
		n += m
	}
	if n > MaxPEMFile {
		clear(b)
		return nil, fmt.Errorf("%s: the PEM file is larger than %d bytes", keyFrom, MaxPEMFile)
	}
	return b[:n], nil
}
