//! Data-sharing agreements between the partners are records too (DOMAIN.md section 8): each
//! names its purpose, its UK GDPR Article 6 basis, its Article 9 condition when special category
//! data (health, ethnicity) are shared, its term and the organisations party to it. Recorded by
//! administrators and data-protection leads; every signed-in user may read them, so anyone can
//! see on what terms the partnership shares.

use crate::access;
use crate::accounts::SessionUser;
use crate::casework::{CaseError, required_text};
use byname_domain::access::{Purpose, can_record_agreements};
use byname_domain::date::parse_iso_date;
use byname_store::{AdminChange, AgreementRow, NewAgreement, Store};
use time::OffsetDateTime;

/// What a user fills in.
#[derive(Debug, Clone, Default)]
pub struct AgreementForm {
    pub title: String,
    pub purpose: String,
    pub lawful_basis: String,
    pub special_category_condition: String,
    pub starts_on: String,
    pub ends_on: String,
    pub organisations: Vec<i64>,
}

pub async fn agreements<S: Store>(store: &S) -> Result<Vec<AgreementRow>, CaseError> {
    Ok(store.agreements().await?)
}

/// What the agreements page shows a user: every agreement, and whether they may record one, with
/// the organisations that may be party to it.
#[derive(Debug)]
pub struct AgreementsPage {
    pub agreements: Vec<AgreementRow>,
    pub organisations: Vec<byname_domain::Organisation>,
    pub may_record: bool,
}

/// The agreements page; every signed-in user may read it.
pub async fn agreements_page<S: Store>(store: &S, user: &SessionUser) -> Result<AgreementsPage, CaseError> {
    let agreements = agreements(store).await?;
    let organisations = store.organisations().await?;
    let may_record = can_record_agreements(user.role, user.data_protection_lead);
    Ok(AgreementsPage { agreements, organisations, may_record })
}

/// Records an agreement; for administrators and data-protection leads.
pub async fn record<S: Store>(
    store: &S,
    user: &SessionUser,
    form: &AgreementForm,
    now: OffsetDateTime,
) -> Result<i64, CaseError> {
    if !can_record_agreements(user.role, user.data_protection_lead) {
        return Err(CaseError::Forbidden);
    }
    let title = required_text("title", &form.title, 500)?;
    let purpose = Purpose::parse(&form.purpose)
        .ok_or_else(|| CaseError::Invalid(format!("purpose: {:?} is not a purpose", form.purpose)))?;
    let lawful_basis = required_text("lawful basis", &form.lawful_basis, 500)?;
    let condition = Some(form.special_category_condition.trim().to_owned()).filter(|c| !c.is_empty());
    let date = |field: &str, text: &str| {
        parse_iso_date(text.trim()).map_err(|_| CaseError::Invalid(format!("{field}: {text:?} is not a date")))
    };
    let starts = date("starts on", &form.starts_on)?;
    let ends = match form.ends_on.trim() {
        "" => None,
        text => Some(date("ends on", text)?),
    };
    if ends.is_some_and(|e| e < starts) {
        return Err(CaseError::Invalid("the agreement ends before it starts".into()));
    }
    let known: Vec<i64> = store.organisations().await?.iter().map(|o| o.id).collect();
    if form.organisations.len() < 2 || form.organisations.iter().any(|o| !known.contains(o)) {
        return Err(CaseError::Invalid("name at least two partner organisations".into()));
    }
    let mut organisations = form.organisations.clone();
    organisations.sort_unstable();
    organisations.dedup();
    let agreement = NewAgreement {
        title: title.clone(),
        purpose: purpose.code().to_owned(),
        lawful_basis,
        special_category_condition: condition,
        starts_on: starts,
        ends_on: ends,
        organisations,
        recorded_by: user.id,
        recorded_at: now,
    };
    // The agreement and its audit entry in one transaction.
    let entry =
        access::entry(user, "record_sharing_agreement", None, purpose.code(), None, format!("agreement: {title}"), now);
    Ok(store.administer(AdminChange::AddAgreement(&agreement), &entry).await?)
}
