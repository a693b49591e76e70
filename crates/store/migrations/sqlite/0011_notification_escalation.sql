-- A notification names the escalation it is about by its id; the front ends build the page's
-- address from it. Every notification so far linked to `/escalations/{id}`, so the id is read
-- back from that link before the link goes.
ALTER TABLE notifications ADD COLUMN escalation_id INTEGER;
UPDATE notifications SET escalation_id = CAST(SUBSTR(link, 14) AS INTEGER) WHERE link LIKE '/escalations/%';
ALTER TABLE notifications DROP COLUMN link;
CREATE INDEX notifications_escalation ON notifications (escalation_id);
