package dfnskeys

import (
	"encoding/base64"
	"encoding/json"
	"strings"
)

// OrgID returns the ID of the organisation the auth token belongs to, as
// the token's claims state it, or "" when the token does not say (it is not
// a JWT, or has no such claim). Dfns access tokens are JWTs whose
// "https://custom/app_metadata" claim holds orgId. The token's signature is
// not checked: the value tells one organisation from another in messages
// and journals, and grants nothing.
func (c *Client) OrgID() string { return orgIDFromToken(c.token) }

func orgIDFromToken(token string) string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || len(parts[1]) > 16<<10 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ""
	}
	var claims struct {
		AppMetadata struct {
			OrgID string `json:"orgId"`
		} `json:"https://custom/app_metadata"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return ""
	}
	id := claims.AppMetadata.OrgID
	if len(id) > 100 || strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r == 0x7f || r > 0x7e }) {
		return "" // not an ID: never echo arbitrary token content
	}
	return id
}
