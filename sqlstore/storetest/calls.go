package storetest

import "testing"

// callTests are the conformance tests of challenge calls.
var callTests []struct {
	name string
	fn   func(*testing.T, NewDSN)
}
