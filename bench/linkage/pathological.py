#!/usr/bin/env python3
"""Write the bad and pathological inputs for bench/linkage_pathological.sh (stdlib only).

    pathological.py OUT_DIR [--common 25000,100000]

Every file has the header rec_id,first_name,last_name,date_of_birth,sex unless it says otherwise.
All names are invented; none is a real person's record.

  empty.csv           zero bytes
  header_only.csv     a header and no records
  one_record.csv      a single record
  no_id.csv           no rec_id column
  duplicate_ids.csv   the id r2 twice (lines 3 and 4)
  case_ids.csv        ids R1 and r1, which differ only in case
  empty_column.csv    a column (nickname) that is blank in every row
  scripts.csv         names in 16 writing systems, each person twice (a typo or a swapped
                      name in the second), and some names made only of marks and emoji
  common_N.csv        N records all named Mohamed Ali (first and last), a tenth of them
                      duplicates of another; birth dates spread over 60 years, sex M
"""
import random
import sys

HEADER = "rec_id,first_name,last_name,date_of_birth,sex\n"

SCRIPTS = [
    ("Ivan", "Петров"), ("Мария", "Иванова"), ("Γιώργος", "Παπαδόπουλος"), ("محمد", "علي"),
    ("فاطمة", "حسن"), ("דוד", "כהן"), ("राहुल", "शर्मा"), ("প্রিয়া", "দাস"), ("伟", "王"), ("秀英", "李"),
    ("太郎", "山田"), ("민준", "김"), ("สมชาย", "ใจดี"), ("አበበ", "ቢቂላ"), ("ნინო", "ბერიძე"),
    ("Արամ", "Պետրոսյան"), ("Ştefan", "Ţurcanu"), ("Łukasz", "Wójcik"), ("Zoë", "Ñúñez"),
    ("ஆனந்த்", "குமார்"), ("Ngọc", "Nguyễn"),
]


def write(path, text):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def dob(rng):
    return f"{rng.randint(1950, 2009)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    common = [25_000, 100_000]
    if len(sys.argv) == 4 and sys.argv[2] == "--common":
        common = [int(n) for n in sys.argv[3].split(",")]
    rng = random.Random(7)

    write(f"{out}/empty.csv", "")
    write(f"{out}/header_only.csv", HEADER)
    write(f"{out}/one_record.csv", HEADER + "r1,Ann,Lee,1980-01-02,F\n")
    write(f"{out}/no_id.csv", "first_name,last_name\nAnn,Lee\nBob,Ray\n")
    write(f"{out}/duplicate_ids.csv", HEADER + "r1,Ann,Lee,1980-01-02,F\nr2,Bob,Ray,1970-03-04,M\nr2,Cat,Day,1990-05-06,F\n")
    write(f"{out}/case_ids.csv", HEADER + "R1,Ann,Lee,1980-01-02,F\nr1,Ann,Lee,1980-01-02,F\nr3,Bob,Ray,1970-03-04,M\n")
    write(f"{out}/empty_column.csv", "rec_id,first_name,last_name,nickname\nr1,Ann,Lee,\nr2,Bob,Ray,\nr3,Ann,Lee,\n")

    rows = [HEADER]
    n = 0
    for first, last in SCRIPTS:
        born = dob(rng)
        rows.append(f"s{n},{first},{last},{born},M\n")
        # The second record of the same person: a letter lost, or the names swapped.
        second = (first[:-1] or first, last) if n % 2 == 0 else (last, first)
        rows.append(f"s{n + 1},{second[0]},{second[1]},{born},M\n")
        n += 2
    for odd in ["\u0301\u0301", "🙂🙂", "\u200b", "ـــ"]:
        rows.append(f"s{n},{odd},{odd},,\n")
        n += 1
    write(f"{out}/scripts.csv", "".join(rows))

    for size in common:
        rows = [HEADER]
        births = []
        for i in range(size):
            if i and i % 10 == 0:
                rows.append(f"m{i},Mohamed,Ali,{births[rng.randrange(len(births))]},M\n")
            else:
                born = dob(rng)
                births.append(born)
                rows.append(f"m{i},Mohamed,Ali,{born},M\n")
        write(f"{out}/common_{size}.csv", "".join(rows))


if __name__ == "__main__":
    main()
