//! Stage 6: the verifier's checklist. Which items, their order, labels and thresholds come
//! from `rules/checklist.toml`; each check is a function from the evidence to a verdict.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::applicant::{
    EmailAddress, Field, NameMatch, Nik, Nip, Phone, is_cut_short, name_distance, names_match,
    province_name, regency_name,
};
use crate::classify::{Basis, DocKind};
use crate::extract::Document;
use crate::extract::body::BodyForm;
use crate::parse::FileType;
use crate::text::{Source, Unreadable};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistRules {
    pub settings: Settings,
    pub item: Vec<ItemRule>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub home_regency: String,
    pub min_confidence: f32,
    pub name_slip_letters: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemRule {
    pub id: String,
    pub label: String,
    pub check: Check,
}

/// The checks sertel knows how to make; a rule file names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    KtpAttached,
    KtpReadable,
    SkAttached,
    SkReadable,
    SkIsDecree,
    PhoneGiven,
    NikValid,
    NikMatchesKtp,
    NikRegion,
    NipValid,
    NipMatches,
    NamesMatch,
    EmailOfficial,
}

impl Check {
    /// The applicant's fields this check judges: where the desk marks a problem at the field.
    pub fn fields(self) -> &'static [Field] {
        match self {
            Check::KtpAttached | Check::KtpReadable | Check::SkAttached | Check::SkReadable => &[],
            Check::SkIsDecree => &[Field::Jabatan],
            Check::PhoneGiven => &[Field::Hp],
            Check::NikValid | Check::NikMatchesKtp | Check::NikRegion => &[Field::Nik],
            Check::NipValid | Check::NipMatches => &[Field::Nip],
            Check::NamesMatch => &[Field::Nama],
            Check::EmailOfficial => &[Field::Surel],
        }
    }
}

impl ChecklistRules {
    /// The applicant's fields the item with this id judges (none for an unknown id).
    pub fn fields_of(&self, item: &str) -> &'static [Field] {
        self.item
            .iter()
            .find(|rule| rule.id == item)
            .map_or(&[], |rule| rule.check.fields())
    }

    /// Semantic checks serde cannot make: (text to find the line by, message).
    pub(crate) fn validate(&self) -> Result<(), (String, String)> {
        let s = &self.settings;
        if s.home_regency.len() != 4 || !s.home_regency.bytes().all(|b| b.is_ascii_digit()) {
            return Err((
                "home_regency".into(),
                "home_regency must be 4 digits, e.g. \"7502\"".into(),
            ));
        }
        if !(0.0..=1.0).contains(&s.min_confidence) {
            return Err((
                "min_confidence".into(),
                "min_confidence must be between 0.0 and 1.0".into(),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for item in &self.item {
            let needle = format!("\"{}\"", item.id);
            if item.id.is_empty() || !item.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
                return Err((
                    needle,
                    format!("item id {:?} must be lower_snake_case", item.id),
                ));
            }
            if !seen.insert(item.id.as_str()) {
                return Err((needle, format!("item id {:?} appears twice", item.id)));
            }
            if item.label.trim().is_empty() {
                return Err((needle, format!("item {:?} has an empty label", item.id)));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Missing,
    Mismatch,
    Invalid,
    Review,
}

impl Status {
    /// The status as written in JSON and stored with cases.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Missing => "missing",
            Status::Mismatch => "mismatch",
            Status::Invalid => "invalid",
            Status::Review => "review",
        }
    }

    pub fn label_id(self) -> &'static str {
        match self {
            Status::Ok => "sesuai",
            Status::Missing => "belum ada",
            Status::Mismatch => "tidak cocok",
            Status::Invalid => "tidak sah",
            Status::Review => "perlu diperiksa",
        }
    }
}

/// One check's verdict: a status and the words that explain it to a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub status: Status,
    pub detail: String,
}

fn verdict(status: Status, detail: impl Into<String>) -> Result<Verdict, NotApplicable> {
    Ok(Verdict {
        status,
        detail: detail.into(),
    })
}

/// The check cannot be made for this application (what it compares is absent); the item is
/// left out rather than guessed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotApplicable(pub &'static str);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub id: String,
    pub status: Status,
    pub label: String,
    pub detail: String,
}

/// Everything the checks look at.
pub struct Evidence<'a> {
    pub body: &'a BodyForm,
    /// The sender's address, for when the body names no email.
    pub sender: Option<&'a str>,
    pub documents: &'a [Document],
    pub today: NaiveDate,
}

impl Evidence<'_> {
    /// The first readable document of a kind, else the first of that kind.
    fn document(&self, kind: DocKind) -> Option<&Document> {
        let mut of_kind = self.documents.iter().filter(|d| d.kind == kind);
        let first = of_kind.clone().next();
        of_kind.find(|d| d.unreadable.is_none()).or(first)
    }

    fn readable(&self, kind: DocKind) -> Option<&Document> {
        self.document(kind).filter(|d| d.unreadable.is_none())
    }

    /// An attachment nothing recognised that may be this kind: a photo or scan for the KTP
    /// (after the KTP, the SK), a PDF or document for the SK. An applicant whose weak photo
    /// was not recognised attached it all the same, and must not be told it is missing.
    fn candidate(&self, kind: DocKind) -> Option<&Document> {
        if self.document(kind).is_some() {
            return None;
        }
        let unknown = || {
            self.documents
                .iter()
                .filter(|d| d.kind == DocKind::Other && d.basis == Basis::None)
        };
        let picture = |d: &&Document| d.file_type.is_image() || d.file_type == FileType::Heic;
        let paper =
            |d: &&Document| matches!(d.file_type, FileType::Pdf | FileType::Zip | FileType::Ole);
        match kind {
            DocKind::Ktp => unknown().find(picture).or_else(|| unknown().find(paper)),
            DocKind::Sk => {
                // One unread file is one document, never both the KTP and the SK.
                let ktp_taken = self.candidate(DocKind::Ktp).map(|d| d.filename.as_str());
                let free = |d: &&Document| Some(d.filename.as_str()) != ktp_taken;
                unknown()
                    .find(|d| paper(d) && free(d))
                    .or_else(|| unknown().find(|d| picture(d) && free(d)))
            }
            _ => None,
        }
    }

    fn body_nik(&self) -> Option<Result<Nik, crate::applicant::NikError>> {
        self.body.nik.as_deref().map(Nik::parse)
    }
}

pub fn evaluate(rules: &ChecklistRules, ev: &Evidence<'_>) -> Vec<Item> {
    rules
        .item
        .iter()
        .filter_map(|rule| {
            let v = run(rule.check, &rules.settings, ev).ok()?;
            Some(Item {
                id: rule.id.clone(),
                status: v.status,
                label: rule.label.clone(),
                detail: v.detail,
            })
        })
        .collect()
}

pub fn run(check: Check, s: &Settings, ev: &Evidence<'_>) -> Result<Verdict, NotApplicable> {
    match check {
        Check::KtpAttached => attached(ev, DocKind::Ktp),
        Check::SkAttached => attached(ev, DocKind::Sk),
        Check::KtpReadable => readable(ev, DocKind::Ktp),
        Check::SkReadable => readable(ev, DocKind::Sk),
        Check::SkIsDecree => sk_is_decree(ev),
        Check::PhoneGiven => phone_given(ev),
        Check::NikValid => nik_valid(ev),
        Check::NikMatchesKtp => nik_matches_ktp(s, ev),
        Check::NikRegion => nik_region(s, ev),
        Check::NipValid => nip_valid(s, ev),
        Check::NipMatches => nip_matches(s, ev),
        Check::NamesMatch => names_agree(s, ev),
        Check::EmailOfficial => email_official(ev),
    }
}

fn attached(ev: &Evidence<'_>, kind: DocKind) -> Result<Verdict, NotApplicable> {
    match ev.document(kind) {
        Some(d) => verdict(
            Status::Ok,
            format!("{} terlampir: {}", kind.label_id(), d.filename),
        ),
        None if ev.candidate(kind).is_some() => Err(NotApplicable(
            "an unrecognised attachment may be it: the readable check speaks",
        )),
        None => verdict(
            Status::Missing,
            format!(
                "{} belum dilampirkan; mohon kirim fotonya atau pindaiannya",
                kind.label_id()
            ),
        ),
    }
}

fn readable(ev: &Evidence<'_>, kind: DocKind) -> Result<Verdict, NotApplicable> {
    if let Some(doc) = ev.candidate(kind) {
        return verdict(
            Status::Invalid,
            format!(
                "{}: terlampir, tetapi tidak terbaca sebagai {} (foto buram, gelap, terpotong \
                 atau format yang belum dapat dibaca); mohon kirim ulang foto atau pindaian yang \
                 lebih jelas",
                doc.filename,
                kind.label_id()
            ),
        );
    }
    let doc = ev
        .document(kind)
        .ok_or(NotApplicable("no document of this kind"))?;
    match &doc.unreadable {
        None => verdict(
            Status::Ok,
            format!(
                "{} terbaca ({})",
                doc.filename,
                match doc.source {
                    Some(Source::Ocr) => "OCR",
                    _ => "teks PDF",
                }
            ),
        ),
        Some(Unreadable::NoText) => verdict(
            Status::Review,
            format!("{}: {}", doc.filename, Unreadable::NoText.keterangan()),
        ),
        Some(reason) => verdict(
            Status::Invalid,
            format!("{}: {}", doc.filename, reason.keterangan()),
        ),
    }
}

fn sk_is_decree(ev: &Evidence<'_>) -> Result<Verdict, NotApplicable> {
    let doc = ev
        .readable(DocKind::Sk)
        .ok_or(NotApplicable("no readable SK"))?;
    if doc.basis != Basis::Content {
        return verdict(
            Status::Review,
            format!(
                "{} dikenali dari nama berkasnya, tetapi isinya tidak tampak seperti surat keputusan",
                doc.filename
            ),
        );
    }
    if doc.fields.get("name").is_none() && doc.fields.get("nip").is_none() {
        return verdict(
            Status::Review,
            "nama dan NIP pegawai pada SK tidak terbaca; periksa manual bahwa SK atas nama pemohon",
        );
    }
    let number = doc.fields.get("number").unwrap_or("tanpa nomor terbaca");
    verdict(Status::Ok, format!("surat keputusan nomor {number}"))
}

fn phone_given(ev: &Evidence<'_>) -> Result<Verdict, NotApplicable> {
    match ev.body.phone.as_deref() {
        None => verdict(Status::Missing, "nomor HP belum dicantumkan di surel"),
        Some(raw) => match Phone::parse(raw) {
            Ok(p) => verdict(Status::Ok, format!("nomor HP {}", p.as_str())),
            Err(e) => verdict(
                Status::Invalid,
                format!("nomor HP \"{raw}\": {}", e.keterangan()),
            ),
        },
    }
}

fn nik_valid(ev: &Evidence<'_>) -> Result<Verdict, NotApplicable> {
    match ev.body_nik() {
        None => verdict(Status::Missing, "NIK belum dicantumkan di surel"),
        Some(Ok(nik)) => verdict(Status::Ok, format!("NIK {} berformat sah", nik.masked())),
        Some(Err(e)) => verdict(Status::Invalid, e.keterangan()),
    }
}

fn nik_matches_ktp(s: &Settings, ev: &Evidence<'_>) -> Result<Verdict, NotApplicable> {
    let nik = match ev.body_nik() {
        Some(Ok(nik)) => nik,
        _ => return Err(NotApplicable("no valid NIK in the body")),
    };
    let ktp = ev
        .readable(DocKind::Ktp)
        .ok_or(NotApplicable("no readable KTP"))?;
    let Some(read) = ktp.fields.get("nik") else {
        return verdict(
            Status::Review,
            "NIK pada KTP tidak terbaca otomatis; cocokkan manual dengan gambar KTP",
        );
    };
    if read == nik.as_str() {
        // Two independent sources giving the same 16 digits is the strongest evidence there is;
        // what is left to doubt is the card's own printed birth date and sex.
        if let Some(problem) = ktp_contradicts_nik(s, ktp, &nik) {
            return verdict(Status::Review, problem);
        }
        return verdict(Status::Ok, "NIK di surel sama dengan NIK pada KTP");
    }
    let conf = ktp.fields.conf("nik");
    if conf >= s.min_confidence {
        verdict(
            Status::Mismatch,
            format!(
                "NIK di surel ({}) berbeda dengan NIK pada KTP ({})",
                nik.as_str(),
                read
            ),
        )
    } else {
        verdict(
            Status::Review,
            format!(
                "NIK pada KTP terbaca {} dengan keyakinan rendah ({:.0}%), berbeda dengan NIK di surel ({}); cocokkan manual",
                read,
                conf * 100.0,
                nik.as_str()
            ),
        )
    }
}

/// The card's printed birth date and sex, when read confidently, must agree with its NIK.
fn ktp_contradicts_nik(s: &Settings, ktp: &Document, nik: &Nik) -> Option<String> {
    let f = &ktp.fields;
    if let Some(date) = f.get("birth_date")
        && f.conf("birth_date") >= s.min_confidence
        && let Ok(d) = NaiveDate::parse_from_str(date, "%Y-%m-%d")
        && (d.day() != nik.birth_day()
            || d.month() != nik.birth_month()
            || (d.year() % 100) as u32 != nik.birth_year_2d())
    {
        return Some(format!(
            "tanggal lahir pada KTP ({date}) tidak sesuai dengan tanggal lahir dalam NIK; periksa manual"
        ));
    }
    if let Some(sex) = f.get("sex")
        && f.conf("sex") >= s.min_confidence
        && sex != nik.sex().label_id()
    {
        return Some(format!(
            "jenis kelamin pada KTP ({sex}) tidak sesuai dengan NIK; periksa manual"
        ));
    }
    None
}

fn nik_region(s: &Settings, ev: &Evidence<'_>) -> Result<Verdict, NotApplicable> {
    let Some(Ok(nik)) = ev.body_nik() else {
        return Err(NotApplicable("no valid NIK in the body"));
    };
    let code = nik.regency_code();
    if code == s.home_regency {
        return verdict(
            Status::Ok,
            format!("NIK terdaftar di {}", regency_name(code).unwrap_or(code)),
        );
    }
    let place = regency_name(code)
        .map(str::to_string)
        .or_else(|| province_name(nik.province_code()).map(|p| format!("Provinsi {p} ({code})")))
        .unwrap_or_else(|| format!("daerah {code}"));
    verdict(
        Status::Ok,
        format!(
            "catatan: NIK terdaftar di {place}, bukan Kabupaten Gorontalo; hal ini wajar dan bukan kekurangan"
        ),
    )
}

/// The NIP to judge: the body's, else the SK's.
fn nip_source<'a>(ev: &'a Evidence<'_>) -> Option<(&'a str, &'static str, f32)> {
    if let Some(n) = ev.body.nip.as_deref() {
        return Some((n, "surel", 1.0));
    }
    let sk = ev.readable(DocKind::Sk)?;
    sk.fields
        .get("nip")
        .map(|n| (n, "SK", sk.fields.conf("nip")))
}

fn nip_valid(s: &Settings, ev: &Evidence<'_>) -> Result<Verdict, NotApplicable> {
    let Some((raw, from, conf)) = nip_source(ev) else {
        return verdict(
            Status::Missing,
            "NIP belum dicantumkan di surel dan tidak terbaca dari SK",
        );
    };
    match Nip::parse(raw) {
        Ok(nip) if conf >= s.min_confidence => verdict(
            Status::Ok,
            format!("NIP {} ({from}) berformat sah", nip.formatted()),
        ),
        Ok(nip) => verdict(
            Status::Review,
            format!(
                "NIP {} hanya terbaca dari SK dengan keyakinan rendah; periksa manual",
                nip.formatted()
            ),
        ),
        Err(e) if conf >= s.min_confidence => {
            verdict(Status::Invalid, format!("NIP ({from}): {}", e.keterangan()))
        }
        Err(e) => verdict(
            Status::Review,
            format!(
                "NIP dari SK terbaca tidak sah ({}); periksa manual",
                e.keterangan()
            ),
        ),
    }
}

fn nip_matches(s: &Settings, ev: &Evidence<'_>) -> Result<Verdict, NotApplicable> {
    let (raw, _, _) = nip_source(ev).ok_or(NotApplicable("no NIP"))?;
    let nip = Nip::parse(raw).map_err(|_| NotApplicable("NIP is not valid"))?;
    let nik = match ev.body_nik() {
        Some(Ok(nik)) => nik,
        _ => return Err(NotApplicable("no valid NIK in the body")),
    };
    let born = nip.birth_date();
    if born.day() != nik.birth_day()
        || born.month() != nik.birth_month()
        || (born.year() % 100) as u32 != nik.birth_year_2d()
    {
        return verdict(
            Status::Mismatch,
            format!(
                "tanggal lahir dalam NIP ({}) berbeda dengan tanggal lahir dalam NIK ({:02}-{:02}-..{:02})",
                born.format("%d-%m-%Y"),
                nik.birth_day(),
                nik.birth_month(),
                nik.birth_year_2d()
            ),
        );
    }
    if nip.sex() != nik.sex() {
        return verdict(
            Status::Mismatch,
            format!(
                "jenis kelamin dalam NIP ({}) berbeda dengan NIK ({})",
                nip.sex().label_id(),
                nik.sex().label_id()
            ),
        );
    }
    if let Some(sk) = ev.readable(DocKind::Sk)
        && ev.body.nip.is_some()
        && let Some(sk_nip) = sk.fields.get("nip")
        && sk_nip != nip.as_str()
    {
        let status = if sk.fields.conf("nip") >= s.min_confidence {
            Status::Mismatch
        } else {
            Status::Review
        };
        return verdict(
            status,
            format!(
                "NIP di surel ({}) berbeda dengan NIP pada SK ({sk_nip})",
                nip.as_str()
            ),
        );
    }
    verdict(
        Status::Ok,
        "tanggal lahir dan jenis kelamin dalam NIP sesuai dengan NIK",
    )
}

fn names_agree(s: &Settings, ev: &Evidence<'_>) -> Result<Verdict, NotApplicable> {
    let mut names: Vec<(&str, &str, f32)> = Vec::new();
    if let Some(n) = ev.body.name.as_deref() {
        names.push(("surel", n, 1.0));
    }
    for (kind, source) in [(DocKind::Ktp, "KTP"), (DocKind::Sk, "SK")] {
        if let Some(doc) = ev.readable(kind)
            && let Some(n) = doc.fields.get("name")
        {
            names.push((source, n, doc.fields.conf("name")));
        }
    }
    match names.len() {
        0 => {
            return verdict(
                Status::Missing,
                "nama pemohon tidak dicantumkan dan tidak terbaca dari KTP/SK",
            );
        }
        1 => return Err(NotApplicable("only one name to compare")),
        _ => {}
    }
    let mut review = Vec::new();
    for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            if names_match(a.1, b.1) != NameMatch::Different {
                continue;
            }
            let confidence = a.2.min(b.2);
            let detail = format!(
                "nama di {} ({}) berbeda dengan nama di {} ({})",
                a.0, a.1, b.0, b.1
            );
            // Only a reading can slip: two typed names that differ are a mismatch.
            let why = if confidence >= 1.0 {
                None
            } else if confidence < s.min_confidence {
                Some("pembacaan OCR kurang yakin")
            } else if is_cut_short(a.1, b.1) {
                Some("nama terbaca terpotong (silau atau tercetak dua baris)")
            } else if name_distance(a.1, b.1) <= s.name_slip_letters {
                Some("mungkin salah baca OCR")
            } else {
                None
            };
            match why {
                Some(why) => review.push(format!("{detail}; {why}")),
                None => return verdict(Status::Mismatch, detail),
            }
        }
    }
    if !review.is_empty() {
        return verdict(Status::Review, review.join("; "));
    }
    let sources: Vec<&str> = names.iter().map(|n| n.0).collect();
    verdict(Status::Ok, format!("nama sama di {}", sources.join(", ")))
}

fn email_official(ev: &Evidence<'_>) -> Result<Verdict, NotApplicable> {
    let raw = ev
        .body
        .email
        .as_deref()
        .or(ev.sender)
        .ok_or(NotApplicable("no email"))?;
    match EmailAddress::parse(raw) {
        Ok(e) if e.is_government() => verdict(Status::Ok, format!("{} (surel dinas)", e.as_str())),
        Ok(e) => verdict(
            Status::Ok,
            format!(
                "catatan: {} bukan surel dinas (go.id); tautan aktivasi BSrE dikirim ke surel yang didaftarkan",
                e.as_str()
            ),
        ),
        Err(_) => verdict(
            Status::Review,
            format!("alamat surel \"{raw}\" tidak sah; periksa manual"),
        ),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::extract::{Fields, ktp, sk};
    use crate::rules::Rules;

    pub(crate) const NIK: &str = "7502015203850001"; // woman, born 12-03-85
    const NIP: &str = "198503122010012003"; // woman, born 1985-03-12

    pub(crate) fn body() -> BodyForm {
        BodyForm {
            name: Some("Siti Nurhaliza Abas, S.Kom.".into()),
            nik: Some(NIK.into()),
            nip: Some(NIP.into()),
            position: Some("Pranata Komputer".into()),
            rank: None,
            unit: Some("Dinas Pendidikan".into()),
            phone: Some("0812-3456-7890".into()),
            email: None,
        }
    }

    pub(crate) fn doc(kind: DocKind, pairs: &[(&'static str, &str, f32)]) -> Document {
        let keys = if kind == DocKind::Ktp {
            ktp::KEYS
        } else {
            sk::KEYS
        };
        let mut fields = Fields::with_keys(keys);
        for (k, v, c) in pairs {
            fields.set(k, v.to_string(), *c);
        }
        Document {
            filename: format!("{}.jpg", kind.as_str()),
            kind,
            basis: Basis::Content,
            file_type: FileType::Jpeg,
            source: Some(Source::Ocr),
            fields,
            unreadable: None,
        }
    }

    pub(crate) fn ktp_doc(nik: &str, conf: f32) -> Document {
        doc(
            DocKind::Ktp,
            &[
                ("nik", nik, conf),
                ("name", "SITI NURHALIZA ABAS", 0.93),
                ("birth_date", "1985-03-12", 0.95),
                ("sex", "PEREMPUAN", 0.95),
            ],
        )
    }

    pub(crate) fn sk_doc() -> Document {
        doc(
            DocKind::Sk,
            &[
                ("name", "Siti Nurhaliza Abas, S.Kom.", 1.0),
                ("nip", NIP, 1.0),
                ("number", "821.2/BKPSDM/1/2024", 1.0),
            ],
        )
    }

    pub(crate) fn check(body: &BodyForm, docs: &[Document]) -> Vec<Item> {
        let ev = Evidence {
            body,
            sender: Some("siti.abas@gorontalokab.go.id"),
            documents: docs,
            today: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        };
        evaluate(&Rules::builtin().checklist, &ev)
    }

    fn status(items: &[Item], id: &str) -> Option<Status> {
        items.iter().find(|i| i.id == id).map(|i| i.status)
    }

    fn problems(items: &[Item]) -> Vec<&str> {
        items
            .iter()
            .filter(|i| i.status != Status::Ok)
            .map(|i| i.id.as_str())
            .collect()
    }

    #[test]
    fn a_complete_application_has_no_problems() {
        let items = check(&body(), &[ktp_doc(NIK, 0.97), sk_doc()]);
        assert_eq!(problems(&items), Vec::<&str>::new(), "{items:#?}");
        assert!(
            items
                .iter()
                .find(|i| i.id == "nik_region")
                .unwrap()
                .detail
                .contains("Kabupaten Gorontalo")
        );
    }

    #[test]
    fn missing_documents_and_phone() {
        let mut b = body();
        b.phone = None;
        let items = check(&b, &[]);
        assert_eq!(status(&items, "missing_ktp"), Some(Status::Missing));
        assert_eq!(status(&items, "missing_sk"), Some(Status::Missing));
        assert_eq!(status(&items, "missing_phone"), Some(Status::Missing));
        // Nothing to compare the NIK with: the item is left out, not guessed.
        assert_eq!(status(&items, "nik_mismatch"), None);
        assert_eq!(status(&items, "unreadable_ktp"), None);
    }

    #[test]
    fn invalid_phone_is_invalid() {
        let mut b = body();
        b.phone = Some("0435-881234".into());
        assert_eq!(
            status(&check(&b, &[ktp_doc(NIK, 0.97), sk_doc()]), "missing_phone"),
            Some(Status::Invalid)
        );
    }

    #[test]
    fn nik_invalid_and_its_dependants() {
        let mut b = body();
        b.nik = Some("750201520385001".into());
        let items = check(&b, &[ktp_doc(NIK, 0.97), sk_doc()]);
        assert_eq!(problems(&items), vec!["nik_invalid"], "{items:#?}");
        b.nik = Some("7502015213850001".into());
        assert_eq!(
            status(&check(&b, &[ktp_doc(NIK, 0.97), sk_doc()]), "nik_invalid"),
            Some(Status::Invalid)
        );
    }

    #[test]
    fn nik_mismatch_when_the_card_is_read_confidently() {
        let items = check(&body(), &[ktp_doc("7502015203850007", 0.96), sk_doc()]);
        assert_eq!(problems(&items), vec!["nik_mismatch"]);
        assert_eq!(status(&items, "nik_mismatch"), Some(Status::Mismatch));
    }

    #[test]
    fn an_unsure_reading_is_review_never_ok() {
        let items = check(&body(), &[ktp_doc("7502015203850007", 0.4), sk_doc()]);
        assert_eq!(status(&items, "nik_mismatch"), Some(Status::Review));
        let mut no_nik = ktp_doc(NIK, 0.9);
        no_nik.fields.values.insert("nik", None);
        assert_eq!(
            status(&check(&body(), &[no_nik, sk_doc()]), "nik_mismatch"),
            Some(Status::Review)
        );
    }

    #[test]
    fn a_card_whose_birth_date_contradicts_the_nik_is_reviewed() {
        let mut ktp = ktp_doc(NIK, 0.97);
        ktp.fields.set("birth_date", "1985-03-13".into(), 0.95);
        assert_eq!(
            status(&check(&body(), &[ktp, sk_doc()]), "nik_mismatch"),
            Some(Status::Review)
        );
    }

    #[test]
    fn other_regency_is_a_note() {
        let mut b = body();
        b.nik = Some("7571015203850001".into());
        let items = check(&b, &[ktp_doc("7571015203850001", 0.97), sk_doc()]);
        assert_eq!(problems(&items), Vec::<&str>::new());
        assert!(
            items
                .iter()
                .find(|i| i.id == "nik_region")
                .unwrap()
                .detail
                .contains("Kota Gorontalo")
        );
    }

    #[test]
    fn an_attached_photo_nothing_recognised_is_unreadable_never_missing() {
        // A camera or WhatsApp name, a weak photo (or a HEIC not decoded): classed "other".
        let unknown = |name: &str, file_type: FileType| {
            let mut d = doc(DocKind::Other, &[]);
            d.filename = name.into();
            d.file_type = file_type;
            d.basis = Basis::None;
            d
        };
        let items = check(
            &body(),
            &[unknown("IMG_20240203_102046.jpg", FileType::Jpeg), sk_doc()],
        );
        assert_eq!(problems(&items), vec!["unreadable_ktp"]);
        let item = items.iter().find(|i| i.id == "unreadable_ktp").unwrap();
        assert!(
            item.detail.contains("IMG_20240203_102046.jpg"),
            "{}",
            item.detail
        );
        // Two unknown files, one a photo and one a PDF: the photo may be the KTP, the PDF the
        // SK; neither is "missing".
        let items = check(
            &body(),
            &[
                unknown("IMG_4910.HEIC", FileType::Heic),
                unknown("scan0001.pdf", FileType::Pdf),
            ],
        );
        assert_eq!(problems(&items), vec!["unreadable_ktp", "unreadable_sk"]);
        // Nothing attached at all is still missing.
        assert_eq!(
            problems(&check(&body(), &[])),
            vec!["missing_ktp", "missing_sk"]
        );
    }

    #[test]
    fn unreadable_documents() {
        let mut ktp = ktp_doc(NIK, 0.0);
        ktp.unreadable = Some(Unreadable::Format(FileType::Heic));
        ktp.fields = Fields::with_keys(ktp::KEYS);
        let mut sk = sk_doc();
        sk.unreadable = Some(Unreadable::Encrypted);
        let items = check(&body(), &[ktp, sk]);
        assert_eq!(
            problems(&items),
            vec!["unreadable_ktp", "unreadable_sk"],
            "{items:#?}"
        );
    }

    #[test]
    fn nip_checks() {
        let mut b = body();
        b.nip = Some("19850312201001200".into());
        let mut sk = sk_doc();
        sk.fields.set("nip", "19850312201001200".into(), 1.0);
        assert_eq!(
            problems(&check(&b, &[ktp_doc(NIK, 0.97), sk])),
            vec!["nip_invalid"]
        );

        // Born 1984 by the NIP, 1985 by the NIK.
        let mut b = body();
        b.nip = Some("198403122010012003".into());
        let mut sk = sk_doc();
        sk.fields.set("nip", "198403122010012003".into(), 1.0);
        assert_eq!(
            problems(&check(&b, &[ktp_doc(NIK, 0.97), sk])),
            vec!["nip_mismatch"]
        );

        // Same birth date, but a man's NIP for a woman's NIK.
        let mut b = body();
        b.nip = Some("198503122010011003".into());
        let mut sk = sk_doc();
        sk.fields.set("nip", "198503122010011003".into(), 1.0);
        assert_eq!(
            status(&check(&b, &[ktp_doc(NIK, 0.97), sk]), "nip_mismatch"),
            Some(Status::Mismatch)
        );

        // The body's NIP is not the SK's.
        let mut sk = sk_doc();
        sk.fields.set("nip", "198503122011012001".into(), 1.0);
        assert_eq!(
            status(&check(&body(), &[ktp_doc(NIK, 0.97), sk]), "nip_mismatch"),
            Some(Status::Mismatch)
        );
    }

    #[test]
    fn names_titles_aside_and_ocr_slips() {
        let mut sk = sk_doc();
        sk.fields
            .set("name", "Ahmad Yusuf Pakaya, S.T.".into(), 1.0);
        assert_eq!(
            problems(&check(&body(), &[ktp_doc(NIK, 0.97), sk])),
            vec!["name_mismatch"]
        );

        let mut ktp = ktp_doc(NIK, 0.97);
        ktp.fields.set("name", "SITI NURHALIZA ABAZ".into(), 0.8);
        assert_eq!(
            status(&check(&body(), &[ktp, sk_doc()]), "name_mismatch"),
            Some(Status::Review)
        );

        let mut b = body();
        b.name = Some("Dr. Siti Nurhaliza Abas, S.Kom., M.Si.".into());
        assert_eq!(
            status(&check(&b, &[ktp_doc(NIK, 0.97), sk_doc()]), "name_mismatch"),
            Some(Status::Ok)
        );
        // Cut short by glare, a lost space with a stray mark, an unsure reading: review.
        for (read, conf) in [
            ("SITI NURHALIZA", 0.93),
            (". SITINURHALIZAABAS", 0.9),
            ("ANI WULANDARI", 0.5),
        ] {
            let mut ktp = ktp_doc(NIK, 0.97);
            ktp.fields.set("name", read.into(), conf);
            let items = check(&body(), &[ktp, sk_doc()]);
            assert_eq!(
                status(&items, "name_mismatch"),
                Some(Status::Review),
                "{read}"
            );
        }
        // A confident reading of another name is still a mismatch.
        let mut ktp = ktp_doc(NIK, 0.97);
        ktp.fields.set("name", "ANI WULANDARI".into(), 0.95);
        assert_eq!(
            status(&check(&body(), &[ktp, sk_doc()]), "name_mismatch"),
            Some(Status::Mismatch)
        );
    }

    #[test]
    fn an_sk_recognised_by_name_only_is_reviewed() {
        let mut sk = sk_doc();
        sk.basis = Basis::Filename;
        assert_eq!(
            status(&check(&body(), &[ktp_doc(NIK, 0.97), sk]), "sk_invalid"),
            Some(Status::Review)
        );
    }

    #[test]
    fn broken_checklist_names_the_line() {
        let text = "[settings]\nhome_regency = \"7502\"\nmin_confidence = 0.85\nname_slip_letters = 2\n\n[[item]]\nid = \"x\"\nlabel = \"X\"\ncheck = \"no_such_check\"\n";
        let err = Rules::from_texts(
            (std::path::Path::new("rules/checklist.toml"), text),
            (
                std::path::Path::new("rules/classify.toml"),
                include_str!("../rules/classify.toml"),
            ),
        )
        .unwrap_err();
        assert_eq!(err.line(), Some(9), "{err}");

        let unknown_key = "[settings]\nhome_regency = \"7502\"\nmin_confidence = 0.85\nname_slip_letters = 2\ncolour = 1\n";
        let err = Rules::from_texts(
            (std::path::Path::new("rules/checklist.toml"), unknown_key),
            (
                std::path::Path::new("rules/classify.toml"),
                include_str!("../rules/classify.toml"),
            ),
        )
        .unwrap_err();
        assert_eq!(err.line(), Some(5), "{err}");

        let twice = "[settings]\nhome_regency = \"7502\"\nmin_confidence = 0.85\nname_slip_letters = 2\n[[item]]\nid = \"a\"\nlabel = \"A\"\ncheck = \"ktp_attached\"\n[[item]]\nid = \"a\"\nlabel = \"B\"\ncheck = \"sk_attached\"\n";
        let err = Rules::from_texts(
            (std::path::Path::new("rules/checklist.toml"), twice),
            (
                std::path::Path::new("rules/classify.toml"),
                include_str!("../rules/classify.toml"),
            ),
        )
        .unwrap_err();
        assert_eq!(err.line(), Some(6), "{err}");
    }
}
