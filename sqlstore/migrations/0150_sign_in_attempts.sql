-- Sign-in attempts per key (a client address or an account) in the current
-- fixed window, shared by every replica on the database. The number of this
-- migration is reserved for the sign-in hardening branch.

CREATE TABLE sign_in_attempts (
    bucket     TEXT PRIMARY KEY,
    attempts   INTEGER NOT NULL,
    expires_at {{ts}} NOT NULL
);
CREATE INDEX sign_in_attempts_expiry ON sign_in_attempts (expires_at);
