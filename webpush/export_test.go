package webpush

import "crypto/ecdh"

// EncryptWith is Encrypt with the salt and sender key pair fixed, for
// reproducing RFC 8291's example from the external test package.
func EncryptWith(sub Subscription, plaintext []byte, opts EncryptOptions, salt []byte, key *ecdh.PrivateKey) ([]byte, error) {
	opts.salt, opts.key = salt, key
	return Encrypt(sub, plaintext, opts)
}
