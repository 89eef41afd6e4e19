package address_test

import (
	"encoding/hex"
	"fmt"
	"log"

	"github.com/dfnskeys/dfnskeys/address"
	"github.com/dfnskeys/dfnskeys/keys"
)

// Show the addresses of a key before importing it, so that the user can
// check it is the wallet they mean.
func ExampleForKey() {
	raw, _ := hex.DecodeString("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
	key, err := keys.NewPrivateKey(keys.Secp256k1, raw)
	clear(raw)
	if err != nil {
		log.Fatal(err)
	}
	defer key.Destroy()

	a, err := address.ForKey(key.Curve(), key.PublicKey())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(a.Ethereum)
	fmt.Println(a.BitcoinP2WPKH)
	fmt.Println(a.BitcoinP2TR)
	// Output:
	// 0x2c7536E3605D9C16a7a3D7b1898e529396a65c23
	// bc1qnduq8yy8h4nr7g9vuuglzklqatmaquq9ac42k2
	// bc1pv5t8d9dxy577s0vpq8u79qkvyrguursfkh5fhlcnckf5f26y647sgwjtq3
}
