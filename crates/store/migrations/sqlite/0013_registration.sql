-- People registered in byname by a worker who met them: a record of source `local`, owned by the
-- worker's organisation, with a description when the name is not known ("man, 40s, green
-- sleeping bag"). Registering looks for the likely existing people first: by date of birth and
-- by name.
ALTER TABLE source_records ADD COLUMN description TEXT;
ALTER TABLE source_records ADD COLUMN organisation_id INTEGER REFERENCES organisations (id);
CREATE INDEX source_records_date_of_birth ON source_records (date_of_birth);
CREATE INDEX source_records_last_name ON source_records (lower(last_name));
CREATE INDEX source_records_first_name ON source_records (lower(first_name));
