// Package redacttest holds the one table test over every exported type in
// the module that holds a secret: each must print none of it, in any
// encoding, under any fmt verb (see docs/threat-model.md §5). It has no
// code of its own.
package redacttest
