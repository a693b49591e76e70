-- Optional email: a user's address, and each notification's delivery by email (the outbox).
-- A server claims a notification before sending it, so that several servers never send one twice;
-- a claim older than a few minutes is taken to have died with its server.
ALTER TABLE users ADD COLUMN email TEXT;
ALTER TABLE notifications ADD COLUMN email_claimed_at TEXT;
ALTER TABLE notifications ADD COLUMN emailed_at TEXT;
ALTER TABLE notifications ADD COLUMN email_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN email_error TEXT;
CREATE INDEX notifications_outbox ON notifications (emailed_at, at);
