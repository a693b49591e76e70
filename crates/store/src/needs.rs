//! The needs rule, in one place: a person's support needs are the codes listed in their records'
//! `support_needs` together with each need an Inform assessment of one of those records answered
//! "yes" to (alcohol, drugs, mental health, physical health), withdrawn rows left out. Every read
//! that reports needs selects [`ASSESSED_SQL`] beside `r.support_needs` and decodes with [`codes`].

/// The needs a record's assessments answered "yes" to, as bits ([`ASSESSED`] gives each bit's
/// code), for a query in which `r` is the source record.
pub(crate) const ASSESSED_SQL: &str = "(COALESCE((SELECT CAST(MAX(a.alcohol) AS BIGINT) FROM assessments a WHERE a.record_id = r.id AND a.withdrawn = 0), 0) \
     + 2 * COALESCE((SELECT CAST(MAX(a.drugs) AS BIGINT) FROM assessments a WHERE a.record_id = r.id AND a.withdrawn = 0), 0) \
     + 4 * COALESCE((SELECT CAST(MAX(a.mental_health) AS BIGINT) FROM assessments a WHERE a.record_id = r.id AND a.withdrawn = 0), 0) \
     + 8 * COALESCE((SELECT CAST(MAX(a.physical_health) AS BIGINT) FROM assessments a WHERE a.record_id = r.id AND a.withdrawn = 0), 0))";

/// Each bit of [`ASSESSED_SQL`] and the need code it stands for.
pub(crate) const ASSESSED: [(i64, &str); 4] =
    [(1, "alcohol"), (2, "drugs"), (4, "mental_health"), (8, "physical_health")];

/// The need codes of one record: those its `support_needs` lists, then those its assessments
/// (`assessed`, the value of [`ASSESSED_SQL`]) answered "yes" to. Callers sort and deduplicate
/// over all of a person's records.
pub(crate) fn codes(support_needs: Option<&str>, assessed: i64) -> impl Iterator<Item = String> + '_ {
    let listed = support_needs.unwrap_or_default().split(';').filter(|n| !n.is_empty()).map(str::to_owned);
    let answered = ASSESSED.into_iter().filter(move |(bit, _)| assessed & bit != 0).map(|(_, code)| code.to_owned());
    listed.chain(answered)
}

#[cfg(test)]
mod tests {
    use super::codes;

    #[test]
    fn listed_codes_then_assessed_ones() {
        let got: Vec<String> = codes(Some("drugs;;mental_health"), 1 + 8).collect();
        assert_eq!(got, ["drugs", "mental_health", "alcohol", "physical_health"]);
        assert_eq!(codes(None, 0).count(), 0);
    }
}
