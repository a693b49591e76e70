-- Escalations, part two. A service leader of an area may also be its head of service, who
-- receives the area's escalations that nobody answered in time (level 2). Level 3 goes to the
-- Strategic Group's members (role strategic_viewer) and its agenda.
ALTER TABLE users ADD COLUMN head_of_service BIGINT NOT NULL DEFAULT 0;

CREATE INDEX escalations_area ON escalations (service_area, level);
CREATE INDEX escalations_organisation ON escalations (organisation_id);
