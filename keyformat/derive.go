package keyformat

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/binary"
	"fmt"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// deriveBIP32 writes to out the secp256k1 private key at path from seed,
// by BIP-32's master key generation and CKDpriv.
func deriveBIP32(seed []byte, path []uint32, out *[32]byte) error {
	var I [64]byte
	defer clear(I[:])
	hmacSHA512([]byte("Bitcoin seed"), seed, &I)
	var k secp256k1.ModNScalar
	defer k.Zero()
	if overflow := k.SetByteSlice(I[:32]); overflow || k.IsZero() {
		return fmt.Errorf("the seed gives an invalid BIP-32 master key")
	}
	var chain [32]byte
	defer clear(chain[:])
	copy(chain[:], I[32:])
	if err := bip32Derive(&k, &chain, path); err != nil {
		return err
	}
	k.PutBytes(out)
	return nil
}

// bip32Derive replaces the extended key (k, chain) with its descendant at
// path, by BIP-32's CKDpriv.
func bip32Derive(k *secp256k1.ModNScalar, chain *[32]byte, path []uint32) error {
	var I [64]byte
	defer clear(I[:])
	var data [37]byte
	defer clear(data[:])
	for depth, idx := range path {
		if idx >= hardened {
			data[0] = 0
			k.PutBytesUnchecked(data[1:33])
		} else {
			// point(k): variable-time base multiplication (dcrd has no other).
			priv := secp256k1.NewPrivateKey(k)
			copy(data[:33], priv.PubKey().SerializeCompressed())
			priv.Zero()
		}
		binary.BigEndian.PutUint32(data[33:], idx)
		hmacSHA512(chain[:], data[:], &I)
		var il secp256k1.ModNScalar
		overflow := il.SetByteSlice(I[:32])
		k.Add(&il)
		il.Zero()
		if overflow || k.IsZero() {
			return fmt.Errorf("derivation step %d gives an invalid BIP-32 child key; BIP-32 says to use the next index instead", depth+1)
		}
		copy(chain[:], I[32:])
	}
	return nil
}

// deriveSLIP10Ed25519 writes to out the ed25519 seed at path from seed, by
// SLIP-0010's ed25519 master key generation and hardened CKDpriv. Every
// step of path must be hardened.
func deriveSLIP10Ed25519(seed []byte, path []uint32, out *[32]byte) {
	var I [64]byte
	defer clear(I[:])
	hmacSHA512([]byte("ed25519 seed"), seed, &I)
	var data [37]byte
	defer clear(data[:])
	for _, idx := range path {
		data[0] = 0
		copy(data[1:33], I[:32])
		binary.BigEndian.PutUint32(data[33:], idx)
		var chain [32]byte
		copy(chain[:], I[32:])
		hmacSHA512(chain[:], data[:], &I)
		clear(chain[:])
	}
	copy(out[:], I[:32])
}

func hmacSHA512(key, msg []byte, out *[64]byte) {
	m := hmac.New(sha512.New, key)
	m.Write(msg)
	m.Sum(out[:0])
}
