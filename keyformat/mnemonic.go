package keyformat

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"unicode/utf8"

	"golang.org/x/crypto/pbkdf2"
	unicodenorm "golang.org/x/text/unicode/norm"

	"github.com/dfnskeys/dfnskeys/internal/bip32path"
	"github.com/dfnskeys/dfnskeys/keys"
)

// hardened is the first hardened child index, 2^31.
const hardened = bip32path.Hardened

// maxPathDepth is BIP-32's limit: depth is serialized in one byte.
const maxPathDepth = bip32path.MaxDepth

// parsePath is [bip32path.Parse].
func parsePath(path string) ([]uint32, error) { return bip32path.Parse(path) }

// parseMnemonic derives a private key on curve c from a BIP-39 mnemonic in
// the English word list, an optional passphrase and a derivation path (""
// means the curve's default: "m/44'/60'/0'/0/0", the first Ethereum
// account, on secp256k1, and "m/44'/501'/0'/0'", the first Solana account
// as Phantom and solana-keygen derive it, on ed25519).
//
// The mnemonic is normalised as wallets do: upper-case letters are folded
// to lower case and words are separated by single spaces, whatever the
// whitespace between them. It must have 12, 15, 18, 21 or 24 words, all in
// the list (abbreviations are not expanded), and a valid checksum.
// As BIP-39 requires, the mnemonic and the passphrase are first normalised
// to Unicode NFKD, so a passphrase typed in composed or decomposed form (é
// as one code point or as e plus an accent) derives the same wallet, and
// the no-break or ideographic spaces some editors paste become plain
// spaces. A mnemonic still holding non-ASCII letters after that is refused:
// no English word has one. The seed is PBKDF2-HMAC-SHA512(mnemonic,
// "mnemonic" ‖ passphrase, 2048 iterations, 64 bytes). The passphrase is
// taken as UTF-8; invalid UTF-8 is refused rather than guessed at.
//
// The normalised copies this function makes are cleared after use;
// golang.org/x/text's normaliser may keep short-lived internal buffers of
// its own, which the garbage collector reclaims.
//
// On secp256k1 the key is derived by BIP-32 from the seed; an invalid child
// key (probability below 2^-127 per step) is an error rather than skipped.
// On ed25519 it is derived by SLIP-0010, which allows hardened steps only,
// and is used as an RFC 8032 seed. Stark keys are refused: StarkNet wallets
// derive keys from mnemonics in incompatible ways.
func parseMnemonic(c keys.Curve, mnemonic []byte, passphrase []byte, path string) (*keys.PrivateKey, error) {
	switch c {
	case keys.Secp256k1, keys.Ed25519:
	case keys.Stark:
		return nil, errorf(Mnemonic, "stark keys cannot be derived from a mnemonic: StarkNet wallets do it in incompatible ways; export the private key instead")
	default:
		return nil, errorf(Mnemonic, "unsupported curve %q: supported curves are secp256k1 and ed25519", c)
	}
	if path == "" {
		path = bip32path.Default(c)
	}
	steps, err := parsePath(path)
	if err != nil {
		return nil, wrap(Mnemonic, err)
	}
	if c == keys.Ed25519 {
		for i, s := range steps {
			if s < hardened {
				return nil, errorf(Mnemonic, "derivation path %q: step %d is not hardened, and ed25519 (SLIP-0010) derives hardened children only", path, i+1)
			}
		}
	}
	seed, err := mnemonicSeed(mnemonic, passphrase)
	if err != nil {
		return nil, err
	}
	defer clear(seed)

	var key [32]byte
	defer clear(key[:])
	if c == keys.Secp256k1 {
		err = deriveBIP32(seed, steps, &key)
	} else {
		deriveSLIP10Ed25519(seed, steps, &key)
	}
	if err != nil {
		return nil, wrap(Mnemonic, err)
	}
	k, err := keys.NewPrivateKey(c, key[:])
	if err != nil {
		return nil, wrap(Mnemonic, err)
	}
	return k, nil
}

// mnemonicSeed checks a mnemonic and returns its 64-byte BIP-39 seed, which
// the caller must clear.
func mnemonicSeed(mnemonic, passphrase []byte) ([]byte, error) {
	if !utf8.Valid(passphrase) {
		return nil, errorf(Mnemonic, "the passphrase is not valid UTF-8: BIP-39 passphrases are Unicode text; check the encoding of DFNS_KEY_PASSWORD")
	}
	norm, err := normalizeMnemonic(mnemonic)
	if err != nil {
		return nil, err
	}
	defer clear(norm)
	if err := checkMnemonic(norm); err != nil {
		return nil, err
	}
	salt := unicodenorm.NFKD.Append([]byte("mnemonic"), passphrase...)
	defer clear(salt)
	return pbkdf2.Key(norm, salt, 2048, 64, sha512.New), nil
}

// normalizeMnemonic returns the words of m in lower case, separated by
// single spaces, in a new buffer the caller must clear. It normalises m to
// NFKD first, which turns no-break, ideographic and other compatibility
// spaces into U+0020.
func normalizeMnemonic(m []byte) ([]byte, error) {
	if !utf8.Valid(m) {
		return nil, errorf(Mnemonic, "the mnemonic is not valid UTF-8 text; check the file's encoding")
	}
	m = unicodenorm.NFKD.Append(nil, m...) // a copy, never the caller's buffer
	defer clear(m)
	for _, b := range m {
		if b >= 0x80 {
			return nil, errorf(Mnemonic, "the mnemonic has non-ASCII characters; only the English word list is supported")
		}
	}
	out := make([]byte, 0, len(m))
	inWord := false
	for _, b := range m {
		if isSpace(b) {
			inWord = false
			continue
		}
		if !inWord && len(out) > 0 {
			out = append(out, ' ')
		}
		inWord = true
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		out = append(out, b)
	}
	return out, nil
}

// checkMnemonic checks a normalised mnemonic's word count, words and
// checksum.
func checkMnemonic(norm []byte) error {
	words := 0
	if len(norm) > 0 {
		words = 1 + bytes.Count(norm, []byte{' '})
	}
	switch words {
	case 12, 15, 18, 21, 24:
	default:
		return errorf(Mnemonic, "%d words; a BIP-39 mnemonic has 12, 15, 18, 21 or 24", words)
	}
	// The words' 11-bit indices, concatenated: entropy then checksum.
	var bits [33]byte
	defer clear(bits[:])
	pos := 0
	for i, start := 0, 0; i < words; i++ {
		end := start
		for end < len(norm) && norm[end] != ' ' {
			end++
		}
		idx, ok := lookupWord(norm[start:end])
		if !ok {
			return errorf(Mnemonic, "word %d is not in the BIP-39 English word list", i+1)
		}
		for b := 10; b >= 0; b-- {
			bits[pos/8] |= byte((idx>>b)&1) << (7 - pos%8)
			pos++
		}
		start = end + 1
	}
	entBytes := words * 4 / 3 // ENT/8, with ENT = 32·words/3
	csBits := uint(words / 3) // CS = ENT/32
	h := sha256.Sum256(bits[:entBytes])
	defer clear(h[:])
	want := h[0] >> (8 - csBits)
	got := bits[entBytes] >> (8 - csBits)
	if subtle.ConstantTimeByteEq(want, got) != 1 {
		return errorf(Mnemonic, "checksum mismatch: a word is wrong or the words are out of order")
	}
	return nil
}

// lookupWord returns the index of w in the English list, comparing against
// every word in constant time.
func lookupWord(w []byte) (int, bool) {
	if len(w) > maxWordLen {
		return 0, false
	}
	// Only a–z can match: a zero byte would otherwise match the padding.
	var notLetter uint32
	for _, c := range w {
		notLetter |= (uint32(c) - 'a') | ('z' - uint32(c))
	}
	var padded [maxWordLen]byte
	defer clear(padded[:])
	copy(padded[:], w)
	idx, found := 0, 0
	for i := range englishWords {
		eq := subtle.ConstantTimeCompare(padded[:], englishWords[i][:])
		idx = subtle.ConstantTimeSelect(eq, i, idx)
		found |= eq
	}
	return idx, found == 1 && notLetter>>8 == 0
}
