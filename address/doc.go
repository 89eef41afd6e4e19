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
// Address derivation takes only public keys and never sees a secret.
//
// # Constant time
//
// Address derivation is variable time (dcrd's …NonConst point operations):
// its inputs are public.
package address
