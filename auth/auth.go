// Package auth holds Kakehashi's credential primitives: argon2id password
// hashes, random session and API tokens stored only as hashes, the sign-in
// rate limiter's contract, and the client address behind trusted proxies.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters. DefaultParams follow the OWASP
// recommendation for argon2id (19 MiB, 2 passes, 1 lane).
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultParams are the parameters new hashes use.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// ErrMismatch means a password does not match its hash.
var ErrMismatch = errors.New("password does not match")

// HashPassword returns the PHC-format argon2id hash of pw with a random salt.
func HashPassword(pw string, p Params) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// DummyHash returns a valid hash of the same cost as HashPassword's with p,
// of a password nobody knows (random, then forgotten). Checking a password
// against it takes as long as against a real hash and always fails, which
// lets a sign-in to an unknown account spend the same time as any other.
func DummyHash(p Params) string {
	secret := make([]byte, 32)
	rand.Read(secret) // never fails (crypto/rand panics instead)
	h, err := HashPassword(base64.RawStdEncoding.EncodeToString(secret), p)
	if err != nil {
		panic(fmt.Sprintf("auth: dummy hash: %v", err)) // unreachable: only the salt's rand.Read can fail
	}
	return h
}

// VerifyPassword checks pw against an encoded hash in constant time. It
// returns ErrMismatch for a wrong password and another error for a hash it
// cannot read.
func VerifyPassword(pw, encoded string) error {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return errors.New("not an argon2id hash")
	}
	var v int
	var p Params
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return fmt.Errorf("unsupported argon2 version %q", parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return fmt.Errorf("bad argon2 parameters %q: %w", parts[3], err)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return fmt.Errorf("bad salt: %w", err)
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return fmt.Errorf("bad key: %v", err)
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrMismatch
	}
	return nil
}

// NewToken returns a random token with the given prefix ("kks_" for
// sessions, "kkt_" for API tokens) so a leaked secret is recognisable.
func NewToken(prefix string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// HashToken returns the SHA-256 of a token: tokens are random and long, so
// a fast hash suffices and lets the store find them by hash.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
