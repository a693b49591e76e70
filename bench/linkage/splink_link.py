#!/usr/bin/env python3
"""Deduplicate one CSV with Splink 5 (DuckDB backend) the way Splink's own FEBRL tutorial does,
and write the pairs in byname's columns, for bench/linkage.sh.

    splink_link.py --kind febrl|chain_inform --input FILE.csv --out pairs.csv [--threshold 0.5]
                   [--clusters clusters.csv]

The whole process is what the bench times: Python start, imports, reading the CSV, training,
prediction and writing pairs.csv (`left_id,right_id,match_probability,match_weight`, only pairs at
or above the threshold).

Splink settings (Splink 5.0 API: Linker(db_api.register(...), SettingsCreator(...)),
linker.training.*, linker.inference.predict; see docs/demos/examples/duckdb/febrl3 in Splink):

Common to both kinds
  link_type="dedupe_only", unique_id_column_name="rec_id", DuckDBAPI() in memory (DuckDB uses all
  cores), every column read as text (DuckDB read_csv all_varchar, empty -> NULL),
  estimate_u_using_random_sampling(max_pairs=1e6, seed=1),
  predict(threshold_match_probability=--threshold, default 0.5).

--kind febrl  (columns rec_id,given_name,surname,street_number,address_1,address_2,suburb,
               postcode,state,date_of_birth,soc_sec_id)
  comparisons:
    cl.NameComparison("given_name").configure(term_frequency_adjustments=True)
    cl.NameComparison("surname").configure(term_frequency_adjustments=True)
    cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d")
        (invalid_dates_as_null=True, the default: FEBRL's corrupted dates such as month 13
        become NULL, i.e. "unknown", rather than failing)
    cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2])
    cl.ExactMatch("street_number").configure(term_frequency_adjustments=True)
    cl.DamerauLevenshteinAtThresholds("postcode", [1, 2])
        (not cl.PostcodeComparison: that one parses UK postcodes; FEBRL's are 4-digit Australian)
    cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7])
    cl.JaroWinklerAtThresholds("address_2", [0.9, 0.7])
    cl.JaroWinklerAtThresholds("suburb", [0.9, 0.7])
    cl.ExactMatch("state")
  blocking rules for prediction:
    up to 100,000 records (FEBRL1-3), the tutorial's own:
      block_on("soc_sec_id"), block_on("given_name"), block_on("surname"),
      block_on("date_of_birth"), block_on("postcode")
      (about 4k / 111k / 88k candidate pairs on FEBRL1/2/3, blocking recall 1.0 / 1.0 / 0.999)
    more records (febrl_1m), where single-column rules would give billions of pairs:
      block_on("soc_sec_id"), block_on("surname", "date_of_birth"),
      block_on("given_name", "date_of_birth"), block_on("postcode", "street_number"),
      block_on("postcode", "address_1"), block_on("suburb", "address_1"),
      block_on("date_of_birth", "postcode")
      (on the 1M file: 3.4M candidate pairs, blocking recall 0.9925; on FEBRL3 6.6k pairs,
      0.987. Not block_on("given_name", "surname"): FEBRL-like names come from short lists, so
      on 1M records that rule alone makes 347M pairs; with it and two postcode+name rules the
      first try ran 17 minutes at 18.6 GiB, spent almost all in predict)
  probability two random records match: the tutorial's deterministic rules, recall 0.9:
      block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth"),
      "l.given_name = r.surname and l.surname = r.given_name
       and l.date_of_birth = r.date_of_birth"
  EM (the tutorial's two passes): block_on("date_of_birth"), then block_on("postcode");
      above 100,000 records each pass is capped with max_pairs=5e6.

--kind chain_inform  (columns rec_id,first_name,last_name,known_as,aliases,date_of_birth,sex,
                      nationality,nhs_number,chain_id,usual_place,stays,contacts,support_needs,
                      last_settled_base; made by prepare_chain_inform.py)
  date_of_birth: values that are not YYYY-MM-DD (CHAIN's year-only `YYYY`) are set to NULL
      before Splink sees them: DateOfBirthComparison parses with a single format, so a year-only
      value could not be parsed anyway (invalid_dates_as_null would null it); this states it.
  comparisons:
    cl.NameComparison("first_name").configure(term_frequency_adjustments=True)
    cl.NameComparison("last_name").configure(term_frequency_adjustments=True)
    known-as (custom, the same evidence byname gets): null when neither record has a known_as;
      "known_as equals the other's first_name or known_as" (case-folded); else
    aliases (custom): null when neither record has aliases; "the other's `first_name last_name`
      is one of this record's `;`-separated aliases, or the two share an alias" (case-folded);
      else
    cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y-%m-%d")
    cl.ExactMatch("sex")
    cl.ExactMatch("nationality")
    cl.DamerauLevenshteinAtThresholds("nhs_number", [1, 2])
    cl.ExactMatch("chain_id")  (its "else" level is learnt by EM like any other; Splink has no
      level that is neither for nor against, so a disagreement costs what EM says it costs)
    cl.ExactMatch("usual_place")
    stays (custom): null when either record has none; "the two `;`-separated lists of
      `place|YYYY-MM-DD` share an item" (case-folded); else
    contacts (custom, the same levels byname's `contacts` comparison has): null when either
      record has none; "met bedded down at two places on one night"; else by the days from the
      earlier record's last contact to the later one's first: 0-7, 8-30, 31-182, 183-730, over
      730, an overlap of up to 30 days; else (a longer overlap)
    cl.ExactMatch("support_needs"), cl.ExactMatch("last_settled_base")
  blocking rules for prediction:
    block_on("first_name", "last_name"), block_on("last_name", "date_of_birth"),
    block_on("first_name", "date_of_birth"), block_on("nhs_number"), block_on("chain_id")
  probability two random records match: deterministic rules block_on("nhs_number"),
    block_on("chain_id"), block_on("first_name", "last_name", "date_of_birth"), recall 0.8
  EM: block_on("first_name", "last_name"), then block_on("date_of_birth").

--clusters FILE: the records clustered with
  linker.clustering.cluster_pairwise_predictions_at_threshold at the same threshold, written as
  `id,cluster_id`; part of the timed run, as byname's clustering is part of its.
"""
import argparse
import logging
import os
import sys
import time

LARGE = 100_000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kind", required=True, choices=["febrl", "chain_inform"])
    ap.add_argument("--input", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--clusters")
    args = ap.parse_args()

    t0 = time.perf_counter()
    import duckdb
    import splink
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    con = duckdb.connect()
    path = args.input.replace("'", "''")
    con.execute(
        f"create table raw_input as select * from read_csv('{path}', header = true, all_varchar = true)"
    )
    n = con.execute("select count(*) from raw_input").fetchall()[0][0]

    if args.kind == "febrl":
        con.execute("create view linker_input as select * from raw_input")
        large = n > LARGE
        comparisons = [
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d"
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("address_2", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.7]),
            cl.ExactMatch("state"),
        ]
        if large:
            blocking = [
                block_on("soc_sec_id"),
                block_on("surname", "date_of_birth"),
                block_on("given_name", "date_of_birth"),
                block_on("postcode", "street_number"),
                block_on("postcode", "address_1"),
                block_on("suburb", "address_1"),
                block_on("date_of_birth", "postcode"),
            ]
        else:
            blocking = [
                block_on("soc_sec_id"),
                block_on("given_name"),
                block_on("surname"),
                block_on("date_of_birth"),
                block_on("postcode"),
            ]
        deterministic = [
            block_on("soc_sec_id"),
            block_on("given_name", "surname", "date_of_birth"),
            "l.given_name = r.surname and l.surname = r.given_name"
            " and l.date_of_birth = r.date_of_birth",
        ]
        recall = 0.9
        em_rules = [block_on("date_of_birth"), block_on("postcode")]
    else:
        # Contacts as their first and last day, and the bedded-down ones as `place|date`.
        days = "list_transform(str_split(contacts, ';'), lambda x: try_cast(split_part(x, '|', 2) as date))"
        con.execute(
            "create table linker_input as select * replace (case when"
            " regexp_full_match(date_of_birth, '\\d{4}-\\d{2}-\\d{2}')"
            " then date_of_birth end as date_of_birth),"
            f" list_min({days}) as contact_first, list_max({days}) as contact_last,"
            " list_filter(str_split(lower(contacts), ';'), lambda x: split_part(x, '|', 1) <> '')"
            " as bedded_down from raw_input"
        )
        large = n > LARGE
        import splink.comparison_level_library as cll

        full = lambda side: f"lower(first_name_{side} || ' ' || last_name_{side})"
        aliases = lambda side: f"str_split(lower(aliases_{side}), ';')"
        stays = lambda side: f"str_split(lower(stays_{side}), ';')"
        gap = (
            "(case when contact_first_l <= contact_first_r"
            " then date_diff('day', contact_last_l, contact_first_r)"
            " else date_diff('day', contact_last_r, contact_first_l) end)"
        )
        two_places = (
            "len(list_filter(bedded_down_l, lambda x: len(list_filter(bedded_down_r, lambda y:"
            " split_part(y, '|', 2) = split_part(x, '|', 2)"
            " and split_part(y, '|', 1) <> split_part(x, '|', 1))) > 0)) > 0"
        )
        comparisons = [
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("last_name").configure(term_frequency_adjustments=True),
            cl.CustomComparison(
                output_column_name="known_as",
                comparison_levels=[
                    cll.CustomLevel("known_as_l is null and known_as_r is null").configure(
                        is_null_level=True
                    ),
                    cll.CustomLevel(
                        "lower(known_as_l) = lower(first_name_r)"
                        " or lower(known_as_r) = lower(first_name_l)"
                        " or lower(known_as_l) = lower(known_as_r)",
                        label_for_charts="known_as is the other's first name or known_as",
                    ),
                    cll.ElseLevel(),
                ],
            ),
            cl.CustomComparison(
                output_column_name="aliases",
                comparison_levels=[
                    cll.CustomLevel("aliases_l is null and aliases_r is null").configure(
                        is_null_level=True
                    ),
                    cll.CustomLevel(
                        f"list_contains({aliases('l')}, {full('r')})"
                        f" or list_contains({aliases('r')}, {full('l')})"
                        f" or len(list_intersect({aliases('l')}, {aliases('r')})) > 0",
                        label_for_charts="an alias is the other's name, or a shared alias",
                    ),
                    cll.ElseLevel(),
                ],
            ),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y-%m-%d"
            ),
            cl.ExactMatch("sex"),
            cl.ExactMatch("nationality"),
            cl.DamerauLevenshteinAtThresholds("nhs_number", [1, 2]),
            cl.ExactMatch("chain_id"),
            cl.ExactMatch("usual_place"),
            cl.CustomComparison(
                output_column_name="stays",
                comparison_levels=[
                    cll.CustomLevel("stays_l is null or stays_r is null").configure(
                        is_null_level=True
                    ),
                    cll.CustomLevel(
                        f"len(list_intersect({stays('l')}, {stays('r')})) > 0",
                        label_for_charts="a stay in both (same place, same first day)",
                    ),
                    cll.ElseLevel(),
                ],
            ),
            cl.CustomComparison(
                output_column_name="contacts",
                comparison_levels=[
                    cll.CustomLevel("contact_first_l is null or contact_first_r is null").configure(
                        is_null_level=True
                    ),
                    cll.CustomLevel(two_places, label_for_charts="two places on one night"),
                    cll.CustomLevel(f"{gap} between 0 and 7", label_for_charts="0-7 days apart"),
                    cll.CustomLevel(f"{gap} between 8 and 30", label_for_charts="8-30 days apart"),
                    cll.CustomLevel(f"{gap} between 31 and 182", label_for_charts="1-6 months"),
                    cll.CustomLevel(f"{gap} between 183 and 730", label_for_charts="6-24 months"),
                    cll.CustomLevel(f"{gap} > 730", label_for_charts="over 2 years apart"),
                    cll.CustomLevel(f"{gap} >= -30", label_for_charts="overlap up to 30 days"),
                    cll.ElseLevel(),
                ],
            ),
            cl.ExactMatch("support_needs"),
            cl.ExactMatch("last_settled_base"),
        ]
        blocking = [
            block_on("first_name", "last_name"),
            block_on("last_name", "date_of_birth"),
            block_on("first_name", "date_of_birth"),
            block_on("nhs_number"),
            block_on("chain_id"),
        ]
        deterministic = [
            block_on("nhs_number"),
            block_on("chain_id"),
            block_on("first_name", "last_name", "date_of_birth"),
        ]
        recall = 0.8
        em_rules = [block_on("first_name", "last_name"), block_on("date_of_birth")]

    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=comparisons,
    )
    db_api = DuckDBAPI(connection=con)
    linker = Linker(db_api.register("linker_input"), settings, log_level=logging.WARNING)
    t_read = time.perf_counter()

    linker.training.estimate_probability_two_random_records_match(deterministic, recall=recall)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in em_rules:
        kwargs = {"max_pairs": 5e6} if large else {}
        linker.training.estimate_parameters_using_expectation_maximisation(rule, **kwargs)
    t_train = time.perf_counter()

    pred = linker.inference.predict(threshold_match_probability=args.threshold)
    out = args.out.replace("'", "''")
    con.execute(
        "copy (select rec_id_l as left_id, rec_id_r as right_id,"
        " round(match_probability, 6) as match_probability,"
        f" round(match_weight, 4) as match_weight from {pred.physical_name}"
        f") to '{out}' (header, delimiter ',')"
    ).fetchall()
    n_pairs = con.execute(f"select count(*) from {pred.physical_name}").fetchall()[0][0]
    if args.clusters:
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            pred, threshold_match_probability=args.threshold
        )
        out = args.clusters.replace("'", "''")
        con.execute(
            f"copy (select rec_id as id, cluster_id from {clusters.physical_name})"
            f" to '{out}' (header, delimiter ',')"
        ).fetchall()
    t_end = time.perf_counter()
    print(
        f"splink {splink.__version__} duckdb {duckdb.__version__}: {n} records, "
        f"{'large' if large else 'tutorial'} rules, {n_pairs} pairs >= {args.threshold} "
        f"written to {args.out}; timings: read+setup {t_read - t0:.2f}s, "
        f"train {t_train - t_read:.2f}s, predict+write {t_end - t_train:.2f}s, "
        f"total {t_end - t0:.2f}s (pid {os.getpid()})",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
