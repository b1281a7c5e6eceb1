-- The generation of each user's Atom feed address: rotating the address
-- moves it on, so that the previous address no longer matches. The number
-- of this migration is reserved for the sign-in hardening branch.

ALTER TABLE users ADD COLUMN feed_generation BIGINT NOT NULL DEFAULT 0;
