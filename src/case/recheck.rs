//! The checklist of a stored case: kept with the verdicts a person gave by hand, run again
//! from what the case keeps, and what changed between two runs.

use chrono::NaiveDate;

use crate::applicant::Field;
use crate::case::{Case, ChecklistEntry, StoredDocument};
use crate::checklist::{ChecklistRules, Evidence, Item, evaluate};
use crate::extract::Document;

/// The checklist as stored: `items`, except those a person already checked by hand, which
/// keep their verdict.
pub fn merged(items: &[Item], before: &[ChecklistEntry]) -> Vec<ChecklistEntry> {
    items
        .iter()
        .map(|item| {
            before
                .iter()
                .find(|b| b.id == item.id && b.checked_by.is_some())
                .cloned()
                .unwrap_or_else(|| ChecklistEntry {
                    id: item.id.clone(),
                    status: item.status,
                    label: item.label.clone(),
                    detail: item.detail.clone(),
                    checked_by: None,
                })
        })
        .collect()
}

/// The case's checklist run again from what the case keeps, reading no file: its stored
/// documents and body form, with the latest edit of each field laid over the body form, and
/// the items checked by hand kept. `None` for a case stored before documents were kept, whose
/// checklist cannot be re-run.
pub fn rerun(rules: &ChecklistRules, case: &Case, today: NaiveDate) -> Option<Vec<ChecklistEntry>> {
    let mut body = case.body.clone()?;
    for (key, value) in case.edits() {
        if let Some(field) = Field::from_key(key) {
            *body.slot(field) = Some(value.to_string());
        }
    }
    let documents: Vec<Document> = case
        .documents
        .iter()
        .map(StoredDocument::document)
        .collect();
    let evidence = Evidence {
        body: &body,
        sender: Some(case.applicant.reply_to.as_str()),
        documents: &documents,
        today,
    };
    Some(merged(&evaluate(rules, &evidence), &case.checklist))
}

/// What changed between two stored checklists, one sentence each, for people.
pub fn changes(before: &[ChecklistEntry], after: &[ChecklistEntry]) -> Vec<String> {
    let mut out: Vec<String> = after
        .iter()
        .filter_map(|new| match before.iter().find(|old| old.id == new.id) {
            Some(old) if old.status == new.status => None,
            Some(_) => Some(format!(
                "Butir \"{}\" kini {}",
                new.label,
                new.status.label_id()
            )),
            None => Some(format!(
                "Butir \"{}\" ditambahkan: {}",
                new.label,
                new.status.label_id()
            )),
        })
        .collect();
    out.extend(
        before
            .iter()
            .filter(|old| after.iter().all(|new| new.id != old.id))
            .map(|old| format!("Butir \"{}\" tidak berlaku lagi", old.label)),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::Status;
    use crate::checklist::tests::{NIK, body, check, ktp_doc, sk_doc};
    use crate::extract::body::BodyForm;
    use crate::rules::Rules;
    use crate::text::Unreadable;

    /// A case as the daemon stores it for `body` and `docs`, with the checklist they give.
    fn stored_case(body: BodyForm, docs: &[Document]) -> Case {
        use crate::case::{ApplicantRecord, CaseId};
        let now = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 23, 1, 0, 0).unwrap();
        let mut case = Case::new(
            CaseId { year: 2026, seq: 1 },
            now,
            ApplicantRecord {
                reply_to: "siti.abas@gorontalokab.go.id".into(),
                ..ApplicantRecord::default()
            },
            None,
        );
        case.checklist = merged(&check(&body, docs), &[]);
        case.documents = docs
            .iter()
            .enumerate()
            .map(|(i, d)| StoredDocument::of(d, format!("{i:064}")))
            .collect();
        case.body = Some(body);
        case
    }

    fn edit(case: &mut Case, field: &str, to: &str) {
        let at = case.opened_at;
        case.record(
            crate::case::Actor::Staff("rina".into()),
            crate::case::EventKind::FieldEdited {
                field: field.into(),
                from: None,
                to: to.into(),
            },
            None,
            at,
        );
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn a_rerun_lays_the_latest_edits_over_the_body() {
        let mut body = body();
        body.phone = Some("0812".into());
        let docs = [ktp_doc(NIK, 0.97), sk_doc()];
        let mut case = stored_case(body, &docs);
        let rules = Rules::builtin().checklist;
        let before = case.checklist.clone();
        assert_eq!(
            before
                .iter()
                .filter(|c| c.status != Status::Ok)
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>(),
            ["missing_phone"]
        );
        assert_eq!(rerun(&rules, &case, today()).as_ref(), Some(&before));

        edit(&mut case, "hp", "0812");
        edit(&mut case, "hp", "+6281234567890");
        let after = rerun(&rules, &case, today()).unwrap();
        assert!(after.iter().all(|c| c.status == Status::Ok), "{after:#?}");
        assert_eq!(
            changes(&before, &after),
            ["Butir \"Nomor HP dicantumkan\" kini sesuai"]
        );

        // A NIK the verifier types wrong makes the card disagree with it.
        edit(&mut case, "nik", "7502015203850002");
        let wrong = rerun(&rules, &case, today()).unwrap();
        let nik_mismatch = wrong.iter().find(|c| c.id == "nik_mismatch").unwrap();
        assert_ne!(nik_mismatch.status, Status::Ok);
        assert!(
            changes(&after, &wrong)
                .iter()
                .any(|c| c.starts_with("Butir \"NIK di surel sama dengan NIK pada KTP\" kini ")),
            "{:?}",
            changes(&after, &wrong)
        );
    }

    #[test]
    fn a_rerun_reads_the_stored_documents_and_keeps_hand_checks() {
        let docs = [ktp_doc("7502015203850007", 0.97), sk_doc()];
        let mut case = stored_case(body(), &docs);
        let rules = Rules::builtin().checklist;
        let mismatch = |c: &[ChecklistEntry]| {
            c.iter()
                .find(|e| e.id == "nik_mismatch")
                .map(|e| (e.status, e.checked_by.clone()))
        };
        // The stored card's NIK differs from the body's: the re-run sees it without any file.
        assert_eq!(
            mismatch(&rerun(&rules, &case, today()).unwrap()),
            Some((Status::Mismatch, None))
        );
        let entry = case
            .checklist
            .iter_mut()
            .find(|e| e.id == "nik_mismatch")
            .unwrap();
        entry.status = Status::Ok;
        entry.checked_by = Some("rina".into());
        assert_eq!(
            mismatch(&rerun(&rules, &case, today()).unwrap()),
            Some((Status::Ok, Some("rina".to_string())))
        );
    }

    #[test]
    fn a_case_stored_before_documents_were_kept_is_not_rerun() {
        let mut case = stored_case(body(), &[ktp_doc(NIK, 0.97), sk_doc()]);
        case.body = None;
        assert_eq!(rerun(&Rules::builtin().checklist, &case, today()), None);
    }

    #[test]
    fn stored_documents_come_back_as_read() {
        let mut doc = ktp_doc(NIK, 0.97);
        doc.fields.sources.insert(
            "nik",
            crate::extract::fields::FieldSource {
                line: format!("NIK : {NIK}"),
                conf: 0.97,
                place: None,
            },
        );
        doc.unreadable = Some(Unreadable::Format(crate::parse::FileType::Heic));
        let stored = StoredDocument::of(&doc, "ab".repeat(32));
        let json = serde_json::to_string(&stored).unwrap();
        let back: StoredDocument = serde_json::from_str(&json).unwrap();
        assert_eq!(back.document(), doc);
    }
}
