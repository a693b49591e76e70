//! The linkage pages: the clerical review queue, one pair side by side with
//! its explanation (accept with `s`, reject with `d`: each button carries an
//! access key and the first has focus), and the person page with the source
//! records, why they were linked, merge, split and undo.

use crate::AppState;
use crate::auth::{SignedForm, SignedIn};
use crate::layout::layout;
use crate::page_error::PageError;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use byname_casework::accounts::SessionUser;
use byname_casework::review::{self, ExplanationView, PairView, PersonLinkage, Queue, ReviewError};
use byname_domain::access::PersonView;
use byname_domain::names::initials;
use byname_store::{RecordDetail, Store};
use maud::{Markup, html};
use serde::Deserialize;
use std::sync::Arc;

crate::auth::csrf_forms!(DecisionForm, MergeForm, SplitForm, UndoForm);

const QUEUE_PAGE: usize = 100;

fn full_name(r: &RecordDetail) -> String {
    let mut parts: Vec<&str> = [r.first_name.as_deref(), r.last_name.as_deref()].into_iter().flatten().collect();
    if parts.is_empty() {
        parts.push("(no name)");
    }
    parts.join(" ")
}

fn source_label(r: &RecordDetail) -> String {
    let system = match r.source.as_str() {
        "chain" => "CHAIN",
        "inform" => "Inform",
        "street_count" => "Street count",
        other => other,
    };
    format!("{system} {}", r.source_id)
}

fn rule_label(rule: Option<&str>) -> &'static str {
    match rule {
        Some("own_record") => "names the person",
        Some("shared_nhs_number") => "same NHS number (certain)",
        Some("recorded_chain_id") => "recorded CHAIN id, name and birth date agree (certain)",
        Some("probabilistic") => "matched by the model",
        Some("reviewed") => "a reviewer said same person",
        Some("merged") => "merged by hand",
        _ => "—",
    }
}

fn dash(value: &Option<String>) -> &str {
    value.as_deref().filter(|v| !v.is_empty()).unwrap_or("—")
}

/// A row label and how to show that field of a record.
type Field = (&'static str, fn(&RecordDetail) -> String);

fn record_rows(records: &[&RecordDetail]) -> Markup {
    let fields: [Field; 10] = [
        ("Record", source_label),
        ("First name", |r| dash(&r.first_name).to_owned()),
        ("Last name", |r| dash(&r.last_name).to_owned()),
        ("Known as", |r| dash(&r.known_as).to_owned()),
        ("Other names", |r| dash(&r.aliases).replace(';', "; ")),
        ("Date of birth", |r| dash(&r.date_of_birth).to_owned()),
        ("Sex", |r| dash(&r.gender).to_owned()),
        ("Nationality", |r| dash(&r.nationality).to_owned()),
        ("NHS number", |r| dash(&r.nhs_number).to_owned()),
        ("Recorded CHAIN id", |r| dash(&r.recorded_chain_id).to_owned()),
    ];
    html! {
        @for (label, value) in fields {
            tr {
                th scope="row" { (label) }
                @for record in records { td { (value(record)) } }
            }
        }
    }
}

fn explanation_table(explanation: &ExplanationView) -> Markup {
    let running: Vec<f64> = explanation
        .terms
        .iter()
        .scan(explanation.prior_weight, |total, term| {
            *total += term.weight + term.term_frequency_adjustment;
            Some(*total)
        })
        .collect();
    html! {
        table.explain {
            caption { "Why the model scores this pair as it does: each comparison adds or takes away match weight (log2 of m/u)." }
            thead { tr { th scope="col" { "Comparison" } th scope="col" { "Agreement" } th scope="col" { "Values" } th scope="col" { "Weight" } th.running scope="col" { "Running total" } } }
            tbody {
                tr {
                    th scope="row" { "Prior" }
                    td { "chance two records are one person: " (format!("{:.2e}", explanation.prior)) }
                    td { "" }
                    td.num { (format!("{:+.2}", explanation.prior_weight)) }
                    td.num.running { (format!("{:+.2}", explanation.prior_weight)) }
                }
                @for (term, running) in explanation.terms.iter().zip(&running) {
                    @let contribution = term.weight + term.term_frequency_adjustment;
                    tr class=(if contribution > 0.0 { "for" } else if contribution < 0.0 { "against" } else { "neutral" }) {
                        th scope="row" { (term.comparison.replace('_', " ")) }
                        td {
                            (term.level)
                            @if term.term_frequency_adjustment != 0.0 {
                                br; small { (format!("{:+.2}", term.term_frequency_adjustment)) " for how common the value is" }
                            }
                        }
                        td { (if term.left.is_empty() { "—" } else { &term.left }) " · " (if term.right.is_empty() { "—" } else { &term.right }) }
                        td.num { (format!("{contribution:+.2}")) }
                        td.num.running { (format!("{running:+.2}")) }
                    }
                }
            }
            tfoot {
                tr {
                    th scope="row" colspan="3" { "Total match weight, and the probability it gives" }
                    td.num { (format!("{:+.2}", explanation.weight)) br.phone; span.phone { (format!("{:.1}%", explanation.probability * 100.0)) } }
                    td.num.running { (format!("{:.1}%", explanation.probability * 100.0)) }
                }
            }
        }
    }
}

pub async fn queue_page<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    SignedIn(user): SignedIn,
) -> Result<Response, PageError> {
    let queue = review::queue(&state.store, &user, QUEUE_PAGE, state.clock.now()).await?;
    Ok(layout("Review queue", Some(&user), render_queue(&queue)).into_response())
}

fn render_queue(queue: &Queue) -> Markup {
    html! {
        main {
            h1 { "Linkage review queue" }
            p.lede {
                strong { (queue.total) } " pairs of records wait for a decision: the model gives each a match probability from "
                (format!("{:.0}%", queue.review_threshold * 100.0)) " up to " (format!("{:.0}%", queue.auto_threshold * 100.0))
                ". Above that they link by themselves; a pair you reject is never linked again."
            }
            @if queue.entries.is_empty() {
                p { "Nothing to review." }
            } @else {
                table.list {
                    caption.visually-hidden { "Pairs waiting for review, most likely first" }
                    thead { tr { th scope="col" { "Probability" } th scope="col" { "One record" } th scope="col" { "The other" } } }
                    tbody {
                        @for (i, entry) in queue.entries.iter().enumerate() {
                            tr {
                                td data-label="Probability" {
                                    div { a href=(format!("/review/{}/{}", entry.left.record_id, entry.right.record_id)) accesskey=[(i == 0).then_some("n")] {
                                        (format!("{:.1}%", entry.probability * 100.0))
                                    } }
                                }
                                td data-label="One record" { div { (full_name(&entry.left)) " · " (dash(&entry.left.date_of_birth)) br; small { (source_label(&entry.left)) } } }
                                td data-label="The other" { div { (full_name(&entry.right)) " · " (dash(&entry.right.date_of_birth)) br; small { (source_label(&entry.right)) } } }
                            }
                        }
                    }
                }
                @if queue.total > queue.entries.len() {
                    p { "Showing the first " (queue.entries.len()) "." }
                }
            }
        }
    }
}

pub async fn pair_page<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Path((left, right)): Path<(i64, i64)>,
    SignedIn(user): SignedIn,
) -> Result<Response, PageError> {
    let view = review::pair(&state.store, &user, left, right, state.clock.now()).await?;
    Ok(layout("Review a pair", Some(&user), render_pair(&view, &user)).into_response())
}

fn render_pair(view: &PairView, user: &SessionUser) -> Markup {
    let action = format!("/review/{}/{}", view.pair.left_record_id, view.pair.right_record_id);
    html! {
        main {
            p { a href="/review" { "← Review queue" } }
            h1 { "Are these the same person?" }
            p.lede { "The model gives " strong { (format!("{:.1}%", view.pair.probability * 100.0)) } "." }
            table.side-by-side {
                caption.visually-hidden { "The two records side by side" }
                thead { tr { td {} th scope="col" { "One record" } th scope="col" { "The other" } } }
                tbody { (record_rows(&[&view.left, &view.right])) }
            }
            @if let Some(decision) = &view.decision {
                p.notice {
                    "Decided: " strong { (if decision.same_person { "same person" } else { "different people" }) }
                    " by " (decision.decided_by.as_deref().unwrap_or("someone")) " on " (byname_store::sql_instant(decision.decided_at))
                    @if !decision.reason.is_empty() { " (" (decision.reason) ")" }
                }
            }
            form.decide method="post" action=(action) {
                input type="hidden" name="csrf" value=(user.csrf_token);
                @if let Some((l, r)) = view.next { input type="hidden" name="next" value=(format!("{l}/{r}")); }
                label for="reason" { "Reason (optional)" }
                input #reason type="text" name="reason" maxlength="2000";
                div.buttons {
                    button type="submit" name="decision" value="same" accesskey="s" autofocus { "Same person (s)" }
                    button type="submit" name="decision" value="different" accesskey="d" { "Different people (d)" }
                }
            }
            @if let Some(explanation) = &view.explanation { (explanation_table(explanation)) }
        }
    }
}

#[derive(Deserialize)]
pub struct DecisionForm {
    csrf: String,
    decision: String,
    #[serde(default)]
    reason: String,
    next: Option<String>,
}

pub async fn decide<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Path((left, right)): Path<(i64, i64)>,
    SignedForm(user, form): SignedForm<DecisionForm>,
) -> Result<Redirect, PageError> {
    let same = match form.decision.as_str() {
        "same" => true,
        "different" => false,
        _ => return Err(ReviewError::Invalid("choose same person or different people".into()).into()),
    };
    review::decide(&state.store, &user, left, right, same, &form.reason, state.clock.now()).await?;
    let next = form
        .next
        .filter(|n| n.split('/').count() == 2 && n.split('/').all(|p| p.parse::<i64>().is_ok()))
        .map(|n| format!("/review/{n}"))
        .unwrap_or_else(|| "/review".to_owned());
    Ok(Redirect::to(&next))
}

pub async fn person_page<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Path(person): Path<i64>,
    SignedIn(user): SignedIn,
) -> Result<Response, PageError> {
    let linkage = review::person_linkage(&state.store, &user, person, state.clock.today(), state.clock.now()).await?;
    Ok(layout("Person", Some(&user), render_person(&linkage, &user)).into_response())
}

fn render_person(p: &PersonLinkage, user: &SessionUser) -> Markup {
    let title = match p.records.first() {
        Some(first) if p.view == PersonView::Full || p.can_review => full_name(first),
        _ => format!("Person {}", p.person_id),
    };
    html! {
        main {
            h1 { (title) }
            @if p.records.is_empty() {
                p.notice { "Your role sees the minimal entry for this person. Contact the lead organisation for more." }
            } @else {
                h2 { "Source records and why they were linked" }
                table.list {
                    caption.visually-hidden { "The source records that make up this person" }
                    thead { tr { th scope="col" { "Record" } th scope="col" { "Name" } th scope="col" { "Date of birth" } th scope="col" { "Why it is here" } @if p.can_review { th scope="col" { "Split" } } } }
                    tbody {
                        @for record in &p.records {
                            tr {
                                td data-label="Record" { div { (source_label(record)) } }
                                td data-label="Name" { div { (full_name(record)) } }
                                td data-label="Date of birth" { div { (dash(&record.date_of_birth)) } }
                                td data-label="Why" { div { (rule_label(record.rule.as_deref())) } }
                                @if p.can_review {
                                    td data-label="Split" {
                                        @if p.records.len() > 1 {
                                            form method="post" action=(format!("/people/{}/split", p.person_id)) {
                                                input type="hidden" name="csrf" value=(user.csrf_token);
                                                input type="hidden" name="record" value=(record.record_id);
                                                label for=(format!("split-reason-{}", record.record_id)) { "Reason" }
                                                input id=(format!("split-reason-{}", record.record_id)) type="text" name="reason" required maxlength="2000";
                                                button type="submit" { "Not this person" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                @if !p.pairs.is_empty() {
                    h2 { "How the model scored these records" }
                    @for (pair, explanation) in &p.pairs {
                        details {
                            summary {
                                (format!("Records {} and {}: {:.1}%", pair.left_record_id, pair.right_record_id, pair.probability * 100.0))
                            }
                            @if let Some(explanation) = explanation { (explanation_table(explanation)) }
                        }
                    }
                }
                @if !p.decisions.is_empty() {
                    h2 { "Decisions by people" }
                    table.list {
                        caption.visually-hidden { "Decisions about this person's records, newest first" }
                        thead { tr { th scope="col" { "When" } th scope="col" { "What" } th scope="col" { "Who and why" } th scope="col" { "Undo" } } }
                        tbody {
                            @for d in &p.decisions {
                                tr {
                                    td data-label="When" { div { (byname_store::sql_instant(d.decided_at)) } }
                                    td data-label="What" { div {
                                        (match (d.origin.as_str(), d.same_person) {
                                            ("merge", _) => "merged",
                                            ("split", _) => "split apart",
                                            (_, true) => "reviewed: same person",
                                            (_, false) => "reviewed: different people",
                                        })
                                        " (records " (d.left_record_id) " and " (d.right_record_id) ")"
                                    } }
                                    td data-label="Who" { div { (d.decided_by.as_deref().unwrap_or("—")) @if !d.reason.is_empty() { ": " (d.reason) } } }
                                    td data-label="Undo" { div {
                                        @if let Some(undone_at) = &d.undone_at {
                                            "undone " (byname_store::sql_instant(*undone_at)) " by " (d.undone_by.as_deref().unwrap_or("—"))
                                        } @else if p.can_review {
                                            form method="post" action="/linkage/undo" {
                                                input type="hidden" name="csrf" value=(user.csrf_token);
                                                input type="hidden" name="batch" value=(d.batch);
                                                input type="hidden" name="back" value=(p.person_id);
                                                button type="submit" { "Undo" }
                                            }
                                        }
                                    } }
                                }
                            }
                        }
                    }
                }
                @if p.can_review {
                    h2 { "Merge with another person" }
                    form.merge method="post" action=(format!("/people/{}/merge", p.person_id)) {
                        input type="hidden" name="csrf" value=(user.csrf_token);
                        label for="other" { "The other person's number" }
                        input #other type="number" name="other" required min="1";
                        label for="merge-reason" { "Reason" }
                        input #merge-reason type="text" name="reason" required maxlength="2000";
                        button type="submit" { "Merge" }
                    }
                }
            }
            @if p.view == PersonView::Minimal && !p.records.is_empty() {
                p { "Initials: " (initials(p.records[0].first_name.as_deref(), p.records[0].last_name.as_deref())) }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct MergeForm {
    csrf: String,
    other: String,
    #[serde(default)]
    reason: String,
}

pub async fn merge<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Path(person): Path<i64>,
    SignedForm(user, form): SignedForm<MergeForm>,
) -> Result<Redirect, PageError> {
    let Ok(other) = form.other.trim().parse::<i64>() else {
        return Err(ReviewError::Invalid("the other person's number is a whole number".into()).into());
    };
    review::merge(&state.store, &user, person, other, &form.reason, state.clock.now()).await?;
    Ok(Redirect::to(&format!("/people/{}/linkage", person.min(other))))
}

#[derive(Deserialize)]
pub struct SplitForm {
    csrf: String,
    record: i64,
    #[serde(default)]
    reason: String,
}

pub async fn split<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Path(person): Path<i64>,
    SignedForm(user, form): SignedForm<SplitForm>,
) -> Result<Redirect, PageError> {
    review::split(&state.store, &user, form.record, &form.reason, state.clock.now()).await?;
    Ok(Redirect::to(&format!("/people/{person}/linkage")))
}

#[derive(Deserialize)]
pub struct UndoForm {
    csrf: String,
    batch: String,
    back: Option<i64>,
}

pub async fn undo<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    SignedForm(user, form): SignedForm<UndoForm>,
) -> Result<Redirect, PageError> {
    review::undo(&state.store, &user, &form.batch, state.clock.now()).await?;
    Ok(Redirect::to(&form.back.map(|p| format!("/people/{p}/linkage")).unwrap_or_else(|| "/review".into())))
}
