//! A population as compact bytes, so the statistics need not re-read millions
//! of contacts from the database for every report: the store keeps one
//! snapshot per state of the data (see `byname-pipeline`'s statistics), the way
//! a column store keeps its files. Nine bytes a contact, little-endian, with a
//! format version first; anything unreadable is an error, never a guess.
//! Hand-written because it is a dozen fields and a serialisation crate would
//! cost more to build than this costs to read.

use crate::DataQuality;
use crate::timeline::{Contact, Person, Population, Stay};
use byname_domain::codes::{DepartureReason, Gender, StayType};
use byname_domain::date::DateOfBirth;
use byname_domain::nationality::NationalityGroup;

const MAGIC: &[u8; 8] = b"BYNSTAT2";

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("the statistics snapshot is unreadable ({0}); it will be rebuilt")]
pub struct SnapshotError(&'static str);

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i32(&mut self, v: i32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn text(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.0.extend_from_slice(s.as_bytes());
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or(SnapshotError("truncated"))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }
    fn u8(&mut self) -> Result<u8, SnapshotError> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, SnapshotError> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }
    fn i32(&mut self) -> Result<i32, SnapshotError> {
        Ok(i32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }
    fn u64(&mut self) -> Result<u64, SnapshotError> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes")))
    }
    fn i64(&mut self) -> Result<i64, SnapshotError> {
        Ok(i64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes")))
    }
    fn text(&mut self) -> Result<String, SnapshotError> {
        let n = self.u32()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| SnapshotError("text"))
    }
}

fn write_contact(w: &mut Writer, c: &Contact) {
    w.i32(c.day);
    w.u8(u8::from(c.bedded_down) | (u8::from(c.street_count) << 1));
    w.u16(c.area);
    w.u16(c.organisation);
}

const CONTACT_BYTES: usize = 9;

/// `n` contacts, read from one slice: a report reads millions of them.
fn read_contacts(r: &mut Reader<'_>, n: usize) -> Result<Vec<Contact>, SnapshotError> {
    let bytes = r.take(n.checked_mul(CONTACT_BYTES).ok_or(SnapshotError("size"))?)?;
    Ok(bytes
        .chunks_exact(CONTACT_BYTES)
        .map(|b| Contact {
            day: i32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            bedded_down: b[4] & 1 != 0,
            street_count: b[4] & 2 != 0,
            area: u16::from_le_bytes([b[5], b[6]]),
            organisation: u16::from_le_bytes([b[7], b[8]]),
        })
        .collect())
}

fn index_of<T: PartialEq + Copy>(all: &[T], value: T) -> u8 {
    all.iter().position(|v| *v == value).map_or(u8::MAX, |i| i as u8)
}

fn from_index<T: Copy>(all: &[T], index: u8) -> Result<T, SnapshotError> {
    all.get(index as usize).copied().ok_or(SnapshotError("code"))
}

/// The population and the data-quality counts as bytes.
pub fn encode(population: &Population, quality: &DataQuality) -> Vec<u8> {
    let n_contacts: usize = population.people.iter().map(|p| p.contacts.len()).sum();
    let mut w = Writer(Vec::with_capacity(64 + n_contacts * 9 + population.people.len() * 32));
    w.0.extend_from_slice(MAGIC);
    for count in [
        quality.persons,
        quality.linked_chain_inform,
        quality.inform_records,
        quality.awaiting_review,
        quality.missing_date_of_birth,
        quality.missing_nationality,
    ] {
        w.u64(count);
    }
    w.u32(population.areas.len() as u32);
    population.areas.iter().for_each(|a| w.text(a));
    w.u32(population.organisations.len() as u32);
    population.organisations.iter().for_each(|o| w.text(o));
    w.i32(population.history_starts.unwrap_or(i32::MIN));
    w.u32(population.unlinked.len() as u32);
    population.unlinked.iter().for_each(|c| write_contact(&mut w, c));
    w.u32(population.people.len() as u32);
    for p in &population.people {
        w.i64(p.id);
        w.u8(index_of(&NationalityGroup::ALL, p.nationality_group));
        match p.date_of_birth {
            None => w.u8(0),
            Some(DateOfBirth::YearOnly(year)) => {
                w.u8(1);
                w.i32(year);
            }
            Some(DateOfBirth::Full(date)) => {
                w.u8(2);
                w.i32(date.to_julian_day());
            }
        }
        w.u8(p.gender.map_or(u8::MAX, |g| index_of(Gender::ALL, g)));
        w.u8(p.needs);
        w.u8(p.history);
        w.u32(p.contacts.len() as u32);
        p.contacts.iter().for_each(|c| write_contact(&mut w, c));
        w.u32(p.stays.len() as u32);
        for s in &p.stays {
            w.u8(index_of(StayType::ALL, s.kind));
            w.i32(s.arrival);
            w.i32(s.departure.unwrap_or(i32::MIN));
            w.u8(s.reason.map_or(u8::MAX, |r| index_of(DepartureReason::ALL, r)));
        }
    }
    w.0
}

/// Reads what [`encode`] wrote.
pub fn decode(bytes: &[u8]) -> Result<(Population, DataQuality), SnapshotError> {
    let mut r = Reader { bytes, at: 0 };
    if r.take(MAGIC.len())? != MAGIC {
        return Err(SnapshotError("not a snapshot of this version"));
    }
    let quality = DataQuality {
        persons: r.u64()?,
        linked_chain_inform: r.u64()?,
        inform_records: r.u64()?,
        awaiting_review: r.u64()?,
        missing_date_of_birth: r.u64()?,
        missing_nationality: r.u64()?,
    };
    let areas = (0..r.u32()?).map(|_| r.text()).collect::<Result<_, _>>()?;
    let organisations = (0..r.u32()?).map(|_| r.text()).collect::<Result<_, _>>()?;
    let history_starts = Some(r.i32()?).filter(|&d| d != i32::MIN);
    let n_unlinked = r.u32()? as usize;
    let unlinked = read_contacts(&mut r, n_unlinked)?;
    let n_people = r.u32()? as usize;
    let mut people = Vec::with_capacity(n_people.min(bytes.len() / 16));
    for _ in 0..n_people {
        let mut p = Person::new(r.i64()?);
        p.nationality_group = from_index(&NationalityGroup::ALL, r.u8()?)?;
        p.date_of_birth = match r.u8()? {
            0 => None,
            1 => Some(DateOfBirth::YearOnly(r.i32()?)),
            2 => Some(DateOfBirth::Full(time::Date::from_julian_day(r.i32()?).map_err(|_| SnapshotError("date"))?)),
            _ => return Err(SnapshotError("date of birth")),
        };
        p.gender = match r.u8()? {
            u8::MAX => None,
            i => Some(from_index(Gender::ALL, i)?),
        };
        p.needs = r.u8()?;
        p.history = r.u8()?;
        let n_contacts = r.u32()? as usize;
        p.contacts = read_contacts(&mut r, n_contacts)?;
        let n_stays = r.u32()? as usize;
        p.stays = (0..n_stays)
            .map(|_| {
                Ok(Stay {
                    kind: from_index(StayType::ALL, r.u8()?)?,
                    arrival: r.i32()?,
                    departure: Some(r.i32()?).filter(|&d| d != i32::MIN),
                    reason: match r.u8()? {
                        u8::MAX => None,
                        i => Some(from_index(DepartureReason::ALL, i)?),
                    },
                })
            })
            .collect::<Result<_, SnapshotError>>()?;
        people.push(p);
    }
    if r.at != bytes.len() {
        return Err(SnapshotError("trailing bytes"));
    }
    Ok((Population { people, areas, organisations, unlinked, history_starts }, quality))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::day;
    use time::macros::date;

    #[test]
    fn a_population_comes_back_as_it_went_in_and_damage_is_noticed() {
        let mut person = Person::new(42);
        person.nationality_group = NationalityGroup::CentralEasternEurope;
        person.date_of_birth = Some(DateOfBirth::Full(date!(1980 - 02 - 29)));
        person.gender = Some(Gender::Female);
        person.needs = 5;
        person.contacts = vec![Contact {
            day: day(date!(2024 - 04 - 01)),
            bedded_down: true,
            street_count: true,
            area: 1,
            organisation: 2,
        }];
        person.stays = vec![
            Stay { kind: StayType::Hostel, arrival: day(date!(2024 - 05 - 01)), departure: None, reason: None },
            Stay { kind: StayType::Prison, arrival: 10, departure: Some(20), reason: Some(DepartureReason::Other) },
        ];
        let mut other = Person::new(7);
        other.date_of_birth = Some(DateOfBirth::YearOnly(1975));
        let population = Population {
            people: vec![person, other],
            areas: vec!["Westminster".into(), "Camden".into()],
            organisations: vec!["A".into(), "B".into(), "Ștefan's team".into()],
            unlinked: vec![Contact { day: 5, bedded_down: true, street_count: true, area: 0, organisation: 0 }],
            history_starts: Some(3),
        };
        let quality = DataQuality { persons: 2, linked_chain_inform: 1, ..DataQuality::default() };
        let bytes = encode(&population, &quality);
        assert_eq!(decode(&bytes).unwrap(), (population, quality));
        assert!(decode(&bytes[..bytes.len() - 1]).is_err(), "a truncated snapshot is refused");
        assert!(decode(b"BYNSTAT1").is_err(), "another version is refused");
    }
}
