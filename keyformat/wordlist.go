package keyformat

import (
	_ "embed"
	"strings"
)

// wordlistEnglish is the BIP-39 English word list, one word per line
// (SHA-256 2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda).
//
//go:embed wordlist_english.txt
var wordlistEnglish string

// maxWordLen is the length of the longest English word.
const maxWordLen = 8

// englishWords holds the 2048 words, zero-padded to maxWordLen bytes, for
// constant-time lookup.
var englishWords = func() *[2048][maxWordLen]byte {
	words := strings.Split(strings.TrimSuffix(wordlistEnglish, "\n"), "\n")
	if len(words) != 2048 {
		panic("keyformat: embedded BIP-39 word list does not have 2048 words")
	}
	var out [2048][maxWordLen]byte
	for i, w := range words {
		if len(w) < 3 || len(w) > maxWordLen {
			panic("keyformat: embedded BIP-39 word list has a word of unexpected length")
		}
		copy(out[i][:], w)
	}
	return &out
}()
