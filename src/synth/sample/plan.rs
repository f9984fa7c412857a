//! What a sample will be: its defect, its KTP and SK plans and body style, from a fixed table
//! or at random, and the ground truth it is checked against.

use crate::synth::body::BodyStyle;
use crate::synth::ktp::KtpVariant;
use crate::synth::office::{OfficeKtp, OfficeSk};
use crate::synth::rng::Rng;
use BodyStyle as S;
use KtpPlan::{Absent as NoKtp, Heic, Image};
use KtpVariant as K;
use SkPlan::{Absent as NoSk, Broken, Scanned, Text};
use serde::Serialize;
use std::collections::BTreeMap;

/// Two independent families of styles. The reader was tuned on `Desk`; `Office` (other faces,
/// layouts, scanners and mail clients) measures it on what it was never tuned on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Family {
    #[default]
    Desk,
    Office,
}

impl Family {
    pub fn parse(name: &str) -> Option<Family> {
        match name {
            "desk" => Some(Family::Desk),
            "office" => Some(Family::Office),
            _ => None,
        }
    }
}

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
    pub(super) fn problems(self) -> Vec<&'static str> {
        match self {
            Defect::None | Defect::OtherRegency => vec![],
            d => vec![d.label()],
        }
    }
}

/// Defects that make a problem, for the random samples after the fixed schedule.
pub(super) const PROBLEM_DEFECTS: [Defect; 10] = [
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
    Office(OfficeKtp),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkPlan {
    Absent,
    Text,
    Scanned,
    /// A PDF that does not open (damaged, or encrypted without a password).
    Broken,
    Office(OfficeSk),
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

/// Samples 1-12 (committed as `samples/`): every KTP and SK variant, the main body styles and
/// every defect the desk meets most, one other-regency KTP that is fine.
pub(super) const FIRST: [Plan; 12] = [
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
pub(super) const SECOND: [Plan; 12] = [
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

pub(super) const STYLES: [BodyStyle; 9] = [
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

/// A random sample's defect: six in ten are fine, a few come from another regency.
fn random_defect(rng: &mut Rng) -> Defect {
    if rng.chance(0.6) {
        Defect::None
    } else if rng.chance(0.08) {
        Defect::OtherRegency
    } else {
        *rng.pick(&PROBLEM_DEFECTS)
    }
}

pub(super) fn random_plan(rng: &mut Rng) -> Plan {
    let defect = random_defect(rng);
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

/// Body styles of the office family: its own mail clients' HTML beside plain text.
const OFFICE_STYLES: [BodyStyle; 7] = [
    S::HtmlOutlook,
    S::HtmlGmail,
    S::HtmlApple,
    S::LabelledColon,
    S::Numbered,
    S::Alternative,
    S::ForwardedInline,
];

/// A random plan of the office family: the same defects and odds as the desk family, its
/// own ways of sending the KTP and the SK.
pub fn office_plan(rng: &mut Rng) -> Plan {
    let defect = random_defect(rng);
    let ktp = match defect {
        Defect::MissingKtp => NoKtp,
        Defect::UnreadableKtp => KtpPlan::Office(OfficeKtp::Unreadable),
        Defect::NikMismatch => {
            KtpPlan::Office(*rng.pick(&[OfficeKtp::Clean, OfficeKtp::Photocopy, OfficeKtp::Docx]))
        }
        _ => KtpPlan::Office(*rng.pick(&OfficeKtp::READABLE)),
    };
    let lampiran = rng.chance(0.5);
    let sk = match defect {
        Defect::MissingSk => NoSk,
        Defect::UnreadableSk => SkPlan::Office(OfficeSk::Truncated),
        Defect::NameMismatch if lampiran => SkPlan::Office(OfficeSk::Lampiran),
        Defect::NameMismatch => SkPlan::Office(OfficeSk::Typed),
        _ => SkPlan::Office(*rng.pick(&[
            OfficeSk::Typed,
            OfficeSk::Lampiran,
            OfficeSk::ScanG4 { lampiran },
            OfficeSk::Grey150 { lampiran },
        ])),
    };
    p(defect, ktp, sk, *rng.pick(&OFFICE_STYLES), rng.chance(0.1))
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

pub(super) const fn p(
    defect: Defect,
    ktp: KtpPlan,
    sk: SkPlan,
    style: BodyStyle,
    moh: bool,
) -> Plan {
    Plan {
        defect,
        ktp,
        sk,
        style,
        moh,
    }
}
