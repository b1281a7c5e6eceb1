-- Sign-in attempts per key (a client address or an account) in the current
-- fixed window, shared by every replica on the database. taker is a random
-- mark of the last attempt that was counted: an attempt finds its own mark
-- in the row when it was counted, another when it was refused. The number
-- of this migration is reserved for the sign-in hardening branch.

CREATE TABLE sign_in_attempts (
    bucket     TEXT PRIMARY KEY,
    attempts   INTEGER NOT NULL,
    expires_at {{ts}} NOT NULL,
    taker      TEXT NOT NULL
);
CREATE INDEX sign_in_attempts_expiry ON sign_in_attempts (expires_at);
