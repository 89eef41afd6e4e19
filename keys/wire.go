package keys

import (
	"strings"
	"time"
)

// EncryptedKeyShare is one signer's encrypted share, in import requests and
// export responses.
type EncryptedKeyShare struct {
	// SignerID is the receiving (import) or sending (export) signer.
	SignerID string `json:"signerId"`
	// EncryptedKeyShare is the envelope ciphertext, standard base64.
	EncryptedKeyShare string `json:"encryptedKeyShare"`
}

// ImportRequest is the body of POST /keys/import.
type ImportRequest struct {
	// Name is an optional name for the key, at most 100 characters.
	Name string `json:"name,omitempty"`
	// Protocol is the threshold protocol the key will be used with.
	Protocol Protocol `json:"protocol"`
	// Curve is the key's curve.
	Curve Curve `json:"curve"`
	// MinSigners is the threshold t.
	MinSigners int `json:"minSigners"`
	// EncryptedKeyShares holds one share per signer, in signer order.
	EncryptedKeyShares []EncryptedKeyShare `json:"encryptedKeyShares"`
	// MasterKey asks Dfns to treat the key as an HD master key. dfnskeys
	// never sends true: see [ErrMasterKey].
	MasterKey bool `json:"masterKey,omitempty"`
}

// Key is a Dfns key, as returned by POST /keys/import and GET /keys/{keyId}.
type Key struct {
	// ID is the key ID ("key-…").
	ID string `json:"id"`
	// Name is the key's name, if it has one.
	Name string `json:"name,omitempty"`
	// Scheme is ECDSA, EdDSA or Schnorr.
	Scheme string `json:"scheme"`
	// Curve is the key's curve.
	Curve Curve `json:"curve"`
	// PublicKey is hex: 33-byte compressed on secp256k1 and stark, 32
	// bytes on ed25519.
	PublicKey string `json:"publicKey"`
	// Status is Active or Archived.
	Status string `json:"status"`
	// Custodial reports whether the key is custodial.
	Custodial bool `json:"custodial"`
	// Imported reports whether the key was imported.
	Imported bool `json:"imported,omitempty"`
	// Exported reports whether the key was exported; Dfns no longer signs
	// with an exported key by default.
	Exported bool `json:"exported,omitempty"`
	// DateExported is when the key was exported, if it was.
	DateExported *time.Time `json:"dateExported,omitempty"`
	// DateCreated is when the key was created.
	DateCreated time.Time `json:"dateCreated,omitzero"`
	// MasterKey reports an HD master key, from which Dfns derives child
	// keys. Newer responses only; false when absent.
	MasterKey bool `json:"masterKey,omitempty"`
	// DerivedFrom names the master key and path this key was derived
	// from, for a derived key; nil otherwise.
	DerivedFrom *Derivation `json:"derivedFrom,omitempty"`
	// DateDeleted is when the key was deleted, if it was; Dfns does not
	// sign with a deleted key.
	DateDeleted *time.Time `json:"dateDeleted,omitempty"`
	// Store is where the key is held, as GET /keys/{keyId} reports it;
	// nil when the response has none (listings and import answers).
	Store *KeyStore `json:"store,omitempty"`
	// Wallets are the wallets using the key, as GET /keys/{keyId}
	// reports them.
	Wallets []KeyWallet `json:"wallets,omitempty"`
}

// KeyStore is a key's store, as GET /keys/{keyId} reports it (the store
// object of GetKeyResponse in @dfns/sdk 0.8.21, generated/keys/types.d.ts).
type KeyStore struct {
	// ID is the key store's ID.
	ID string `json:"id"`
	// Kind is Hsm, Mpc or OfflineSigner.
	Kind string `json:"kind"`
	// KeyID is the key's ID within the store.
	KeyID string `json:"keyId"`
	// DerivationPath is the HD derivation path, when there is one.
	DerivationPath string `json:"derivationPath,omitempty"`
}

// KeyWallet is a wallet that uses a key, as GET /keys/{keyId} reports it.
type KeyWallet struct {
	// ID is the wallet's ID.
	ID string `json:"id"`
	// Network is the wallet's network, such as "Ethereum", or KeyECDSA,
	// KeyEdDSA or KeyECDSAStark for a wallet that is a bare key.
	Network string `json:"network"`
}

// Unusable says why Dfns does not sign with k ("exported", "archived",
// "deleted", joined with " and "), or "" when Dfns signs with it: it is
// not archived, not deleted and was never exported (Dfns by default stops
// signing with an exported key).
func (k *Key) Unusable() string {
	var why []string
	if k.DateDeleted != nil {
		why = append(why, "deleted")
	}
	if k.Exported || k.DateExported != nil {
		why = append(why, "exported")
	}
	if k.Status == "Archived" {
		why = append(why, "archived")
	}
	return strings.Join(why, " and ")
}

// CreateRequest is the body of POST /keys: a key that Dfns generates in
// its cluster itself rather than importing it. Dfns makes every ECDSA key
// it creates a CGGMP24 key.
//
// The fields are CreateKeyBody's in @dfns/sdk 0.8.21
// (generated/keys/types.d.ts).
type CreateRequest struct {
	// Scheme is ECDSA, EdDSA or Schnorr.
	Scheme string `json:"scheme"`
	// Curve is the key's curve.
	Curve Curve `json:"curve"`
	// Name is an optional key name.
	Name string `json:"name,omitempty"`
	// MasterKey asks for an HD master key. dfnskeys never sends true: see
	// [ErrMasterKey].
	MasterKey bool `json:"masterKey,omitempty"`
	// DeriveFrom, when set, derives the key from a master key.
	DeriveFrom *Derivation `json:"deriveFrom,omitempty"`
	// StoreID names the key store to keep the key in.
	StoreID string `json:"storeId,omitempty"`
	// DelegateTo is the end user the key is delegated to.
	DelegateTo string `json:"delegateTo,omitempty"`
	// DelayDelegation delays the delegation until it is triggered.
	DelayDelegation bool `json:"delayDelegation,omitempty"`
}

// Derivation is a key's master key and derivation path: what a derived
// key comes from (Key.DerivedFrom, as Dfns reports it), and what a new key
// is derived from (CreateRequest.DeriveFrom, where Path "" lets Dfns
// choose one).
type Derivation struct {
	// KeyID is the master key's ID.
	KeyID string `json:"keyId"`
	// Path is the derivation path.
	Path string `json:"path,omitempty"`
}

// ExportRequest is the body of POST /keys/{keyId}/export (and of the
// deprecated POST /wallets/{walletId}/export).
type ExportRequest struct {
	// EncryptionKey is the one-time envelope key, standard base64.
	EncryptionKey string `json:"encryptionKey"`
	// SupportedSchemes lists the protocol/curve pairs the client can recover.
	SupportedSchemes []Scheme `json:"supportedSchemes"`
}

// ExportResponse is the body of a key export response.
type ExportResponse struct {
	// PublicKey is the key's public key, hex.
	PublicKey string `json:"publicKey"`
	// Protocol is the key's protocol.
	Protocol Protocol `json:"protocol"`
	// Curve is the key's curve.
	Curve Curve `json:"curve"`
	// MinSigners is the threshold: how many shares recover the key.
	MinSigners int `json:"minSigners"`
	// EncryptedKeyShares holds one encrypted export share per signer, in
	// any order.
	EncryptedKeyShares []EncryptedKeyShare `json:"encryptedKeyShares"`
}

// ListResponse is the body of GET /keys: one page of keys.
type ListResponse struct {
	// Items holds this page's keys.
	Items []Key `json:"items"`
	// NextPageToken, when not empty, fetches the next page.
	NextPageToken string `json:"nextPageToken,omitempty"`
}

// Wallet is the response of the older POST /wallets/import: a wallet with
// the imported key nested as its signing key. Only the fields a key
// migration needs are typed.
type Wallet struct {
	// ID is the wallet ID ("wa-…").
	ID string `json:"id"`
	// Network is the wallet's network.
	Network string `json:"network"`
	// Address is the wallet's address on its network, when it has one.
	Address string `json:"address,omitempty"`
	// Name is the wallet's name, if it has one.
	Name string `json:"name,omitempty"`
	// Status is Active or Archived.
	Status string `json:"status"`
	// ExternalID is the caller's identifier, if one was given.
	ExternalID string `json:"externalId,omitempty"`
	// SigningKey is the wallet's key.
	SigningKey WalletSigningKey `json:"signingKey"`
	// Custodial reports whether the wallet is custodial.
	Custodial bool `json:"custodial"`
	// Imported reports whether the wallet's key was imported.
	Imported bool `json:"imported,omitempty"`
	// Exported reports whether the wallet's key was exported.
	Exported bool `json:"exported,omitempty"`
	// DateCreated is when the wallet was created.
	DateCreated time.Time `json:"dateCreated,omitzero"`
}

// WalletSigningKey is the key nested in a [Wallet].
type WalletSigningKey struct {
	// ID is the key ID ("key-…").
	ID string `json:"id,omitempty"`
	// Scheme is ECDSA, EdDSA or Schnorr.
	Scheme string `json:"scheme"`
	// Curve is the key's curve.
	Curve Curve `json:"curve"`
	// PublicKey is the key's public key, hex.
	PublicKey string `json:"publicKey"`
}

// SignatureAlgorithm returns the signature algorithm a key of this protocol
// and curve signs with, as Dfns names it in a key's "scheme" field
// ([Key.Scheme]): ECDSA (CGGMP21, CGGMP24), Schnorr (FROST_BITCOIN) or
// EdDSA (FROST).
func (s Scheme) SignatureAlgorithm() string {
	switch {
	case s.Curve == Ed25519:
		return "EdDSA"
	case s.Protocol == FROSTBitcoin:
		return "Schnorr"
	default:
		return "ECDSA"
	}
}
