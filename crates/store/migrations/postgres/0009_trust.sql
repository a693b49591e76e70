-- Sign-in attempts, counted in the database so that every server shares one count. The key is
-- `user:NAME` (the username as typed, trimmed and lower-cased) or `address:IP`.
CREATE TABLE login_attempts (
    key TEXT PRIMARY KEY,
    attempts BIGINT NOT NULL,
    window_start TEXT NOT NULL
);

-- The second factor: the step of the last code accepted (a code is accepted once), and a secret
-- being enrolled, which replaces the current one only once a code from it is confirmed.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
ALTER TABLE users ADD COLUMN totp_pending TEXT;

-- What was recorded while the user's only basis was break-glass gives no lasting access until
-- the data-protection lead confirms it: the opening it was recorded under.
ALTER TABLE contacts ADD COLUMN break_glass_id BIGINT;
ALTER TABLE consents ADD COLUMN break_glass_id BIGINT;
-- NULL while pending; `confirmed` or `rejected` once reviewed (reviewed_by, reviewed_at).
ALTER TABLE break_glass ADD COLUMN review_outcome TEXT;
