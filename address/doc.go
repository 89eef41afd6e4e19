// Package address derives the addresses a key is known by on common chains
// from its public key: Ethereum (EIP-55); Bitcoin native SegWit P2WPKH
// (BIP-173, BIP-84), Taproot P2TR (BIP-341, BIP-350, BIP-86), legacy P2PKH
// (BIP-44) and nested SegWit P2SH-P2WPKH (BIP-49); and Solana. [ForKey]
// gives every address of a key at once; [Addresses.Match] tells which kind
// an address is, mainnet or testnet; and [Expect] turns an address the user
// knows into a [keys.Expectation], so that an export is checked against it.
// See https://eips.ethereum.org/EIPS/eip-55 and
// https://github.com/bitcoin/bips/blob/master/bip-0086.mediawiki.
//
// Address derivation takes only public keys and never sees a secret. The
// package also holds the base58 codec ([Base58Encode], [Base58AppendEncode],
// [Base58Decode]) that both Solana addresses and package keyformat's WIF and
// Solana keypair parsers use; those callers do pass secrets through it.
//
// # Constant time
//
// Address derivation is variable time (dcrd's …NonConst point operations):
// its inputs are public. The base58 codec is written for secret input: the
// alphabet is searched with constant-time comparisons rather than indexed,
// and the big-number conversion runs a number of steps fixed by the input
// length. What does depend on the value is the count of leading zero bytes
// (leading '1' characters), which base58 writes out as such, and the length
// of the output. Base58 buffers holding intermediate values are cleared.
package address
