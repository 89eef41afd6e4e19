module github.com/dfnskeys/dfnskeys

go 1.24.0

require (
	filippo.io/edwards25519 v1.2.0
	github.com/consensys/gnark-crypto v0.19.2
	github.com/decred/dcrd/dcrec/secp256k1/v4 v4.4.1
	github.com/rogpeppe/go-internal v1.14.1
	github.com/stretchr/testify v1.11.1
	golang.org/x/crypto v0.48.0
	golang.org/x/sys v0.41.0
	golang.org/x/term v0.40.0
	golang.org/x/text v0.34.0
)

require (
	github.com/bits-and-blooms/bitset v1.20.0 // indirect
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/kr/text v0.2.0 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	golang.org/x/tools v0.41.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
