package keyformat_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log"

	"github.com/dfnskeys/dfnskeys/address"
	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
)

// Derive the first Ethereum account of a mnemonic and show its address, so
// the user can confirm it is the wallet to import.
func ExampleParse_mnemonic() {
	mnemonic := []byte("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about")
	key, err := keyformat.Parse(keyformat.Mnemonic, keys.Secp256k1, mnemonic, keyformat.Secrets{}) // m/44'/60'/0'/0/0
	clear(mnemonic)
	if err != nil {
		log.Fatal(err)
	}
	defer key.Destroy()

	addrs, err := address.ForKey(key.Curve(), key.PublicKey())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(addrs.Ethereum)
	// Output:
	// 0x9858EfFD232B4033E47d90003D41EC34EcaEda94
}

// Read a key in the format the user names, as a command-line tool would.
func ExampleParse() {
	format, err := keyformat.ParseFormat("wif")
	if err != nil {
		log.Fatal(err)
	}
	data := []byte("5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ\n")
	key, err := keyformat.Parse(format, format.Curve(), data, keyformat.Secrets{})
	clear(data)
	if err != nil {
		log.Fatal(err)
	}
	defer key.Destroy()
	fmt.Println(key) // keys print redacted
	// Output:
	// keys.PrivateKey{curve: secp256k1, publicKey: 02d0de0aaeaefad02b8bdc8a01a1b8b11c696bd3d66a2c5f10780d95b7df42645c, secret: REDACTED}
}

// Write a key exported from Dfns as a keystore that Ethereum wallets open.
func ExampleEncode_keystore() {
	key, err := keyformat.Parse(keyformat.Hex, keys.Secp256k1, []byte("0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d"), keyformat.Secrets{})
	if err != nil {
		log.Fatal(err)
	}
	defer key.Destroy()

	password := []byte("testpassword")
	// The zero KeystoreOptions means geth's standard scrypt setting; this
	// example uses a lighter one to run fast.
	data, err := keyformat.Encode(keyformat.Keystore, key, keyformat.EncodeOptions{Password: password, Keystore: keyformat.KeystoreOptions{ScryptN: 1 << 12}})
	if err != nil {
		log.Fatal(err)
	}
	// What a wallet sees: the key's address and the KDF, never the key.
	var ks struct {
		Address string `json:"address"`
		Crypto  struct {
			KDF       string `json:"kdf"`
			KDFParams struct {
				N int `json:"n"`
			} `json:"kdfparams"`
		} `json:"crypto"`
	}
	if err := json.Unmarshal(data, &ks); err != nil {
		log.Fatal(err)
	}
	fmt.Println("address:", ks.Address)
	fmt.Println("kdf:", ks.Crypto.KDF, ks.Crypto.KDFParams.N)
	fmt.Println("holds the key in the clear:", bytes.Contains(data, []byte("7a28b5ba")))

	back, err := keyformat.Parse(keyformat.Keystore, "", data, keyformat.Secrets{Password: password})
	if err != nil {
		log.Fatal(err)
	}
	defer back.Destroy()
	fmt.Println("opens to the same key:", back.Equal(key))
	_, err = keyformat.Parse(keyformat.Keystore, "", data, keyformat.Secrets{Password: []byte("wrong")})
	fmt.Println("wrong password refused:", errors.Is(err, keyformat.ErrWrongPassword))
	// Output:
	// address: 008aeeda4d805471df9b2a5b0f38a0c3bcba786b
	// kdf: scrypt 4096
	// holds the key in the clear: false
	// opens to the same key: true
	// wrong password refused: true
}
