-- An optional second factor: a TOTP secret (RFC 6238), in force once the user has confirmed a
-- code from it.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled BIGINT NOT NULL DEFAULT 0;
