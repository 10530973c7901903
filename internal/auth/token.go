package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// Token prefixes: they tell a leaked token's kind at a glance (and let
// secret scanners find them).
const (
	APITokenPrefix  = "pkt_" // a user's API token
	FeedTokenPrefix = "pkf_" // a site's report token
	sessionPrefix   = "pks_" // a web session cookie
)

// NewToken returns a new random token (256 bits) with prefix and the hash
// under which the store keeps it.
func NewToken(prefix string) (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is the hash a token is stored and looked up under: SHA-256
// (a token has 256 random bits: no password hashing needed).
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
