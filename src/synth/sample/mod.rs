//! One numbered sample: which defect, KTP/SK variants and body style it gets, the person and
//! documents made for it, the mail that carries them, and the ground truth sertel must report.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Weekday};

use super::body::{self, BodyStyle, Fields};
use super::docs;
use super::error::SynthError;
use super::mail::{self, Disposition, Part, TextEncoding};
use super::person::{self, Origin, Person, Spec};
use super::raster::Fonts;
use super::rng::{self, Rng};

use BodyStyle as S;
use KtpPlan::{Absent as NoKtp, Heic, Image};
use SkPlan::{Absent as NoSk, Broken, Scanned, Text};

mod attach;
mod plan;

pub use attach::*;
pub use plan::*;

const DESK: &str = "kominfo@gorontalokab.go.id";
const DOMAIN: &str = "gorontalokab.go.id";

/// Builds sample `index` of the run seeded with `seed`; independent of how many samples the
/// run has, so a longer run starts with the same files.
pub fn build(fonts: &Fonts, index: usize, seed: u64, family: Family) -> Result<Built, SynthError> {
    let id = format!("{index:03}");
    let sample_seed = rng::derive(seed, index as u64);
    let mut rng = Rng::new(sample_seed);
    let plan = match family {
        Family::Desk => plan(index, &mut rng),
        Family::Office => office_plan(&mut rng),
    };
    let origin = match plan.defect {
        Defect::OtherRegency => Origin::Elsewhere,
        Defect::None => Origin::Home,
        _ => Origin::Natural,
    };
    let moh = if plan.moh { Some(true) } else { None };
    let mut person = person::generate(rng::derive(sample_seed, 1), Spec { origin, moh });
    if plan.defect == Defect::NipMismatch {
        person.nip = shift_nip_year(&person.nip, &mut rng);
    }

    // What the applicant types.
    let nip = if plan.defect == Defect::NipInvalid {
        drop_digit(&person.nip, &mut rng)
    } else {
        person.nip.clone()
    };
    let fields = Fields {
        name: if !person.name.starts_with("Moh.") && rng.chance(0.15) {
            person::bare_name(&person.name).to_string()
        } else {
            person.name.clone()
        },
        nik: match plan.defect {
            Defect::NikMismatch => tweak_sequence(&person.nik, &mut rng),
            Defect::NikInvalid => invalidate_nik(&person.nik, &mut rng),
            _ => person.nik.clone(),
        },
        nip: if rng.chance(0.5) {
            docs::spaced_nip(&nip)
        } else {
            nip.clone()
        },
        rank: rng.chance(0.6).then(|| person.rank.clone()),
        position: person.position.clone(),
        unit: person.unit.clone(),
        phone: (plan.defect != Defect::MissingPhone)
            .then(|| body::write_phone(&mut rng, &person.phone)),
        email: (plan.style.is_forwarded() || rng.chance(0.5)).then(|| person.email.clone()),
    };

    let sent = mail_time(&mut rng);
    let docs = documents(fonts, &plan, &person, &fields, &nip, sent, &mut rng)?;
    let subject = subject(&mut rng, &person, &fields);
    let from_header = display_from(&mut rng, &fields.name, &person.email);
    let message_id = format!("synth-{id}-{seed}@{DOMAIN}");
    let mut boundaries = Boundaries {
        rng: Rng::new(rng::derive(sample_seed, 3)),
    };

    let (eml, from, subject, documents) = if plan.style.is_forwarded() {
        let male = rng.chance(0.5);
        let (given, family) = person::given_and_family(&mut rng, male);
        let forwarder_name = format!("{given} {family}");
        let forwarder_email = if rng.chance(0.5) {
            format!(
                "{}.{}@{DOMAIN}",
                given.to_lowercase(),
                family.to_lowercase()
            )
        } else {
            format!("umum.{}@{DOMAIN}", unit_slug(&person.unit))
        };
        let received = earlier_working_time(&mut rng, sent);
        let inner_style = if rng.chance(0.5) {
            S::LabelledColon
        } else {
            S::Numbered
        };
        let inner_text = body::plain(&body::draft(&mut rng, &fields), inner_style, &fields);
        let note = body::forward_note(&mut rng, &fields.name, &forwarder_name, &person.unit);
        let fwd_subject = format!("{} {subject}", rng.pick(&["Fwd:", "FW:", "Fwd:"]));
        let outer_headers = headers(
            &forwarder_name,
            &forwarder_email,
            &fwd_subject,
            sent,
            &message_id,
            &mut rng,
        );
        let root = if plan.style == S::ForwardedRfc822 {
            let mut inner_parts = vec![Part::text("plain", &inner_text, TextEncoding::SevenBit)];
            inner_parts.extend(docs.iter().map(|d| d.part(Disposition::Attachment)));
            let inner_root = Part::multipart("mixed", boundaries.next(), inner_parts);
            let inner_id = format!("synth-{id}-{seed}-asli@{DOMAIN}");
            let inner_headers = [
                ("From", from_header.clone()),
                ("To", forwarder_email.clone()),
                ("Subject", subject.clone()),
                ("Date", rfc_date(received)),
                ("Message-ID", format!("<{inner_id}>")),
            ];
            let inner = mail::message(&inner_headers, &inner_root);
            Part::multipart(
                "mixed",
                boundaries.next(),
                vec![
                    Part::text("plain", &note, TextEncoding::SevenBit),
                    Part::message(&format!("{subject}.eml"), inner),
                ],
            )
        } else {
            let quoted = format!(
                "{note}\n---------- Forwarded message ---------\nFrom: {from_header}\nDate: {}\nSubject: {subject}\nTo: <{forwarder_email}>\n\n{inner_text}",
                received.format("%a, %b %-d, %Y at %-I:%M %p")
            );
            let mut parts = vec![Part::text("plain", &quoted, TextEncoding::QuotedPrintable)];
            parts.extend(docs.iter().map(|d| d.part(Disposition::Attachment)));
            Part::multipart("mixed", boundaries.next(), parts)
        };
        (
            mail::message(&outer_headers, &root),
            forwarder_email,
            fwd_subject,
            docs.iter().map(Doc::truth).collect(),
        )
    } else {
        let own_headers = headers_raw(from_header.clone(), &subject, sent, &message_id, &mut rng);
        let (root, order) = direct_body(&mut rng, &plan, &fields, &docs, &mut boundaries);
        let documents = order.iter().map(|&i| docs[i].truth()).collect();
        (
            mail::message(&own_headers, &root),
            person.email.clone(),
            subject,
            documents,
        )
    };

    let problems = plan.defect.problems();
    let expected = Expected {
        message_id,
        from,
        subject,
        applicant: Applicant {
            name: Some(fields.name.clone()),
            nik: Some(fields.nik.clone()),
            nip: Some(fields.nip.replace(' ', "")),
            position: Some(fields.position.clone()),
            rank: match (&fields.rank, plan.sk) {
                (Some(rank), _) => Some(Some(rank.clone())),
                (None, Text) => Some(Some(person.rank.clone())),
                (None, NoSk | Broken) => Some(None),
                (None, Scanned) => None,
                (None, SkPlan::Office(way)) if !way.is_text() => Some(None),
                // The office family's decree prints the rank in its own layouts; whether it is
                // taken is not what this family measures.
                (None, SkPlan::Office(_)) => None,
            },
            unit: Some(fields.unit.clone()),
            phone: fields.phone.as_deref().map(body::normalize_phone),
            email: Some(person.email.clone()),
        },
        documents,
        complete: problems.is_empty(),
        problems,
        sample: SampleTruth {
            ktp_variant: match plan.ktp {
                NoKtp => "none",
                Heic => "heic",
                Image(v) => v.label(),
                KtpPlan::Office(v) => v.label(),
            },
            sk_variant: match plan.sk {
                NoSk => "none",
                Text => "text",
                Scanned => "scanned",
                Broken => "broken",
                SkPlan::Office(v) => v.label(),
            },
            body_style: plan.style.label(),
            defect: plan.defect.label(),
            seed,
        },
    };
    Ok(Built { eml, expected })
}

/// The body and attachments of a mail the applicant sent themselves; returns the root part
/// and the order in which `docs` appear in it.
fn direct_body(
    rng: &mut Rng,
    plan: &Plan,
    fields: &Fields,
    docs: &[Doc],
    boundaries: &mut Boundaries,
) -> (Part, Vec<usize>) {
    let encoding = if rng.chance(0.5) {
        TextEncoding::SevenBit
    } else {
        TextEncoding::QuotedPrintable
    };
    let all: Vec<usize> = (0..docs.len()).collect();
    let attach = |ids: &[usize]| -> Vec<Part> {
        ids.iter()
            .map(|&i| docs[i].part(Disposition::Attachment))
            .collect()
    };
    match plan.style {
        S::HtmlOnly => {
            let html = body::html(&body::draft(rng, fields), fields, "");
            let mut parts = vec![Part::text("html", &html, TextEncoding::QuotedPrintable)];
            parts.extend(attach(&all));
            (Part::multipart("mixed", boundaries.next(), parts), all)
        }
        S::Alternative => {
            let draft = body::draft(rng, fields);
            let text = body::plain(&draft, S::LabelledColon, fields);
            let html = body::html(&draft, fields, "");
            let alternative = Part::multipart(
                "alternative",
                boundaries.next(),
                vec![
                    Part::text("plain", &text, encoding),
                    Part::text("html", &html, TextEncoding::QuotedPrintable),
                ],
            );
            let mut parts = vec![alternative];
            parts.extend(attach(&all));
            (Part::multipart("mixed", boundaries.next(), parts), all)
        }
        S::HtmlInlineKtp => {
            let ktp_index = docs.iter().position(|d| d.kind == "ktp").unwrap_or(0);
            let cid = format!("ii_{:x}", rng.next_u64() >> 24);
            let img = format!(
                "<p>Foto KTP:<br><img src=\"cid:{cid}\" alt=\"{}\" width=\"480\"></p>\n",
                docs[ktp_index].filename
            );
            let draft = body::draft(rng, fields);
            let text = format!(
                "{}\n[image: {}]\n",
                body::plain(&draft, S::LabelledColon, fields),
                docs[ktp_index].filename
            );
            let html = body::html(&draft, fields, &img);
            let alternative = Part::multipart(
                "alternative",
                boundaries.next(),
                vec![
                    Part::text("plain", &text, encoding),
                    Part::text("html", &html, TextEncoding::QuotedPrintable),
                ],
            );
            let related = Part::multipart(
                "related",
                boundaries.next(),
                vec![
                    alternative,
                    docs[ktp_index].part(Disposition::Inline { content_id: &cid }),
                ],
            );
            let rest: Vec<usize> = all.iter().copied().filter(|&i| i != ktp_index).collect();
            let mut parts = vec![related];
            parts.extend(attach(&rest));
            let mut order = vec![ktp_index];
            order.extend(rest);
            (Part::multipart("mixed", boundaries.next(), parts), order)
        }
        S::HtmlOutlook | S::HtmlGmail | S::HtmlApple => {
            let html = body::client_html(&body::draft(rng, fields), fields, plan.style);
            let mut parts = vec![Part::text("html", &html, TextEncoding::QuotedPrintable)];
            parts.extend(attach(&all));
            (Part::multipart("mixed", boundaries.next(), parts), all)
        }
        style => {
            let text = body::plain(&body::draft(rng, fields), style, fields);
            let mut parts = vec![Part::text("plain", &text, encoding)];
            parts.extend(attach(&all));
            (Part::multipart("mixed", boundaries.next(), parts), all)
        }
    }
}

/// Gmail-style boundaries drawn from the sample's own stream: fixed per seed.
struct Boundaries {
    rng: Rng,
}

impl Boundaries {
    fn next(&mut self) -> String {
        format!("000000000000{:016x}", self.rng.next_u64())
    }
}

/// A working-day time in November 2026 (WITA, UTC+8).
fn mail_time(rng: &mut Rng) -> NaiveDateTime {
    let date = loop {
        let d = NaiveDate::from_ymd_opt(2026, 11, rng.range(2, 27) as u32).expect("valid day");
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            break d;
        }
    };
    date.and_hms_opt(
        rng.range(7, 15) as u32,
        rng.range(0, 59) as u32,
        rng.range(0, 59) as u32,
    )
    .expect("valid time")
}

/// When the applicant mailed the forwarder: the same or one of the three previous working
/// days, in office hours, before `sent`.
fn earlier_working_time(rng: &mut Rng, sent: NaiveDateTime) -> NaiveDateTime {
    loop {
        let day = sent.date() - Duration::days(rng.range(0, 3));
        if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            continue;
        }
        let t = day.and_hms_opt(
            rng.range(7, 15) as u32,
            rng.range(0, 59) as u32,
            rng.range(0, 59) as u32,
        );
        if let Some(t) = t.filter(|t| *t < sent) {
            return t;
        }
    }
}

fn rfc_date(t: NaiveDateTime) -> String {
    t.format("%a, %-d %b %Y %H:%M:%S +0800").to_string()
}

fn subject(rng: &mut Rng, person: &Person, fields: &Fields) -> String {
    rng.pick(&[
        format!("Permohonan Sertifikat Elektronik a.n. {}", fields.name),
        "Pengajuan TTE".to_string(),
        "permohonan sertel".to_string(),
        format!("Permohonan TTE - {}", person.unit),
        format!(
            "Pengajuan Sertifikat Elektronik {}",
            person::bare_name(&fields.name)
        ),
        "Permohonan Penerbitan Sertifikat Elektronik".to_string(),
    ])
    .clone()
}

/// The From header as different clients write it.
fn display_from(rng: &mut Rng, name: &str, email: &str) -> String {
    match rng.below(3) {
        0 => format!("\"{name}\" <{email}>"),
        1 => format!("{} <{email}>", person::bare_name(name)),
        _ => email.to_string(),
    }
}

fn headers(
    name: &str,
    email: &str,
    subject: &str,
    sent: NaiveDateTime,
    message_id: &str,
    rng: &mut Rng,
) -> Vec<(&'static str, String)> {
    headers_raw(format!("{name} <{email}>"), subject, sent, message_id, rng)
}

fn headers_raw(
    from: String,
    subject: &str,
    sent: NaiveDateTime,
    message_id: &str,
    rng: &mut Rng,
) -> Vec<(&'static str, String)> {
    let mut h = vec![
        ("From", from),
        ("To", DESK.to_string()),
        ("Subject", subject.to_string()),
        ("Date", rfc_date(sent)),
        ("Message-ID", format!("<{message_id}>")),
    ];
    let agent = rng.pick(&[
        Some((
            "X-Mailer",
            "Zimbra 9.0.0_GA_4546 (ZimbraWebClient - GC120 (Win)/9.0.0_GA_4546)",
        )),
        Some(("User-Agent", "Roundcube Webmail/1.6.5")),
        Some(("X-Mailer", "Microsoft Outlook 16.0")),
        None,
    ]);
    if let Some((name, value)) = agent {
        h.push((name, value.to_string()));
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::ktp::KtpVariant as K;

    fn all_plans(n: usize) -> Vec<Plan> {
        let mut rng = Rng::new(42);
        (1..=n).map(|i| plan(i, &mut rng)).collect()
    }

    #[test]
    fn first_twelve_cover_the_committed_set() {
        let plans = all_plans(12);
        let has = |f: &dyn Fn(&Plan) -> bool| plans.iter().any(f);
        assert!(has(&|p| p.ktp == Image(K::Clean)
            && p.sk == Text
            && p.defect == Defect::None));
        for v in [K::PhonePhoto, K::LowRes, K::ScannedPdf] {
            assert!(has(&|p| p.ktp == Image(v)), "{v:?}");
        }
        assert!(has(&|p| p.sk == Scanned));
        for s in [S::HtmlOnly, S::Prose, S::ForwardedRfc822] {
            assert!(has(&|p| p.style == s), "{s:?}");
        }
        for d in [
            Defect::MissingKtp,
            Defect::MissingSk,
            Defect::MissingPhone,
            Defect::NikMismatch,
            Defect::NameMismatch,
            Defect::NipMismatch,
            Defect::NikInvalid,
            Defect::UnreadableKtp,
            Defect::UnreadableSk,
            Defect::OtherRegency,
        ] {
            assert!(has(&|p| p.defect == d), "{d:?}");
        }
        assert!(has(&|p| p.ktp == Heic) && has(&|p| p.sk == Broken));
    }

    #[test]
    fn twenty_four_cover_every_defect_and_mostly_clean() {
        let plans = all_plans(24);
        for d in PROBLEM_DEFECTS {
            assert!(plans.iter().any(|p| p.defect == d), "{d:?}");
        }
        let clean = plans
            .iter()
            .filter(|p| p.defect.problems().is_empty())
            .count();
        assert!(clean >= 12, "{clean}");
    }

    #[test]
    fn random_plans_are_consistent() {
        let mut rng = Rng::new(7);
        for _ in 0..500 {
            let p = random_plan(&mut rng);
            match p.defect {
                Defect::MissingKtp => assert_eq!(p.ktp, NoKtp),
                Defect::MissingSk => assert_eq!(p.sk, NoSk),
                Defect::UnreadableSk => assert_eq!(p.sk, Broken),
                Defect::UnreadableKtp => assert!(matches!(p.ktp, Heic | Image(K::Unreadable))),
                Defect::NameMismatch => assert_eq!(p.sk, Text),
                _ => {}
            }
            if p.style == S::HtmlInlineKtp {
                assert!(matches!(p.ktp, Image(v) if v != K::ScannedPdf));
            }
        }
    }

    #[test]
    fn defect_helpers() {
        let mut rng = Rng::new(9);
        let nik = "7502015203850003";
        for _ in 0..50 {
            let t = tweak_sequence(nik, &mut rng);
            assert_eq!(&t[..12], &nik[..12]);
            assert_eq!(
                t.bytes().zip(nik.bytes()).filter(|(a, b)| a != b).count(),
                1
            );
            let bad = invalidate_nik(nik, &mut rng);
            assert!(bad.len() == 15 || &bad[8..10] == "13");
            let shifted = shift_nip_year("198503122010011003", &mut rng);
            let delta = (shifted[..4].parse::<i32>().unwrap() - 1985).abs();
            assert!((1..=3).contains(&delta));
            assert_eq!(drop_digit("198503122010011003", &mut rng).len(), 17);
        }
        assert_eq!(
            shift_nip_year("198802292010011003", &mut Rng::new(1)).len(),
            18
        );
    }
}
