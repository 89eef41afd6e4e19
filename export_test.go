package dfnskeys

import "time"

// SetAmbiguityLookup shortens the search for an ambiguously imported key
// in tests; the returned function restores the defaults.
func SetAmbiguityLookup(n int, delay time.Duration) (restore func()) {
	oldN, oldD := ambiguityLookups, ambiguityLookupDelay
	ambiguityLookups, ambiguityLookupDelay = n, delay
	return func() { ambiguityLookups, ambiguityLookupDelay = oldN, oldD }
}
