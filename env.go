package dfnskeys

import (
	"os"

	"github.com/dfnskeys/dfnskeys/internal/envconf"
)

// NewClientFromEnv returns a client configured from the environment, as
// the dfnskeys command reads it:
//
//   - DFNS_API_URL: the API base URL (https://api.dfns.io when unset), for
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
	s, err := envconf.Read(getenv, "DFNS_PRIVATE_KEY")
	if err != nil {
		return nil, err
	}
	base := []Option{WithAuthToken(s.Token), WithSigner(s.Signer)}
	if s.BaseURL != "" {
		base = append(base, WithBaseURL(s.BaseURL))
	}
	return NewClient(append(base, opts...)...)
}
