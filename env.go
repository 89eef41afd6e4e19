package dfnskeys

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/dfnskeys/dfnskeys/auth"
)

// maxPEMFile bounds the credential file read by [NewClientFromEnv].
const maxPEMFile = 64 << 10

// NewClientFromEnv returns a client configured from the environment, as
// the dfnskeys command reads it:
//
//   - DFNS_API_URL: the API base URL ([DefaultBaseURL] when unset), for
//     example https://api.uae.dfns.io or a local simulator's URL;
//   - DFNS_AUTH_TOKEN: the service account or user token (required);
//   - DFNS_CRED_ID and DFNS_PRIVATE_KEY: the credential that signs user
//     actions, the key as a PEM string (literal "\n" sequences allowed) or
//     the path of a PEM file. Without them the client has no signer and
//     can only read (or prepare actions for delegated signing).
//
// opts are applied after the environment's settings, so they override
// them. Errors name the variable, never its value.
func NewClientFromEnv(opts ...Option) (*Client, error) {
	return newClientFromEnv(os.Getenv, opts...)
}

func newClientFromEnv(getenv func(string) string, opts ...Option) (*Client, error) {
	var base []Option
	if u := getenv("DFNS_API_URL"); u != "" {
		base = append(base, WithBaseURL(u))
	}
	token := getenv("DFNS_AUTH_TOKEN")
	if token == "" {
		return nil, errors.New("DFNS_AUTH_TOKEN is not set: set it to a Dfns service account or user token")
	}
	base = append(base, WithAuthToken(token))
	credID, pemSource := getenv("DFNS_CRED_ID"), getenv("DFNS_PRIVATE_KEY")
	switch {
	case credID == "" && pemSource == "":
	case credID == "":
		return nil, errors.New("DFNS_PRIVATE_KEY is set but DFNS_CRED_ID is not: set the ID of the credential the key belongs to")
	case pemSource == "":
		return nil, errors.New("DFNS_CRED_ID is set but DFNS_PRIVATE_KEY is not: set the credential's private key (a PEM string or a PEM file's path)")
	default:
		pem, err := credentialPEM(pemSource)
		if err != nil {
			return nil, err
		}
		signer, err := auth.NewKeySigner(credID, pem)
		clear(pem)
		if err != nil {
			return nil, fmt.Errorf("DFNS_PRIVATE_KEY: %w", err)
		}
		base = append(base, WithSigner(signer))
	}
	return NewClient(append(base, opts...)...)
}

// credentialPEM returns the PEM bytes of DFNS_PRIVATE_KEY: the value itself
// when it holds a PEM block, else the file it names.
func credentialPEM(source string) ([]byte, error) {
	if strings.Contains(source, "-----BEGIN") {
		return []byte(strings.ReplaceAll(source, `\n`, "\n")), nil
	}
	if len(source) > 4096 || strings.ContainsAny(source, "\n\r") {
		// Not a path: most likely key material without its PEM armour.
		return nil, errors.New("DFNS_PRIVATE_KEY is neither a PEM block nor a file path: give the PEM text (with its -----BEGIN line) or the path of a PEM file")
	}
	f, err := os.Open(source)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, errors.New("DFNS_PRIVATE_KEY names no existing file and is not a PEM block: give the PEM text (with its -----BEGIN line) or the path of a PEM file")
		}
		return nil, errors.New("DFNS_PRIVATE_KEY: the PEM file cannot be read: " + errors.Unwrap(err).Error())
	}
	defer f.Close()
	b := make([]byte, maxPEMFile+1)
	n, err := f.Read(b)
	for err == nil && n < len(b) {
		var m int
		m, err = f.Read(b[n:])
		n += m
	}
	if n > maxPEMFile {
		clear(b)
		return nil, fmt.Errorf("DFNS_PRIVATE_KEY: the PEM file is larger than %d bytes", maxPEMFile)
	}
	return b[:n], nil
}
