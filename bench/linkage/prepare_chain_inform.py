#!/usr/bin/env python3
"""Turn a `byname generate` export into record-linkage CSVs for bench/linkage.sh (stdlib only).

    prepare_chain_inform.py EXPORT_DIR OUT_PREFIX

Reads EXPORT_DIR/chain/persons.csv, EXPORT_DIR/chain/contacts.csv, EXPORT_DIR/chain/stays.csv,
EXPORT_DIR/inform/clients.csv, EXPORT_DIR/inform/placements.csv, EXPORT_DIR/inform/assessments.csv
and EXPORT_DIR/truth.csv and writes, all with the header

    rec_id,first_name,last_name,known_as,aliases,date_of_birth,sex,nationality,nhs_number,
    chain_id,usual_place,stays,contacts,support_needs,last_settled_base

  OUT_PREFIX.csv          both sources in one file (the deduplication input the bench uses)
  OUT_PREFIX_chain.csv    the CHAIN records only   (for a two-file link, not used by the bench)
  OUT_PREFIX_inform.csv   the Inform records only
  OUT_PREFIX_truth.csv    rec_id_l,rec_id_r: every unordered pair of records (within and across
                          the two sources) that share a person_key in truth.csv, once, l < r

Conversions:
  rec_id         chain:<chain_id> / inform:<inform_id>
  names          kept as written
  known_as       Inform's `known_as` (the name the person prefers, one name); blank for CHAIN,
                 which has no such field
  aliases        CHAIN's `aliases` as written: whole other names, `;`-separated; blank for
                 Inform, which has no such field
  date_of_birth  CHAIN YYYY-MM-DD or YYYY kept as is; Inform DD/MM/YYYY -> YYYY-MM-DD
  sex            CHAIN male/female/other -> M/F/O; Inform M/F/U kept
  nationality    both as ISO 3166-1 alpha-3: CHAIN's English country names mapped with the table
                 below (the generator's list); an unknown name is kept as written, with a warning
  nhs_number     digits only
  chain_id       the CHAIN id: for a CHAIN record its own, for an Inform client the one a worker
                 recorded (Inform's `chain_id`: optional, occasionally another person's). Two CHAIN
                 records of one person have different ids, so only agreement is evidence.
  usual_place    where outreach workers usually meet the person, as every CHAIN export carries it
                 in contacts.csv: the place part of `location` (the text before the first comma,
                 e.g. `Hyde Park Corner`) met most often among the record's bedded-down contacts,
                 or among all its contacts when none was bedded down; ties go to the place met
                 first. Blank for Inform (it records no street contacts) and for a CHAIN record
                 without contacts.
  stays          the record's stays as its own system has them, `;`-separated `place|YYYY-MM-DD`
                 (the provider and the day the stay began), oldest first: CHAIN's stays.csv
                 (`provider`, `arrival_date`) and Inform's placements.csv (`service`, `start_date`).
                 A hostel stay is recorded in both systems, each by its own clerk, so the same
                 stay may begin a few days apart. Blank for a record without stays.
  contacts       CHAIN's contacts with the record, `;`-separated `place|YYYY-MM-DD`, oldest
                 first: the place part of `location` for a bedded-down contact, nothing for
                 another (`|2024-03-01`). Blank for Inform, which records no street contacts.
  support_needs  the needs both systems record, `;`-separated and sorted, among alcohol, drugs,
                 mental_health and physical_health: CHAIN's `support_needs` (other needs left
                 out); for Inform, each need that most of the client's answered assessments
                 say Yes to. Blank when none is recorded: CHAIN writes nothing both for "no
                 needs" and for "not asked", so blank is unknown, not "none".
  last_settled_base  CHAIN's `last_settled_base`, `unknown` as blank; blank for Inform.
"""
import csv
import re
import sys
from collections import defaultdict
from itertools import combinations

HEADER = ["rec_id", "first_name", "last_name", "known_as", "aliases", "date_of_birth", "sex",
          "nationality", "nhs_number", "chain_id", "usual_place", "stays", "contacts",
          "support_needs", "last_settled_base"]
NEEDS = ["alcohol", "drugs", "mental_health", "physical_health"]

COUNTRY_TO_ALPHA3 = {
    "United Kingdom": "GBR", "Romania": "ROU", "Poland": "POL", "Lithuania": "LTU",
    "Latvia": "LVA", "Bulgaria": "BGR", "Hungary": "HUN", "Slovakia": "SVK", "Czechia": "CZE",
    "Czech Republic": "CZE", "Ireland": "IRL", "Portugal": "PRT", "Spain": "ESP", "Italy": "ITA",
    "France": "FRA", "Germany": "DEU", "Eritrea": "ERI", "Sudan": "SDN", "Somalia": "SOM",
    "Ethiopia": "ETH", "Nigeria": "NGA", "Ghana": "GHA", "Algeria": "DZA", "India": "IND",
    "Iran": "IRN", "Afghanistan": "AFG", "Bangladesh": "BGD", "Pakistan": "PAK",
    "Sri Lanka": "LKA", "Syria": "SYR", "Iraq": "IRQ", "United States": "USA",
    "Jamaica": "JAM", "Brazil": "BRA", "Australia": "AUS", "New Zealand": "NZL",
}
GENDER_TO_SEX = {"male": "M", "female": "F", "other": "O"}


def read(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def digits(s):
    return re.sub(r"\D", "", s or "")


def iso_date(d):
    """DD/MM/YYYY (Inform) to YYYY-MM-DD; anything else as written."""
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", (d or "").strip())
    return f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}" if m else (d or "").strip()


def stays_of(path, id_column, place_column, start_column):
    """id -> its stays as `place|YYYY-MM-DD;...`, oldest first (see the docstring)."""
    stays = defaultdict(list)
    for r in read(path):
        place = (r.get(place_column) or "").strip()
        if place:
            stays[r[id_column]].append((iso_date(r.get(start_column)), place))
    return {k: ";".join(f"{place}|{start}" for start, place in sorted(v)) for k, v in stays.items()}


def usual_places(path):
    """chain_id -> the place its contacts were most often at (see the docstring)."""
    seen = defaultdict(dict)  # chain_id -> bedded_down -> place -> [count, first (date, time, id)]
    for c in read(path):
        place = (c.get("location") or "").split(",")[0].strip()
        if not place:
            continue
        when = (c.get("contact_date", ""), c.get("contact_time", ""), c.get("contact_id", ""))
        places = seen[c["chain_id"]].setdefault(c.get("bedded_down") == "Y", {})
        count, first = places.get(place, (0, when))
        places[place] = (count + 1, min(first, when))
    usual = {}
    for chain_id, by_kind in seen.items():
        places = by_kind.get(True) or by_kind.get(False)
        usual[chain_id] = min(places.items(), key=lambda kv: (-kv[1][0], kv[1][1], kv[0]))[0]
    return usual


def contacts_of(path):
    """chain_id -> its contacts as `place|YYYY-MM-DD;...`, oldest first (see the docstring)."""
    contacts = defaultdict(list)
    for c in read(path):
        place = (c.get("location") or "").split(",")[0].strip() if c.get("bedded_down") == "Y" else ""
        contacts[c["chain_id"]].append((c.get("contact_date", ""), c.get("contact_time", ""), place))
    return {k: ";".join(f"{place}|{day}" for day, _, place in sorted(v)) for k, v in contacts.items()}


def chain_needs(value):
    """CHAIN's `;`-separated support needs, only those Inform also asks about, sorted."""
    return ";".join(sorted(n for n in (value or "").split(";") if n.strip() in NEEDS))


def inform_needs(path):
    """inform_id -> the needs most of its answered assessments say Yes to (see the docstring)."""
    answers = defaultdict(lambda: defaultdict(list))
    for a in read(path):
        for need in NEEDS:
            answer = (a.get(need) or "").strip()
            if answer in ("Yes", "No"):
                answers[a["inform_id"]][need].append(answer == "Yes")
    return {k: ";".join(n for n in NEEDS if sum(v[n]) * 2 > len(v[n])) for k, v in answers.items()}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    export, prefix = sys.argv[1], sys.argv[2]
    unknown = set()
    place_of = usual_places(f"{export}/chain/contacts.csv")
    chain_stays = stays_of(f"{export}/chain/stays.csv", "chain_id", "provider", "arrival_date")
    inform_stays = stays_of(f"{export}/inform/placements.csv", "inform_id", "service", "start_date")
    chain_contacts = contacts_of(f"{export}/chain/contacts.csv")
    needs_of = inform_needs(f"{export}/inform/assessments.csv")

    chain = []
    for r in read(f"{export}/chain/persons.csv"):
        nat = (r.get("nationality") or "").strip()
        if nat and nat not in COUNTRY_TO_ALPHA3:
            unknown.add(nat)
        chain.append({
            "rec_id": "chain:" + r["chain_id"],
            "first_name": r.get("first_name", ""),
            "last_name": r.get("last_name", ""),
            "known_as": "",
            "aliases": (r.get("aliases") or "").strip(),
            "date_of_birth": (r.get("date_of_birth") or "").strip(),
            "sex": GENDER_TO_SEX.get((r.get("gender") or "").strip().lower(), ""),
            "nationality": COUNTRY_TO_ALPHA3.get(nat, nat),
            "nhs_number": digits(r.get("nhs_number")),
            "chain_id": r["chain_id"],
            "usual_place": place_of.get(r["chain_id"], ""),
            "stays": chain_stays.get(r["chain_id"], ""),
            "contacts": chain_contacts.get(r["chain_id"], ""),
            "support_needs": chain_needs(r.get("support_needs")),
            "last_settled_base": "" if r.get("last_settled_base") == "unknown" else r.get("last_settled_base", ""),
        })

    inform = []
    for r in read(f"{export}/inform/clients.csv"):
        dob = (r.get("dob") or "").strip()
        m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", dob)
        if m:
            dob = f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}"
        elif dob:
            print(f"warning: Inform {r['inform_id']}: unreadable dob {dob!r}, left blank",
                  file=sys.stderr)
            dob = ""
        inform.append({
            "rec_id": "inform:" + r["inform_id"],
            "first_name": r.get("forename", ""),
            "last_name": r.get("surname", ""),
            "known_as": r.get("known_as", ""),
            "aliases": "",
            "date_of_birth": dob,
            "sex": (r.get("sex") or "").strip().upper(),
            "nationality": (r.get("nationality_code") or "").strip().upper(),
            "nhs_number": digits(r.get("nhs_number")),
            "chain_id": (r.get("chain_id") or "").strip(),
            "usual_place": "",
            "stays": inform_stays.get(r["inform_id"], ""),
            "contacts": "",
            "support_needs": needs_of.get(r["inform_id"], ""),
            "last_settled_base": "",
        })
    if unknown:
        print(f"warning: nationality not mapped, kept as written: {sorted(unknown)}",
              file=sys.stderr)

    def write(path, rows):
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=HEADER, lineterminator="\n")
            w.writeheader()
            w.writerows(rows)

    write(f"{prefix}.csv", chain + inform)
    write(f"{prefix}_chain.csv", chain)
    write(f"{prefix}_inform.csv", inform)

    people = defaultdict(list)
    for r in read(f"{export}/truth.csv"):
        if r["source"] in ("chain", "inform"):
            prefix_id = "chain:" if r["source"] == "chain" else "inform:"
            people[r["person_key"]].append(prefix_id + r["source_id"])
    known = {r["rec_id"] for r in chain + inform}
    pairs = set()
    for ids in people.values():
        ids = sorted(i for i in set(ids) if i in known)
        pairs.update(combinations(ids, 2))
    with open(f"{prefix}_truth.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["rec_id_l", "rec_id_r"])
        w.writerows(sorted(pairs))
    within = sum(1 for a, b in pairs if a.startswith("chain:") and b.startswith("chain:"))
    print(f"chain_inform: {len(chain)} CHAIN + {len(inform)} Inform records, "
          f"{len(pairs)} true pairs ({within} within CHAIN)")


if __name__ == "__main__":
    main()
