//! One numbered sample: which defect, KTP/SK variants and body style it gets, the person and
//! documents made for it, the mail that carries them, and the ground truth sertel must report.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Weekday};
use serde::Serialize;

use super::body::{self, BodyStyle, Fields};
use super::docs::{self, LetterFacts, SkFacts};
use super::error::SynthError;
use super::ktp::{self, KtpVariant};
use super::mail::{self, Disposition, Part, TextEncoding};
use super::pdf;
use super::person::{self, Origin, Person, Spec};
use super::raster::Fonts;
use super::rng::{self, Rng};

/// What is wrong with an application, at most one thing per sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defect {
    None,
    MissingKtp,
    MissingSk,
    MissingPhone,
    NikMismatch,
    NikInvalid,
    NameMismatch,
    NipInvalid,
    NipMismatch,
    UnreadableKtp,
    UnreadableSk,
    /// A KTP from outside Kabupaten Gorontalo: unusual but acceptable.
    OtherRegency,
}

impl Defect {
    pub fn label(self) -> &'static str {
        match self {
            Defect::None => "none",
            Defect::MissingKtp => "missing_ktp",
            Defect::MissingSk => "missing_sk",
            Defect::MissingPhone => "missing_phone",
            Defect::NikMismatch => "nik_mismatch",
            Defect::NikInvalid => "nik_invalid",
            Defect::NameMismatch => "name_mismatch",
            Defect::NipInvalid => "nip_invalid",
            Defect::NipMismatch => "nip_mismatch",
            Defect::UnreadableKtp => "unreadable_ktp",
            Defect::UnreadableSk => "unreadable_sk",
            Defect::OtherRegency => "other_regency",
        }
    }

    /// The checklist problem this defect must raise; each defect's label is its problem.
    fn problems(self) -> Vec<&'static str> {
        match self {
            Defect::None | Defect::OtherRegency => vec![],
            d => vec![d.label()],
        }
    }
}

/// Defects that make a problem, for the random samples after the fixed schedule.
const PROBLEM_DEFECTS: [Defect; 10] = [
    Defect::MissingKtp,
    Defect::MissingSk,
    Defect::MissingPhone,
    Defect::NikMismatch,
    Defect::NikInvalid,
    Defect::NameMismatch,
    Defect::NipInvalid,
    Defect::NipMismatch,
    Defect::UnreadableKtp,
    Defect::UnreadableSk,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KtpPlan {
    Absent,
    Image(KtpVariant),
    /// An iPhone photo sent as is: HEIC, which nothing on the desk decodes.
    Heic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkPlan {
    Absent,
    Text,
    Scanned,
    /// A PDF that does not open (damaged, or encrypted without a password).
    Broken,
}

#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub defect: Defect,
    pub ktp: KtpPlan,
    pub sk: SkPlan,
    pub style: BodyStyle,
    /// Force the "Moh." spelling case (body "Moh.", KTP "MOH", SK "Mohammad").
    pub moh: bool,
}

const fn p(defect: Defect, ktp: KtpPlan, sk: SkPlan, style: BodyStyle, moh: bool) -> Plan {
    Plan {
        defect,
        ktp,
        sk,
        style,
        moh,
    }
}

use BodyStyle as S;
use KtpPlan::{Absent as NoKtp, Heic, Image};
use KtpVariant as K;
use SkPlan::{Absent as NoSk, Broken, Scanned, Text};

/// Samples 1-12 (committed as `samples/`): every KTP and SK variant, the main body styles and
/// every defect the desk meets most, one other-regency KTP that is fine.
const FIRST: [Plan; 12] = [
    p(Defect::None, Image(K::Clean), Text, S::LabelledColon, false),
    p(
        Defect::None,
        Image(K::PhonePhoto),
        Scanned,
        S::HtmlOnly,
        false,
    ),
    p(
        Defect::OtherRegency,
        Image(K::ScannedPdf),
        Text,
        S::ForwardedRfc822,
        false,
    ),
    p(Defect::MissingKtp, NoKtp, Scanned, S::Prose, false),
    p(Defect::MissingSk, Image(K::LowRes), NoSk, S::Numbered, true),
    p(
        Defect::MissingPhone,
        Image(K::PhonePhoto),
        Text,
        S::Alternative,
        false,
    ),
    p(
        Defect::NikMismatch,
        Image(K::Clean),
        Text,
        S::LabelledPlain,
        false,
    ),
    p(
        Defect::NameMismatch,
        Image(K::Clean),
        Text,
        S::HtmlInlineKtp,
        false,
    ),
    p(Defect::NipMismatch, Image(K::LowRes), Text, S::Prose, false),
    p(
        Defect::NikInvalid,
        Image(K::Clean),
        Scanned,
        S::ForwardedInline,
        false,
    ),
    p(Defect::UnreadableKtp, Heic, Text, S::LabelledColon, false),
    p(
        Defect::UnreadableSk,
        Image(K::Clean),
        Broken,
        S::Numbered,
        false,
    ),
];

/// Samples 13-24: the remaining defects and the unreadable photo, otherwise clean applications
/// across variants and styles, so 24 samples hold every defect and about 60% clean ones.
const SECOND: [Plan; 12] = [
    p(
        Defect::None,
        Image(K::PhonePhoto),
        Text,
        S::LabelledPlain,
        true,
    ),
    p(
        Defect::NipInvalid,
        Image(K::Clean),
        Text,
        S::LabelledColon,
        false,
    ),
    p(Defect::None, Image(K::LowRes), Text, S::Alternative, false),
    p(
        Defect::None,
        Image(K::ScannedPdf),
        Scanned,
        S::Numbered,
        false,
    ),
    p(
        Defect::UnreadableKtp,
        Image(K::Unreadable),
        Text,
        S::Prose,
        false,
    ),
    p(
        Defect::None,
        Image(K::Clean),
        Text,
        S::ForwardedInline,
        true,
    ),
    p(
        Defect::OtherRegency,
        Image(K::Clean),
        Scanned,
        S::LabelledColon,
        false,
    ),
    p(
        Defect::None,
        Image(K::PhonePhoto),
        Text,
        S::HtmlInlineKtp,
        false,
    ),
    p(Defect::None, Image(K::Clean), Text, S::HtmlOnly, false),
    p(
        Defect::None,
        Image(K::LowRes),
        Scanned,
        S::ForwardedRfc822,
        false,
    ),
    p(Defect::None, Image(K::PhonePhoto), Text, S::Prose, true),
    p(
        Defect::None,
        Image(K::ScannedPdf),
        Text,
        S::LabelledColon,
        false,
    ),
];

const STYLES: [BodyStyle; 9] = [
    S::LabelledColon,
    S::LabelledPlain,
    S::Numbered,
    S::Prose,
    S::HtmlOnly,
    S::Alternative,
    S::ForwardedRfc822,
    S::ForwardedInline,
    S::HtmlInlineKtp,
];

/// The plan of sample `index` (1-based): fixed for the first 24, random after.
pub fn plan(index: usize, rng: &mut Rng) -> Plan {
    match index {
        1..=12 => FIRST[index - 1],
        13..=24 => SECOND[index - 13],
        _ => random_plan(rng),
    }
}

fn random_plan(rng: &mut Rng) -> Plan {
    let defect = if rng.chance(0.6) {
        Defect::None
    } else if rng.chance(0.08) {
        Defect::OtherRegency
    } else {
        *rng.pick(&PROBLEM_DEFECTS)
    };
    let ktp = match defect {
        Defect::MissingKtp => NoKtp,
        Defect::UnreadableKtp if rng.chance(0.5) => Heic,
        Defect::UnreadableKtp => Image(K::Unreadable),
        // The mismatch must be visible on the card, so the card must be easy to read.
        Defect::NikMismatch => Image(*rng.pick(&[K::Clean, K::ScannedPdf])),
        _ => Image(*rng.pick(&[
            K::Clean,
            K::PhonePhoto,
            K::PhonePhoto,
            K::LowRes,
            K::ScannedPdf,
        ])),
    };
    let sk = match defect {
        Defect::MissingSk => NoSk,
        Defect::UnreadableSk => Broken,
        Defect::NameMismatch => Text,
        _ if rng.chance(0.7) => Text,
        _ => Scanned,
    };
    let mut style = *rng.pick(&STYLES);
    let inline_ok = matches!(ktp, Image(v) if v != K::ScannedPdf);
    if style == S::HtmlInlineKtp && !inline_ok {
        style = S::HtmlOnly;
    }
    p(defect, ktp, sk, style, rng.chance(0.1))
}

/// `expected.json`: the ground truth for one sample.
#[derive(Debug, Serialize)]
pub struct Expected {
    pub message_id: String,
    pub from: String,
    pub subject: String,
    pub applicant: Applicant,
    pub documents: Vec<DocTruth>,
    pub problems: Vec<&'static str>,
    pub complete: bool,
    pub sample: SampleTruth,
}

#[derive(Debug, Serialize)]
pub struct Applicant {
    pub name: Option<String>,
    pub nik: Option<String>,
    pub nip: Option<String>,
    pub position: Option<String>,
    /// sertel takes the rank from the SK when the body omits it; from a scanned SK that depends
    /// on how confidently OCR read it, so the truth leaves the key out (`None`) then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rank: Option<Option<String>>,
    pub unit: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct DocTruth {
    pub filename: String,
    pub kind: &'static str,
    pub fields: BTreeMap<&'static str, String>,
}

#[derive(Debug, Serialize)]
pub struct SampleTruth {
    pub ktp_variant: &'static str,
    pub sk_variant: &'static str,
    pub body_style: &'static str,
    pub defect: &'static str,
    pub seed: u64,
}

/// An attachment with what it should be recognised as.
struct Doc {
    filename: String,
    content_type: String,
    data: Vec<u8>,
    kind: &'static str,
    fields: BTreeMap<&'static str, String>,
}

impl Doc {
    fn part(&self, disposition: Disposition) -> Part {
        Part::attachment(&self.content_type, &self.filename, &self.data, disposition)
    }

    fn truth(&self) -> DocTruth {
        DocTruth {
            filename: self.filename.clone(),
            kind: self.kind,
            fields: self.fields.clone(),
        }
    }
}

/// A finished sample.
pub struct Built {
    pub eml: Vec<u8>,
    pub expected: Expected,
}

const DESK: &str = "kominfo@gorontalokab.go.id";
const DOMAIN: &str = "gorontalokab.go.id";

/// Builds sample `index` of the run seeded with `seed`; independent of how many samples the
/// run has, so a longer run starts with the same files.
pub fn build(fonts: &Fonts, index: usize, seed: u64) -> Result<Built, SynthError> {
    let id = format!("{index:03}");
    let sample_seed = rng::derive(seed, index as u64);
    let mut rng = Rng::new(sample_seed);
    let plan = plan(index, &mut rng);
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
            },
            sk_variant: match plan.sk {
                NoSk => "none",
                Text => "text",
                Scanned => "scanned",
                Broken => "broken",
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

/// The attachments, in the order the applicant attached them.
fn documents(
    fonts: &Fonts,
    plan: &Plan,
    person: &Person,
    fields: &Fields,
    nip: &str,
    sent: NaiveDateTime,
    rng: &mut Rng,
) -> Result<Vec<Doc>, SynthError> {
    let first = first_name(person);
    let shot = sent - Duration::minutes(rng.range(5, 240));
    let camera = shot.format("IMG_%Y%m%d_%H%M%S.jpg").to_string();
    let mut docs = Vec::new();

    let ktp = match plan.ktp {
        NoKtp => None,
        Heic => Some(Doc {
            filename: "ktp.heic".into(),
            content_type: "image/heic".into(),
            data: ktp::heic_bytes(rng),
            kind: "ktp",
            fields: BTreeMap::new(),
        }),
        Image(variant) => {
            let data = ktp::render_with(fonts, person, variant, rng.next_u64())?;
            let filename = match variant {
                K::Clean => rng
                    .pick(&[
                        "KTP.png".to_string(),
                        format!("ktp_{}.png", first.to_lowercase()),
                        shot.format("Screenshot_%Y%m%d-%H%M%S.png").to_string(),
                        format!("scan ktp {first}.png"),
                    ])
                    .clone(),
                K::PhonePhoto => rng
                    .pick(&[
                        camera.clone(),
                        shot.format("WhatsApp Image %Y-%m-%d at %H.%M.%S.jpeg")
                            .to_string(),
                        format!("KTP {first}.jpg"),
                        "foto ktp.jpg".to_string(),
                    ])
                    .clone(),
                K::LowRes => rng
                    .pick(&[
                        "KTP.jpg".to_string(),
                        "ktp.jpeg".to_string(),
                        shot.format("IMG-%Y%m%d-WA0012.jpg").to_string(),
                    ])
                    .clone(),
                K::ScannedPdf => rng
                    .pick(&[
                        "scan0001.pdf".to_string(),
                        "KTP.pdf".to_string(),
                        "dokumen.pdf".to_string(),
                    ])
                    .clone(),
                // Nothing in the picture says KTP, so the name has to.
                K::Unreadable => rng
                    .pick(&[
                        "KTP.jpg".to_string(),
                        "foto ktp.jpg".to_string(),
                        format!("KTP {first}.jpg"),
                    ])
                    .clone(),
            };
            let mut truth = BTreeMap::new();
            if variant != K::Unreadable {
                truth.insert("nik", person.nik.clone());
                truth.insert("name", person.name_on_ktp.clone());
            }
            let mime = match variant {
                K::Clean => "image/png",
                K::ScannedPdf => "application/pdf",
                _ => "image/jpeg",
            };
            Some(Doc {
                content_type: mislabel(rng, mime),
                filename,
                data,
                kind: "ktp",
                fields: truth,
            })
        }
    };

    let pppk = is_pppk(&person.nip);
    let sk_name = sk_name(plan.defect, person, rng);
    let sk_date = sk_date(person, pppk, rng);
    let facts = SkFacts {
        name: &sk_name,
        nip,
        rank: &person.rank,
        position: &person.position,
        unit: &person.unit,
        pppk,
        number: rng.range(11, 980) as u32,
        date: sk_date,
    };
    let sk = match plan.sk {
        NoSk => None,
        Broken => Some(Doc {
            filename: "sk.pdf".into(),
            content_type: "application/pdf".into(),
            data: pdf::broken_pdf(rng),
            kind: "sk",
            fields: BTreeMap::new(),
        }),
        Text => {
            let (page, _) = docs::sk_page(&facts);
            let filename = rng
                .pick(&[
                    "SK Jabatan.pdf".to_string(),
                    "sk jabatan.pdf".to_string(),
                    format!("SK_{nip}.pdf"),
                    format!("SK {first}.pdf"),
                    "Surat Keputusan.pdf".to_string(),
                    "dokumen.pdf".to_string(),
                ])
                .clone();
            let truth = BTreeMap::from([("nip", nip.to_string()), ("name", sk_name.clone())]);
            let data = pdf::text_pdf(&page, "Microsoft Word 2016")?;
            Some(Doc {
                content_type: mislabel(rng, "application/pdf"),
                filename,
                data,
                kind: "sk",
                fields: truth,
            })
        }
        Scanned => {
            let (page, decor) = docs::sk_page(&facts);
            let data = docs::scanned_pdf(fonts, &page, &decor, &mut Rng::new(rng.next_u64()))?;
            let filename = rng
                .pick(&[
                    "scan0002.pdf".to_string(),
                    "SK.pdf".to_string(),
                    "sk jabatan scan.pdf".to_string(),
                    "dokumen.pdf".to_string(),
                ])
                .clone();
            let truth = BTreeMap::from([("nip", nip.to_string())]);
            Some(Doc {
                content_type: mislabel(rng, "application/pdf"),
                filename,
                data,
                kind: "sk",
                fields: truth,
            })
        }
    };

    if rng.chance(0.3) {
        let letter = docs::letter_page(&LetterFacts {
            name: &fields.name,
            nip,
            rank: &person.rank,
            position: &person.position,
            unit: &person.unit,
            date: sent.date() - Duration::days(rng.range(0, 3)),
        });
        docs.push(Doc {
            filename: rng
                .pick(&[
                    "Surat Permohonan.pdf",
                    "surat permohonan TTE.pdf",
                    "permohonan.pdf",
                ])
                .to_string(),
            content_type: "application/pdf".into(),
            data: pdf::text_pdf(&letter, "Microsoft Word 2016")?,
            kind: "letter",
            fields: BTreeMap::new(),
        });
    }
    let ktp_first = rng.chance(0.7);
    let (a, b) = if ktp_first { (ktp, sk) } else { (sk, ktp) };
    docs.extend(a);
    docs.extend(b);
    if rng.chance(0.15) {
        docs.push(Doc {
            filename: rng
                .pick(&[
                    "pas foto.jpg".to_string(),
                    "foto 3x4.jpg".to_string(),
                    camera,
                ])
                .clone(),
            content_type: "image/jpeg".into(),
            data: ktp::pas_foto(rng)?,
            kind: "other",
            fields: BTreeMap::new(),
        });
    }
    // Two attachments with one name get the suffix mail clients add.
    for i in 1..docs.len() {
        if docs[..i].iter().any(|d| d.filename == docs[i].filename) {
            let name = &docs[i].filename;
            let dot = name.rfind('.').unwrap_or(name.len());
            docs[i].filename = format!("{} (1){}", &name[..dot], &name[dot..]);
        }
    }
    Ok(docs)
}

/// PPPK numbers carry "2" where a PNS number has its appointment month (01-12).
fn is_pppk(nip: &str) -> bool {
    nip.as_bytes().get(12) == Some(&b'2')
}

/// Sometimes the sender's client labels a file wrongly.
fn mislabel(rng: &mut Rng, mime: &str) -> String {
    if !rng.chance(0.15) {
        return mime.to_string();
    }
    match mime {
        "image/jpeg" if rng.chance(0.5) => "image/png".to_string(),
        _ => "application/octet-stream".to_string(),
    }
}

/// The name the SK prints: the person's, spelled out in full where the body abbreviates
/// "Moh.", or somebody else's entirely for a name mismatch.
fn sk_name(defect: Defect, person: &Person, rng: &mut Rng) -> String {
    if defect == Defect::NameMismatch {
        let words: Vec<&str> = person
            .name_on_ktp
            .split(' ')
            .filter(|w| *w != "MOH")
            .collect();
        let (given, family) = loop {
            let (g, f) = person::given_and_family(rng, person.sex == "LAKI-LAKI");
            let clash = words
                .iter()
                .any(|w| w.eq_ignore_ascii_case(&g) || w.eq_ignore_ascii_case(&f));
            if !clash {
                break (g, f);
            }
        };
        let (front, back) = person::degree_of(&person.name);
        let other = person::with_degree(&format!("{given} {family}"), back);
        return if front.is_empty() {
            other
        } else {
            format!("{front} {other}")
        };
    }
    if person.name.starts_with("Moh. ") && rng.chance(0.7) {
        let full = rng.pick(&["Mohammad", "Mohamad", "Muhammad"]);
        return person.name.replacen("Moh.", full, 1);
    }
    person.name.clone()
}

fn sk_date(person: &Person, pppk: bool, rng: &mut Rng) -> NaiveDate {
    let appointed: i32 = person.nip[8..12].parse().unwrap_or(2021);
    let year = if pppk {
        appointed
    } else {
        rng.range(2021.max(appointed as i64), 2026) as i32
    };
    let month = rng.range(
        if year == 2026 { 1 } else { 2 },
        if year == 2026 { 9 } else { 12 },
    ) as u32;
    let mut date =
        NaiveDate::from_ymd_opt(year, month, rng.range(1, 28) as u32).expect("valid day");
    while matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
        date = date.succ_opt().expect("next day");
    }
    date
}

/// The given name people use (not the "Moh." abbreviation), title case.
fn first_name(person: &Person) -> String {
    let word = person
        .name_on_ktp
        .split(' ')
        .find(|w| *w != "MOH")
        .unwrap_or("PEMOHON");
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_string() + &chars.as_str().to_lowercase())
        .unwrap_or_default()
}

/// Initials of an OPD for a shared mailbox name: "Dinas Kesehatan" -> "dk".
fn unit_slug(unit: &str) -> String {
    unit.split(' ')
        .filter(|w| *w != "dan" && !w.contains('.'))
        .filter_map(|w| w.chars().next())
        .map(|c| c.to_ascii_lowercase())
        .collect()
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

/// Moves the NIP's birth year 1-3 years away from the truth (keeping a valid date).
fn shift_nip_year(nip: &str, rng: &mut Rng) -> String {
    let year: i32 = nip[..4].parse().unwrap_or(1985);
    let delta = *rng.pick(&[-3, -2, -1, 1, 2, 3]);
    let new_year = year + delta;
    let mut mmdd = nip[4..8].to_string();
    if mmdd == "0229" && NaiveDate::from_ymd_opt(new_year, 2, 29).is_none() {
        mmdd = "0228".into();
    }
    format!("{new_year:04}{mmdd}{}", &nip[8..])
}

/// The NIK with one digit of its 4-digit sequence changed: a typo the checksum-free NIK
/// cannot catch, only a comparison with the card.
fn tweak_sequence(nik: &str, rng: &mut Rng) -> String {
    loop {
        let mut digits: Vec<u8> = nik.bytes().collect();
        let at = 12 + rng.below(4) as usize;
        digits[at] = b'0' + ((digits[at] - b'0') as u64 + 1 + rng.below(9)) as u8 % 10;
        let out = String::from_utf8(digits).expect("ascii digits");
        if &out[12..] != "0000" {
            return out;
        }
    }
}

/// A NIK no valid card carries: a digit short, or born in month 13.
fn invalidate_nik(nik: &str, rng: &mut Rng) -> String {
    if rng.chance(0.5) {
        let at = 12 + rng.below(4) as usize;
        format!("{}{}", &nik[..at], &nik[at + 1..])
    } else {
        format!("{}13{}", &nik[..8], &nik[10..])
    }
}

/// The NIP with one digit left out.
fn drop_digit(nip: &str, rng: &mut Rng) -> String {
    let at = rng.below(nip.len() as u64) as usize;
    format!("{}{}", &nip[..at], &nip[at + 1..])
}

#[cfg(test)]
mod tests {
    use super::*;

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
