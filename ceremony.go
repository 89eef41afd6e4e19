package dfnskeys

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/dfnskeys/dfnskeys/address"
	"github.com/dfnskeys/dfnskeys/encryption"
	"github.com/dfnskeys/dfnskeys/internal/importbuild"
	"github.com/dfnskeys/dfnskeys/internal/safefile"
	"github.com/dfnskeys/dfnskeys/internal/signerid"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signers"
)

// The air-gapped ceremony (docs/threat-model.md §10) carries three
// documents between an offline machine, which holds the keys and no
// credentials, and an online one, which holds the credentials and no key:
//
//   - an import request ([ImportPlan] as JSON), made offline by
//     [ImportTarget.Plan] and sent online by [Client.PlanImportRequest]
//     and [Client.SendImport];
//   - an export request ([ExportRequestDocument]), made offline beside its
//     decryption key, which stays there, and sent online by
//     [Client.SendExportRequest];
//   - an export response ([ExportResponseDocument]), the still-encrypted
//     answer carried back and recovered offline by
//     [keys.ExportContext.Recover].
//
// Each is a JSON object with a "kind", a "version" and a "purpose" a
// person reading the file understands; none holds a secret. They are
// parsed strictly: an unknown field, another kind or version, trailing
// data or more than 32 MiB is refused, and what they hold
// is checked before it is used.

// maxImportShare bounds one encrypted import share, base64 (56 KB for 255
// signers).
const maxImportShare = 1 << 20

// documentVersion is the version of every ceremony document.
const documentVersion = 1

const (
	importRequestKind  = "dfnskeys import request"
	exportRequestKind  = "dfnskeys export request"
	exportResponseKind = "dfnskeys export response"
)

const (
	importRequestPurpose  = "The body of POST /keys/import for one key, its shares encrypted to the signers listed here; it holds no secret. Send it from the online machine with 'dfnskeys import --request FILE --pinned-signers FILE', which checks the live signers and Dfns's answer against it."
	exportRequestPurpose  = "The body of POST /keys/{keyId}/export: a one-time public encryption key, whose decryption key stays on the offline machine; it holds no secret. Send it from the online machine with 'dfnskeys export KEY_ID --request FILE --response-out FILE'."
	exportResponsePurpose = "Dfns's answer to an export request: the key's shares, still encrypted to the export request's key; the online machine cannot read them. Recover the key on the offline machine with 'dfnskeys recover --response FILE --decryption-key FILE --expect-public-key HEX'."
)

// docHeader is the part of every document read first, to say what a file
// is before it is parsed as one kind.
type docHeader struct {
	Kind    string `json:"kind"`
	Version int    `json:"version"`
}

// decodeDocument parses data, a document of kind, strictly into v.
func decodeDocument(data []byte, kind string, v any) error {
	if len(data) > safefile.MaxDocumentSize {
		return fmt.Errorf("the %s is %d bytes, more than the %d allowed", kind, len(data), safefile.MaxDocumentSize)
	}
	var h docHeader
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&h); err != nil {
		return fmt.Errorf("not a %s document: %w", kind, jsonErr(err))
	}
	switch {
	case h.Kind == "":
		return fmt.Errorf("not a %s document: it has no \"kind\" (a bare request or response body is not a ceremony document)", kind)
	case h.Kind != kind:
		return fmt.Errorf("this is a %q document, not a %s", safe(h.Kind), kind)
	case h.Version != documentVersion:
		return fmt.Errorf("the %s has version %d; this dfnskeys reads version %d: use the dfnskeys that wrote it", kind, h.Version, documentVersion)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("the %s is malformed: %w", kind, jsonErr(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("the %s has data after its end", kind)
	}
	return nil
}

// jsonErr is a JSON error without the input it may quote.
func jsonErr(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("invalid JSON at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field == "" {
		return fmt.Errorf("it is a JSON %s, not an object", te.Value)
	}
	if errors.As(err, &te) {
		return fmt.Errorf("field %q has the wrong type (%s)", safe(te.Field), te.Value)
	}
	if strings.HasPrefix(err.Error(), "json: unknown field ") {
		return fmt.Errorf("unknown field %s (only the fields dfnskeys writes are allowed)", safe(strings.TrimPrefix(err.Error(), "json: unknown field ")))
	}
	return errors.New(safe(err.Error()))
}

// docKey is a key's identity in a document.
type docKey struct {
	ID        string             `json:"id,omitempty"`
	Curve     keys.Curve         `json:"curve"`
	Protocol  keys.Protocol      `json:"protocol,omitempty"`
	Scheme    string             `json:"scheme"`
	PublicKey string             `json:"publicKey"`
	Addresses *address.Addresses `json:"addresses,omitempty"`
}

type importDoc struct {
	Kind      string              `json:"kind"`
	Version   int                 `json:"version"`
	Purpose   string              `json:"purpose"`
	Key       docKey              `json:"key"`
	ClusterID string              `json:"clusterId"`
	Signers   []signers.Signer    `json:"signers"`
	Request   *keys.ImportRequest `json:"request"`
}

// MarshalJSON writes the plan as an import request document: its kind,
// version and purpose, the key's identity (curve, protocol, scheme, public
// key and addresses), the cluster and signers the shares are encrypted
// to, and the POST /keys/import body. It holds no secret. A plan for a key
// Dfns already holds (Existing set) has no request and is not written.
func (p *ImportPlan) MarshalJSON() ([]byte, error) {
	if p.Existing != nil || p.Request == nil {
		return nil, errors.New("the import plan has no request to write (Dfns already holds the key)")
	}
	pub, err := hex.DecodeString(p.Identity.PublicKey)
	if err != nil {
		return nil, errors.New("the import plan's public key is not hex")
	}
	addrs, err := address.ForKey(p.Request.Curve, pub)
	if err != nil {
		return nil, err
	}
	scheme := keys.Scheme{Protocol: p.Request.Protocol, Curve: p.Request.Curve}
	return json.Marshal(importDoc{
		Kind: importRequestKind, Version: documentVersion, Purpose: importRequestPurpose,
		Key:       docKey{Curve: scheme.Curve, Protocol: scheme.Protocol, Scheme: scheme.SignatureAlgorithm(), PublicKey: p.Identity.PublicKey, Addresses: &addrs},
		ClusterID: p.ClusterID, Signers: p.Signers, Request: p.Request,
	})
}

// UnmarshalJSON reads an import request document written by
// [ImportPlan.MarshalJSON], strictly, and checks it: a supported scheme,
// a valid public key whose addresses are the ones recorded, at least two
// valid signers, one well-formed share for each signer and for no other,
// a threshold between 2 and the number of signers. Its errors say what is
// wrong without quoting the document.
func (p *ImportPlan) UnmarshalJSON(data []byte) error {
	var d importDoc
	if err := decodeDocument(data, importRequestKind, &d); err != nil {
		return err
	}
	plan, err := d.check()
	if err != nil {
		return fmt.Errorf("the import request is not valid: %w", err)
	}
	*p = *plan
	return nil
}

func (d *importDoc) check() (*ImportPlan, error) {
	r := d.Request
	if r == nil {
		return nil, errors.New("it has no \"request\"")
	}
	scheme := keys.Scheme{Protocol: r.Protocol, Curve: r.Curve}
	if err := scheme.Validate(); err != nil {
		return nil, err
	}
	switch {
	case d.Key.Curve != r.Curve || d.Key.Protocol != r.Protocol:
		return nil, fmt.Errorf("the key is recorded as %s/%s but the request is for %s", safe(string(d.Key.Protocol)), safe(string(d.Key.Curve)), scheme)
	case d.Key.Scheme != scheme.SignatureAlgorithm():
		return nil, fmt.Errorf("the key's scheme is recorded as %q, but %s keys are %s", safe(d.Key.Scheme), scheme, scheme.SignatureAlgorithm())
	case r.MasterKey:
		return nil, keys.ErrMasterKey
	case utf8.RuneCountInString(r.Name) > importbuild.MaxNameLength:
		return nil, fmt.Errorf("the key name is longer than %d characters", importbuild.MaxNameLength)
	}
	pub, err := hex.DecodeString(d.Key.PublicKey)
	if err != nil || d.Key.PublicKey != strings.ToLower(d.Key.PublicKey) {
		return nil, errors.New("the public key is not lower-case hex")
	}
	if err := keys.ExpectPublicKey(pub).CheckCurve(r.Curve); err != nil {
		return nil, fmt.Errorf("the public key: %w", err)
	}
	addrs, err := address.ForKey(r.Curve, pub)
	if err != nil {
		return nil, err
	}
	if d.Key.Addresses != nil && !sameAddresses(*d.Key.Addresses, addrs) {
		return nil, errors.New("the addresses recorded are not those of the public key")
	}
	b, err := importbuild.New(d.Signers)
	if err != nil {
		return nil, fmt.Errorf("the signers: %w", err)
	}
	order := b.Signers()
	n := len(order)
	if r.MinSigners < 2 || r.MinSigners > n {
		return nil, fmt.Errorf("minSigners is %d; with %d signers it must be between 2 and %d", r.MinSigners, n, n)
	}
	if len(r.EncryptedKeyShares) != n {
		return nil, fmt.Errorf("the request has %d shares for %d signers", len(r.EncryptedKeyShares), n)
	}
	for i, s := range r.EncryptedKeyShares {
		if s.SignerID != order[i].SignerID {
			return nil, fmt.Errorf("share %d is for signer %s, not %s: the request was not made for these signers", i+1, safe(s.SignerID), safe(order[i].SignerID))
		}
		if len(s.EncryptedKeyShare) > maxImportShare {
			return nil, fmt.Errorf("share %d is longer than %d bytes", i+1, maxImportShare)
		}
		if _, err := base64.StdEncoding.Strict().DecodeString(s.EncryptedKeyShare); err != nil || s.EncryptedKeyShare == "" {
			return nil, fmt.Errorf("share %d is not standard base64", i+1)
		}
	}
	return &ImportPlan{Request: r, ClusterID: d.ClusterID, Signers: d.Signers, Identity: importbuild.Identity(scheme, pub)}, nil
}

// sameAddresses compares the addresses a document lists (an unexported
// field of Addresses is never written).
func sameAddresses(a, b address.Addresses) bool {
	return slices.Equal(a.List(), b.List())
}

// PlanImportRequest is the online first step of importing a prepared
// request (an [ImportPlan] read from an import request document, made
// offline by [ImportTarget.Plan]); [Client.SendImport] is the second. No
// private key is needed. Of opts, only PinnedSigners, Target and
// ListedSince are used: the request already fixes the rest.
//
// It refuses, before anything is sent, a request whose signers are not
// exactly the pinned ones, and live signers (GET /signers, the request's
// cluster) that are not exactly pinned either: both errors wrap
// [signers.ErrPinMismatch]. The pins are required: the request's own
// signer list is what the offline machine was given, not proof of
// anything. With opts.Target (listed once and checked against the pins,
// as bulk sends do) the request is checked against the target instead
// (see [ImportTarget.Check]). Then it looks for the key in Dfns by the
// request's identity, as [Client.PlanImport] does, and returns a plan
// with Existing set when Dfns holds it, so that sending it again creates
// nothing.
func (c *Client) PlanImportRequest(ctx context.Context, req *ImportPlan, opts ImportKeyOptions) (*ImportPlan, error) {
	if req == nil || req.Existing != nil || req.Request == nil {
		return nil, errors.New("no import request to send")
	}
	if t := opts.Target; t != nil {
		if err := t.Check(req); err != nil {
			return nil, err
		}
	} else if err := c.checkRequestSigners(ctx, req, opts.PinnedSigners); err != nil {
		return nil, err
	}
	existing, err := c.index.find(ctx, c.Keys, req.Identity, opts.ListedSince)
	if err != nil {
		return nil, fmt.Errorf("looking for a key Dfns already holds with the request's public key (nothing was sent; rerun once Dfns answers): %w", err)
	}
	plan := *req
	if existing != nil {
		plan = ImportPlan{Existing: existing, Identity: req.Identity, ClusterID: req.ClusterID}
	}
	return &plan, nil
}

// checkRequestSigners checks that req was encrypted to exactly the pinned
// signers and that GET /signers lists exactly them for req's cluster.
func (c *Client) checkRequestSigners(ctx context.Context, req *ImportPlan, pinned []signers.Signer) error {
	if len(pinned) == 0 {
		return errors.New("importing a prepared request needs the pinned signers (a 'dfnskeys signers --save' file checked out of band): nothing was sent")
	}
	if err := signers.CheckPinned(req.Signers, pinned); err != nil {
		return fmt.Errorf("the import request was encrypted to other signers than the pinned ones (\"listed\" below means in the request): nothing was sent: %w", err)
	}
	list, err := c.Signers.List(ctx)
	if err != nil {
		return err
	}
	cluster, err := list.Cluster(req.ClusterID)
	if err != nil {
		return fmt.Errorf("the import request's cluster: %w", err)
	}
	if err := signers.CheckPinned(cluster.Signers, pinned); err != nil {
		return fmt.Errorf("the signers Dfns lists now for cluster %s are not the ones the request was encrypted to: nothing was sent: %w", safe(cluster.ClusterID), err)
	}
	return nil
}

// Check reports whether req, an import request made offline, was made
// for this target: the same cluster, and shares encrypted to exactly the
// target's signers (an error wrapping [signers.ErrPinMismatch] if not).
// A target checked against pinned signers so checks req against them;
// bulk sends of many requests check each this way, listing the signers
// once.
func (t *ImportTarget) Check(req *ImportPlan) error {
	if req == nil || req.Request == nil {
		return errors.New("no import request to check")
	}
	if req.ClusterID != "" && req.ClusterID != t.clusterID {
		return fmt.Errorf("the import request is for cluster %s, not %s: nothing was sent", safe(req.ClusterID), safe(t.clusterID))
	}
	if err := t.builder.CheckPinned(req.Signers); err != nil {
		return fmt.Errorf("the import request was encrypted to other signers than cluster %s's (\"pinned\" below means in the request): nothing was sent: %w", safe(t.clusterID), err)
	}
	return nil
}

// ExportRequestDocument is an export request carried from the offline
// machine, which keeps its decryption key, to the online one: the body of
// POST /keys/{keyId}/export and, optionally, the key it is for. It holds
// no secret. As JSON it is a ceremony document (at most 32 MiB).
type ExportRequestDocument struct {
	// KeyID, when set, is the only key the request may be sent for.
	KeyID string
	// Request is the body: a one-time encryption key and the schemes
	// the offline machine can recover.
	Request *keys.ExportRequest
}

type exportRequestDoc struct {
	Kind    string              `json:"kind"`
	Version int                 `json:"version"`
	Purpose string              `json:"purpose"`
	KeyID   string              `json:"keyId,omitempty"`
	Request *keys.ExportRequest `json:"request"`
}

// MarshalJSON writes the export request document.
func (d *ExportRequestDocument) MarshalJSON() ([]byte, error) {
	if d.Request == nil {
		return nil, errors.New("the export request document has no request")
	}
	return json.Marshal(exportRequestDoc{Kind: exportRequestKind, Version: documentVersion, Purpose: exportRequestPurpose, KeyID: d.KeyID, Request: d.Request})
}

// UnmarshalJSON reads an export request document strictly and checks its
// encryption key and schemes.
func (d *ExportRequestDocument) UnmarshalJSON(data []byte) error {
	var doc exportRequestDoc
	if err := decodeDocument(data, exportRequestKind, &doc); err != nil {
		return err
	}
	if doc.Request == nil {
		return errors.New("the export request has no \"request\"")
	}
	if _, err := encryption.ParseEncryptionKeyText(doc.Request.EncryptionKey); err != nil {
		return fmt.Errorf("the export request's encryption key: %w", err)
	}
	if len(doc.Request.SupportedSchemes) == 0 {
		return errors.New("the export request lists no supported scheme")
	}
	for _, s := range doc.Request.SupportedSchemes {
		if err := s.Validate(); err != nil {
			return fmt.Errorf("the export request: %w", err)
		}
	}
	*d = ExportRequestDocument{KeyID: doc.KeyID, Request: doc.Request}
	return nil
}

// ExportResponseDocument is Dfns's answer to an export request, saved on
// the online machine and carried to the offline one: the key's shares,
// still encrypted to the request's key, with the key asked for and its
// identity as Dfns reported it. As JSON it is a ceremony document (at
// most 32 MiB).
type ExportResponseDocument struct {
	// KeyID is the key the export was sent for.
	KeyID string
	// Key is the key's identity as GET /keys/{keyId} reported it: what
	// the API says, to be checked against what the user knows.
	Key keys.Identity
	// Response is the export response, its shares still encrypted.
	Response *keys.ExportResponse
}

type exportResponseDoc struct {
	Kind     string               `json:"kind"`
	Version  int                  `json:"version"`
	Purpose  string               `json:"purpose"`
	Key      docKey               `json:"key"`
	Response *keys.ExportResponse `json:"response"`
}

// MarshalJSON writes the export response document.
func (d *ExportResponseDocument) MarshalJSON() ([]byte, error) {
	if d.Response == nil {
		return nil, errors.New("the export response document has no response")
	}
	return json.Marshal(exportResponseDoc{
		Kind: exportResponseKind, Version: documentVersion, Purpose: exportResponsePurpose,
		Key:      docKey{ID: d.KeyID, Curve: d.Key.Curve, Scheme: d.Key.SchemeName, PublicKey: d.Key.PublicKey},
		Response: d.Response,
	})
}

// UnmarshalJSON reads an export response document strictly, and refuses
// one whose response is for another public key or curve than the key
// recorded. It does not decrypt anything: [keys.ExportContext.Recover]
// checks the shares, and the key against the one the user expects.
func (d *ExportResponseDocument) UnmarshalJSON(data []byte) error {
	var doc exportResponseDoc
	if err := decodeDocument(data, exportResponseKind, &doc); err != nil {
		return err
	}
	r := doc.Response
	switch {
	case r == nil:
		return errors.New("the export response has no \"response\"")
	case doc.Key.ID == "":
		return errors.New("the export response does not say which key it is for (\"key\".\"id\")")
	case len(r.EncryptedKeyShares) > signerid.MaxSigners:
		return fmt.Errorf("the export response has %d shares, more than the %d supported", len(r.EncryptedKeyShares), signerid.MaxSigners)
	case !strings.EqualFold(strings.TrimSpace(r.PublicKey), doc.Key.PublicKey) || r.Curve != doc.Key.Curve:
		return fmt.Errorf("the export response is for another key than the one recorded (%s): refusing it", safe(doc.Key.ID))
	}
	*d = ExportResponseDocument{
		KeyID:    doc.Key.ID,
		Key:      keys.Identity{Curve: doc.Key.Curve, SchemeName: strings.ToLower(doc.Key.Scheme), PublicKey: strings.ToLower(doc.Key.PublicKey)},
		Response: r,
	}
	return nil
}

// SendExportRequest is the online second step of a two-step export: it
// sends req (made offline, which keeps its decryption key) as the signed
// POST /keys/{keyId}/export for the plan's key and returns the answer,
// still encrypted, to carry to the offline machine. It refuses, before
// sending, a request made for another key; and after, an answer for
// another public key than the plan's (a [*keys.UnexpectedKeyError] when
// the plan has an expectation). The key can be recovered only where the
// decryption key is.
func (c *Client) SendExportRequest(ctx context.Context, plan *ExportPlan, req *ExportRequestDocument) (*ExportResponseDocument, error) {
	if plan == nil || plan.Key == nil {
		return nil, errors.New("no export plan to send")
	}
	if req == nil || req.Request == nil {
		return nil, errors.New("no export request to send")
	}
	if c.signer == nil {
		return nil, ErrNoSigner
	}
	id := plan.Key.ID
	if req.KeyID != "" && req.KeyID != id {
		return nil, fmt.Errorf("the export request was made for key %s, not %s: nothing was sent", safe(req.KeyID), safe(id))
	}
	resp, err := c.Keys.export(ctx, id, req.Request)
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(strings.TrimSpace(resp.PublicKey), plan.Key.PublicKey) || resp.Curve != plan.Key.Curve {
		if plan.opts.Expect != nil {
			return nil, &keys.UnexpectedKeyError{KeyID: id, Expected: plan.opts.Expect.String(), Curve: resp.Curve, PublicKey: resp.PublicKey, Exported: true}
		}
		return nil, fmt.Errorf("%s: the export response is for public key %s, but the key's public key is %s", safe(id), safe(resp.PublicKey), safe(plan.Key.PublicKey))
	}
	return &ExportResponseDocument{KeyID: id, Key: plan.Key.Identity(), Response: resp}, nil
}
