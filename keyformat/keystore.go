package keyformat

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/pbkdf2"
	"golang.org/x/crypto/scrypt"
	"golang.org/x/crypto/sha3"

	"github.com/dfnskeys/dfnskeys/address"
	"github.com/dfnskeys/dfnskeys/keys"
)

// Bounds on keystore files and their key-derivation parameters.
const (
	maxKeystoreSize = 1 << 20
	maxSaltSize     = 1024
)

// kdfLimits bounds the work a keystore's KDF parameters can ask for.
type kdfLimits struct {
	scryptN, scryptR, scryptP int
	scryptMemory              int // 128·n·r bytes
	scryptWork                int // n·r·p
	pbkdf2Iterations          int
}

// defaultKDFLimits admit every keystore a standard wallet writes, with
// room to spare, and little more. What wallets write: geth and clef scrypt
// n = 2^18, r = 8, p = 1 (256 MiB, the heaviest standard setting; their
// "light" one is n = 2^12, p = 6) or PBKDF2 with 262,144 iterations;
// ethers.js n = 2^17, r = 8, p = 1; web3.js n = 2^13, r = 8, p = 1;
// eth-keyfile (Python) n = 2^18, r = 1, p = 8, or PBKDF2 with 1,000,000
// iterations; Parity PBKDF2 with 10,240. The bounds are twice the heaviest
// of these in memory (512 MiB) and eight times in work (n·r·p; ten times in
// PBKDF2 iterations), so that a keystore made with a doubled setting still
// opens, while a hostile file costs at most 512 MiB and seconds of CPU.
// (bulk-import also runs one derivation at a time, whatever its number of
// workers, so that its peak memory is that of one.)
var defaultKDFLimits = kdfLimits{
	scryptN:          1 << 20,
	scryptR:          32,
	scryptP:          16,
	scryptMemory:     512 << 20,
	scryptWork:       1 << 24,
	pbkdf2Iterations: 10_000_000,
}

// ErrKDFLimit is wrapped (in an [*Error]) when a keystore's key-derivation
// parameters ask for more memory or work than [Parse] allows (see
// the package documentation, Limits). Such a file is refused before any
// key derivation runs.
var ErrKDFLimit = errors.New("keystore key-derivation parameters above the limit")

// limitError is a KDF parameter above a bound: its message says which,
// and it wraps ErrKDFLimit.
type limitError struct{ msg string }

func (e *limitError) Error() string { return e.msg }
func (e *limitError) Unwrap() error { return ErrKDFLimit }

func overLimit(format string, args ...any) error {
	return &limitError{msg: fmt.Sprintf(format, args...)}
}

// kdfAdvice follows a limit error of parseKeystore: what it means and
// what to do.
const kdfAdvice = "; the file was refused before any key derivation. Keystores from standard wallets are well within the limits (geth's default is scrypt n = 262144, r = 8, p = 1, 256 MiB), so this one was written with unusual settings or made to exhaust this machine: if it is yours, open it with the wallet that wrote it and save it again with standard settings"

// Parameters encryptKeystore uses by default: geth's standard scrypt
// setting and its PBKDF2 iteration count.
const (
	// defaultScryptN is scrypt's CPU/memory cost n: 2^18 = 262144.
	defaultScryptN = 1 << 18
	// defaultScryptR is scrypt's block size r.
	defaultScryptR = 8
	// defaultScryptP is scrypt's parallelism p.
	defaultScryptP = 1
	// defaultPBKDF2Iterations is PBKDF2's iteration count: 2^18 = 262144.
	defaultPBKDF2Iterations = 1 << 18
)

type keystoreJSON struct {
	Address string         `json:"address,omitempty"`
	Crypto  keystoreCrypto `json:"crypto"` // encoding/json also matches "Crypto"
	// Dfnskeys is dfnskeys's own addition, see keystoreSection.
	Dfnskeys *keystoreSection `json:"dfnskeys,omitempty"`
	ID       string           `json:"id"`
	Version  int              `json:"version"`
}

type keystoreCrypto struct {
	Cipher       string               `json:"cipher"`
	CipherText   string               `json:"ciphertext"`
	CipherParams keystoreCipherParams `json:"cipherparams"`
	KDF          string               `json:"kdf"`
	KDFParams    json.RawMessage      `json:"kdfparams"`
	MAC          string               `json:"mac"`
}

type keystoreCipherParams struct {
	IV string `json:"iv"`
}

type scryptParams struct {
	DKLen int    `json:"dklen"`
	N     int    `json:"n"`
	P     int    `json:"p"`
	R     int    `json:"r"`
	Salt  string `json:"salt"`
}

type pbkdf2Params struct {
	C     int    `json:"c"`
	DKLen int    `json:"dklen"`
	PRF   string `json:"prf"`
	Salt  string `json:"salt"`
}

// parseKeystore decrypts an Ethereum V3 keystore (Web3 Secret Storage):
// version 3, cipher aes-128-ctr, KDF scrypt or PBKDF2-HMAC-SHA256 with a
// 32-byte derived key, and a MAC keccak256(dk[16:32] ‖ ciphertext) that is
// checked, in constant time, before anything is decrypted. A MAC mismatch
// returns [ErrWrongPassword]. The ciphertext must be 32 bytes and decrypt to
// a valid secp256k1 key; when the file has an address field, it must be the
// key's address.
//
// KDF parameters are bounded (see the package documentation); the most
// expensive accepted file takes seconds and up to 512 MiB of memory.
// Parameters above a bound are refused, before any key derivation, with an
// error wrapping [ErrKDFLimit] that says what was found, the limit, and
// what to do.
// Parameters above lim are refused.
func parseKeystore(data, password []byte, lim kdfLimits) (*keys.PrivateKey, error) {
	if len(data) > maxKeystoreSize {
		return nil, errorf(Keystore, "file is %d bytes, more than the %d a keystore can be", len(data), maxKeystoreSize)
	}
	var ks keystoreJSON
	if err := json.Unmarshal(data, &ks); err != nil {
		return nil, errorf(Keystore, "invalid JSON: %s", jsonErrorText(err))
	}
	if ks.Version != 3 {
		return nil, errorf(Keystore, "version is %d; only version 3 keystores are supported", ks.Version)
	}
	c := &ks.Crypto
	if c.Cipher == "" && c.KDF == "" && c.CipherText == "" {
		return nil, errorf(Keystore, "no crypto section")
	}
	if c.Cipher != "aes-128-ctr" {
		return nil, errorf(Keystore, "unsupported cipher %q; only aes-128-ctr is supported", c.Cipher)
	}
	iv, err := decodeHexField("crypto.cipherparams.iv", c.CipherParams.IV, aes.BlockSize)
	if err != nil {
		return nil, err
	}
	ct, err := decodeHexField("crypto.ciphertext", c.CipherText, 32)
	if err != nil {
		return nil, err
	}
	mac, err := decodeHexField("crypto.mac", c.MAC, 32)
	if err != nil {
		return nil, err
	}
	dk, err := deriveKeystoreKey(c.KDF, c.KDFParams, password, lim)
	if err != nil {
		return nil, err
	}
	defer clear(dk)
	if subtle.ConstantTimeCompare(keystoreMAC(dk, ct), mac) != 1 {
		return nil, wrap(Keystore, ErrWrongPassword)
	}
	plain := make([]byte, len(ct))
	defer clear(plain)
	if err := aes128CTR(dk[:16], iv, plain, ct); err != nil {
		return nil, wrap(Keystore, err)
	}
	k, err := keys.NewPrivateKey(keys.Secp256k1, plain)
	if err != nil {
		return nil, wrap(Keystore, err)
	}
	if d := ks.Dfnskeys; d != nil {
		switch {
		case d.Curve != keys.Secp256k1 || d.Kind != kindScalar:
			k.Destroy()
			return nil, errorf(Keystore, "the dfnskeys section says %q %q; a keystore holds a secp256k1 scalar", d.Curve, d.Kind)
		case !strings.EqualFold(d.PublicKey, k.PublicKeyHex()):
			k.Destroy()
			return nil, errorf(Keystore, "the dfnskeys section's publicKey %q is not the decrypted key's public key %s", d.PublicKey, k.PublicKeyHex())
		case checkKeyID(Keystore, d.KeyID) != nil:
			k.Destroy()
			return nil, errorf(Keystore, "the dfnskeys section's keyId is not a Dfns key ID")
		}
	}
	if ks.Address != "" {
		want := strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(ks.Address, "0x"), "0X"))
		got, err := keystoreAddress(k)
		if err != nil {
			k.Destroy()
			return nil, err
		}
		if want != got {
			k.Destroy()
			return nil, errorf(Keystore, "address field %q is not the decrypted key's address %s", ks.Address, got)
		}
	}
	return k, nil
}

func decodeHexField(name, s string, size int) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, errorf(Keystore, "%s is not hex", name)
	}
	if size > 0 && len(b) != size {
		return nil, errorf(Keystore, "%s is %d bytes, want %d", name, len(b), size)
	}
	return b, nil
}

// deriveKeystoreKey checks the KDF parameters against lim and returns the
// 32-byte derived key, which the caller must clear.
func deriveKeystoreKey(kdf string, raw json.RawMessage, password []byte, lim kdfLimits) ([]byte, error) {
	if len(raw) == 0 {
		return nil, errorf(Keystore, "crypto.kdfparams is missing")
	}
	switch kdf {
	case "scrypt":
		var p scryptParams
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, errorf(Keystore, "invalid scrypt parameters: %s", jsonErrorText(err))
		}
		if err := checkScrypt(p.N, p.R, p.P, lim); err != nil {
			return nil, wrap(Keystore, withAdvice(err))
		}
		salt, err := checkKDFCommon(p.DKLen, p.Salt)
		if err != nil {
			return nil, err
		}
		dk, err := scryptKey(password, salt, p.N, p.R, p.P, 32)
		if err != nil {
			return nil, errorf(Keystore, "scrypt: %w", err)
		}
		return dk, nil
	case "pbkdf2":
		var p pbkdf2Params
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, errorf(Keystore, "invalid pbkdf2 parameters: %s", jsonErrorText(err))
		}
		if p.PRF != "hmac-sha256" {
			return nil, errorf(Keystore, "unsupported pbkdf2 prf %q; only hmac-sha256 is supported", p.PRF)
		}
		if err := checkPBKDF2(p.C, lim); err != nil {
			return nil, wrap(Keystore, withAdvice(err))
		}
		salt, err := checkKDFCommon(p.DKLen, p.Salt)
		if err != nil {
			return nil, err
		}
		return pbkdf2Key(password, salt, p.C, 32, sha256.New), nil
	default:
		return nil, errorf(Keystore, "unsupported kdf %q; scrypt and pbkdf2 are supported", kdf)
	}
}

// scryptKey and pbkdf2Key are the derivations parseKeystore runs; tests
// replace them to see that hostile parameters are refused before either.
var (
	scryptKey = scrypt.Key
	pbkdf2Key = pbkdf2.Key
)

// withAdvice adds kdfAdvice to a limit error.
func withAdvice(err error) error {
	if errors.Is(err, ErrKDFLimit) {
		return fmt.Errorf("%w%s", err, kdfAdvice)
	}
	return err
}

func checkScrypt(n, r, p int, lim kdfLimits) error {
	switch {
	case n < 2 || n&(n-1) != 0:
		return errors.New("scrypt n must be a power of two greater than 1")
	case n > lim.scryptN:
		return overLimit("scrypt n = %d is above the limit of %d", n, lim.scryptN)
	case r < 1:
		return fmt.Errorf("scrypt r = %d is outside 1..%d", r, lim.scryptR)
	case r > lim.scryptR:
		return overLimit("scrypt r = %d is outside 1..%d", r, lim.scryptR)
	case p < 1:
		return fmt.Errorf("scrypt p = %d is outside 1..%d", p, lim.scryptP)
	case p > lim.scryptP:
		return overLimit("scrypt p = %d is outside 1..%d", p, lim.scryptP)
	case 128*n*r > lim.scryptMemory:
		return overLimit("scrypt n = %d, r = %d need %d MiB of memory, above the limit of %d MiB", n, r, 128*n*r>>20, lim.scryptMemory>>20)
	case n*r*p > lim.scryptWork:
		return overLimit("scrypt n·r·p = %d is above the limit of %d", n*r*p, lim.scryptWork)
	}
	return nil
}

func checkPBKDF2(c int, lim kdfLimits) error {
	switch {
	case c < 1:
		return fmt.Errorf("pbkdf2 iteration count %d is outside 1..%d", c, lim.pbkdf2Iterations)
	case c > lim.pbkdf2Iterations:
		return overLimit("pbkdf2 iteration count %d is outside 1..%d", c, lim.pbkdf2Iterations)
	}
	return nil
}

func checkKDFCommon(dklen int, saltHex string) ([]byte, error) {
	if dklen != 32 {
		return nil, errorf(Keystore, "kdfparams.dklen is %d, want 32", dklen)
	}
	if len(saltHex) > 2*maxSaltSize {
		return nil, errorf(Keystore, "kdfparams.salt is longer than %d bytes", maxSaltSize)
	}
	return decodeHexField("crypto.kdfparams.salt", saltHex, 0)
}

// keystoreMAC is keccak256(dk[16:32] ‖ ciphertext).
func keystoreMAC(dk, ct []byte) []byte {
	h := sha3.NewLegacyKeccak256()
	h.Write(dk[16:32])
	h.Write(ct)
	return h.Sum(nil)
}

func aes128CTR(key, iv, dst, src []byte) error {
	block, err := aes.NewCipher(key)
	if err != nil {
		return err
	}
	cipher.NewCTR(block, iv).XORKeyStream(dst, src)
	return nil
}

// keystoreAddress is the key's Ethereum address as keystores write it:
// lowercase hex without "0x".
func keystoreAddress(k *keys.PrivateKey) (string, error) {
	a, err := address.ForKey(keys.Secp256k1, k.PublicKey())
	if err != nil {
		return "", wrap(Keystore, err)
	}
	return strings.ToLower(a.Ethereum[2:]), nil
}

// KeystoreOptions selects the key-derivation function encryptKeystore
// uses. The zero value means scrypt with n = 262144, r = 8, p = 1.
type KeystoreOptions struct {
	// KDF is "scrypt" (the default when empty) or "pbkdf2".
	KDF string
	// ScryptN, ScryptR and ScryptP are scrypt's cost parameters; zero
	// means geth's standard n = 262144 (2^18), r = 8 and p = 1.
	ScryptN, ScryptR, ScryptP int
	// PBKDF2Iterations is PBKDF2's iteration count; zero means 262144
	// (2^18).
	PBKDF2Iterations int
	// KeyID, when set, is the key's Dfns ID. It is recorded, with the
	// curve, the kind (scalar) and the public key, in a "dfnskeys" object
	// that other keystore readers ignore and parseKeystore checks.
	KeyID string
}

// randReader is the randomness source of encryptKeystore; tests replace it.
var randReader io.Reader = rand.Reader

// encryptKeystore writes secp256k1 key k as an Ethereum V3 keystore
// encrypted under password: aes-128-ctr with a random IV, the KDF chosen by
// opts with a random 32-byte salt, a random version 4 UUID as id, and the
// key's address (lowercase hex without "0x"). Parameters outside the limits
// parseKeystore accepts are refused, so every file written can be read back.
func encryptKeystore(k *keys.PrivateKey, password []byte, opts KeystoreOptions) ([]byte, error) {
	if k == nil {
		return nil, errorf(Keystore, "nil key")
	}
	if k.Curve() != keys.Secp256k1 {
		return nil, errorf(Keystore, "only secp256k1 keys can be written to a keystore, not %s", k.Curve())
	}
	if err := checkKeyID(Keystore, opts.KeyID); err != nil {
		return nil, err
	}
	var section *keystoreSection
	if opts.KeyID != "" {
		section = &keystoreSection{KeyID: opts.KeyID, Curve: keys.Secp256k1, Kind: kindScalar, PublicKey: k.PublicKeyHex()}
	}
	var random [32 + aes.BlockSize + 16]byte
	if _, err := io.ReadFull(randReader, random[:]); err != nil {
		return nil, errorf(Keystore, "reading randomness: %w", err)
	}
	salt, iv, id := random[:32], random[32:48], random[48:]

	var kdf string
	var params any
	var dk []byte
	switch opts.KDF {
	case "", "scrypt":
		kdf = "scrypt"
		if opts.PBKDF2Iterations != 0 {
			return nil, errorf(Keystore, "PBKDF2Iterations is set but the KDF is scrypt")
		}
		n, r, p := orDefault(opts.ScryptN, defaultScryptN), orDefault(opts.ScryptR, defaultScryptR), orDefault(opts.ScryptP, defaultScryptP)
		if err := checkScrypt(n, r, p, defaultKDFLimits); err != nil {
			return nil, wrap(Keystore, err)
		}
		var err error
		if dk, err = scrypt.Key(password, salt, n, r, p, 32); err != nil {
			return nil, errorf(Keystore, "scrypt: %w", err)
		}
		params = scryptParams{DKLen: 32, N: n, P: p, R: r, Salt: hex.EncodeToString(salt)}
	case "pbkdf2":
		kdf = "pbkdf2"
		if opts.ScryptN != 0 || opts.ScryptR != 0 || opts.ScryptP != 0 {
			return nil, errorf(Keystore, "scrypt parameters are set but the KDF is pbkdf2")
		}
		c := orDefault(opts.PBKDF2Iterations, defaultPBKDF2Iterations)
		if err := checkPBKDF2(c, defaultKDFLimits); err != nil {
			return nil, wrap(Keystore, err)
		}
		dk = pbkdf2.Key(password, salt, c, 32, sha256.New)
		params = pbkdf2Params{C: c, DKLen: 32, PRF: "hmac-sha256", Salt: hex.EncodeToString(salt)}
	default:
		return nil, errorf(Keystore, "unsupported kdf %q; scrypt and pbkdf2 are supported", opts.KDF)
	}
	defer clear(dk)

	plain := k.Bytes()
	defer clear(plain)
	ct := make([]byte, len(plain))
	if err := aes128CTR(dk[:16], iv, ct, plain); err != nil {
		return nil, wrap(Keystore, err)
	}
	rawParams, err := json.Marshal(params)
	if err != nil {
		return nil, wrap(Keystore, err)
	}
	addr, err := keystoreAddress(k)
	if err != nil {
		return nil, err
	}
	id[6] = id[6]&0x0f | 0x40 // version 4
	id[8] = id[8]&0x3f | 0x80 // RFC 4122 variant
	out, err := json.Marshal(keystoreJSON{
		Address: addr,
		Crypto: keystoreCrypto{
			Cipher:       "aes-128-ctr",
			CipherText:   hex.EncodeToString(ct),
			CipherParams: keystoreCipherParams{IV: hex.EncodeToString(iv)},
			KDF:          kdf,
			KDFParams:    rawParams,
			MAC:          hex.EncodeToString(keystoreMAC(dk, ct)),
		},
		Dfnskeys: section,
		ID:       fmt.Sprintf("%x-%x-%x-%x-%x", id[0:4], id[4:6], id[6:8], id[8:10], id[10:16]),
		Version:  3,
	})
	if err != nil {
		return nil, wrap(Keystore, err)
	}
	return out, nil
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}
