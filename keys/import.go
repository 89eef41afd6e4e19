package keys

import "errors"

// ErrMasterKey is returned when an import asks for masterKey: true. An HD
// master key's chain code travels inside Dfns's key shares in a format that
// Dfns has not published, and dfnskeys never guesses a format for key
// material (docs/protocol.md, "Protocols and curves").
var ErrMasterKey = errors.New("importing a master key (masterKey: true) is not supported: " +
	"the format in which Dfns carries an HD key's chain code inside the shares is not public; " +
	"import the derived child keys instead: derive each one locally (for example from the mnemonic with a derivation path) and import it as a plain key")
