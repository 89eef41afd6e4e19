// Package keyformat reads private keys from the formats they are kept in
// outside Dfns — hex, raw bytes, Bitcoin WIF, Ethereum V3 keystores, Solana
// keypair files, BIP-39 mnemonics, BIP-32 extended private keys (xprv and
// its variants) and dfnskeys's own export documents (json) — and returns
// them as [keys.PrivateKey] values ready for import: [Parse] takes a
// [Format]. [Encode] writes keys exported from Dfns as an export document,
// hex, WIF or a V3 keystore, and [RecordedKeyID] reads the Dfns key ID such a file records. [Load] is
// how a key the user gives is read (the command line's key sources, bulk
// rows): the format detected when none is named ([LoadOptions.Format]), the
// password or passphrase asked for only when the format needs one; and a
// key named in the wrong format is told the right one.
// Specifications:
// https://en.bitcoin.it/wiki/Wallet_import_format,
// https://ethereum.org/developers/docs/data-structures-and-encoding/web3-secret-storage,
// https://github.com/bitcoin/bips/blob/master/bip-0039.mediawiki,
// https://github.com/bitcoin/bips/blob/master/bip-0032.mediawiki and
// https://github.com/satoshilabs/slips/blob/master/slip-0010.md.
//
// Every parser takes untrusted bytes, never panics, and returns either a key
// or an [*Error] naming the format and the problem. Error messages never
// contain secret bytes: they report positions and lengths, not values.
// Every buffer the package allocates for a secret (decoded text, KDF output,
// seeds, chain codes, plaintext) is cleared before it returns. Buffers owned
// by the standard library and golang.org/x/crypto — HMAC, SHA-2, scrypt,
// PBKDF2 and AES internal state — cannot be cleared from outside and are
// left to the garbage collector. The caller's input is never modified; the
// caller should clear it.
//
// # Secrets and timing
//
// [Parse], [Load] and [Encode] touch secrets; [RecordedKeyID],
// [ParseFormat], [Formats] and [Format.Curve]
// do not.
//
//   - Load detecting a format, and Parse when a key fails in the format named, classify
//     the input with ordinary branches: its length, its first byte, its
//     character classes (hex, base58, lower-case words) and a keystore's
//     JSON field names, through timing. The input is the user's own file,
//     read on the user's machine; it classifies and never decodes.
//   - Hex digits and base58 characters are decoded without secret-indexed
//     table lookups or secret-dependent branches (see package address for
//     base58). Not hidden: where the whitespace is, whether the text starts
//     with "0" (to find a "0x" prefix), the number of digits, and the number
//     of leading '1's in base58. Solana's JSON-array form is parsed byte by
//     byte and leaks, through timing, the number of digits of each number.
//   - Checksums (WIF) and MACs (keystore) are compared with crypto/subtle.
//   - BIP-39 words are looked up by comparing against all 2048 words in
//     constant time, and the checksum is compared in constant time. The word
//     count and word lengths are not hidden.
//   - BIP-32 child derivation adds scalars with dcrd's constant-time
//     ModNScalar arithmetic, but a non-hardened step multiplies the parent
//     key by the generator with dcrd's variable-time ScalarBaseMultNonConst
//     to compute the parent public key. SLIP-0010 (ed25519) uses only
//     HMAC-SHA512, which is constant time.
//   - Key validation and public-key computation inherit the timing
//     properties of package keys.
//
// # Limits
//
// Keystore key-derivation parameters are bounded so that a hostile file
// cannot make the parser run for minutes or exhaust memory: scrypt n is a
// power of two from 2 to 2^20, r at most 32, p at most 16, 128·n·r at most
// 512 MiB and n·r·p at most 2^24; PBKDF2 runs at most 10,000,000
// iterations. These admit every standard wallet's keystore with room to
// spare (geth's default, the heaviest, is n = 2^18, r = 8, p = 1: 256 MiB);
// a file above them is refused before any derivation, with an error
// wrapping [ErrKDFLimit].
// Keystore files larger than 1 MiB are rejected.
package keyformat
