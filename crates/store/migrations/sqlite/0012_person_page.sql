-- A person's page counts, sums up and sorts all of the person's contacts (the timeline's counts,
-- first and last seen, times seen, usual places, a street-count night once): with every column
-- those reads use in one index beside each contact's record, they read the index alone.
CREATE INDEX contacts_person_page ON contacts (record_id, withdrawn, contact_date, contact_time, contact_type, bedded_down, location);
