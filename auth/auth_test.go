package auth

import (
	"errors"
	"strings"
	"testing"
)

var fast = Params{Memory: 64, Time: 1, Threads: 1}

func TestPasswordRoundTrip(t *testing.T) {
	h, err := HashPassword("correct horse battery", fast)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("unexpected encoding %q", h)
	}
	if err := VerifyPassword("correct horse battery", h); err != nil {
		t.Fatalf("right password rejected: %v", err)
	}
	if err := VerifyPassword("correct horse batterY", h); !errors.Is(err, ErrMismatch) {
		t.Fatalf("wrong password: %v, want ErrMismatch", err)
	}
	h2, _ := HashPassword("correct horse battery", fast)
	if h2 == h {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=x$c2FsdA$a2V5", "$argon2id$v=19$m=64,t=1,p=1$!!$a2V5"} {
		if err := VerifyPassword("pw", bad); err == nil || errors.Is(err, ErrMismatch) {
			t.Errorf("hash %q: %v, want a format error", bad, err)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	if CheckPassword("short") == "" || CheckPassword("long enough pw") != "" || CheckPassword("パスワードは十文字以上") != "" {
		t.Fatal("password rules wrong")
	}
}

func TestToken(t *testing.T) {
	a, _ := NewToken("kkt_")
	b, _ := NewToken("kkt_")
	if a == b || !strings.HasPrefix(a, "kkt_") || len(a) < 40 {
		t.Fatalf("tokens %q %q", a, b)
	}
	if string(HashToken(a)) == string(HashToken(b)) || len(HashToken(a)) != 32 {
		t.Fatal("token hashes")
	}
}

func TestFeedToken(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	tok := FeedToken(secret, 42)
	if id, ok := FeedUser(secret, tok+".atom"); !ok || id != 42 {
		t.Fatalf("FeedUser(%q) = %d, %v", tok, id, ok)
	}
	for _, bad := range []string{"", "42", "42-", "43" + tok[2:], tok + "x", "-" + tok} {
		if _, ok := FeedUser(secret, bad); ok {
			t.Errorf("forged token %q accepted", bad)
		}
	}
	if _, ok := FeedUser([]byte("another secret, another feed set"), tok); ok {
		t.Error("a token survived a new secret")
	}
}

func TestDummyHash(t *testing.T) {
	h := DummyHash(fast)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("dummy hash %q: want the given cost", h)
	}
	for _, pw := range []string{"", "password", "timing-equaliser"} {
		if err := VerifyPassword(pw, h); !errors.Is(err, ErrMismatch) {
			t.Errorf("VerifyPassword(%q, dummy) = %v, want ErrMismatch", pw, err)
		}
	}
}
