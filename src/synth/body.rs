//! What applicants and forwarders type: the application fields in each body style (labelled,
//! numbered, prose, HTML table, forwarded) and the varied ways they write a phone number.

use super::rng::Rng;

/// The application as the body states it; each string exactly as typed.
#[derive(Debug, Clone)]
pub struct Fields {
    pub name: String,
    pub nik: String,
    /// As typed: grouped "19850312 201001 1 003" or run together.
    pub nip: String,
    pub rank: Option<String>,
    pub position: String,
    pub unit: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// How the body presents the fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyStyle {
    /// "Nama : ..." lines.
    LabelledColon,
    /// "Nama<TAB>..." or space-aligned lines, no colons.
    LabelledPlain,
    /// "1. Nama: ..." list.
    Numbered,
    /// One paragraph of running text.
    Prose,
    /// text/html only, fields in a table.
    HtmlOnly,
    /// multipart/alternative: labelled text and an HTML table.
    Alternative,
    /// A staff member forwards the applicant's mail as a message/rfc822 attachment.
    ForwardedRfc822,
    /// A staff member forwards the applicant's mail inline ("Forwarded message").
    ForwardedInline,
    /// HTML mail with the KTP shown inline (multipart/related, cid:).
    HtmlInlineKtp,
    /// text/html only as Outlook writes it: a MsoNormal table, each cell a paragraph.
    HtmlOutlook,
    /// text/html only as Gmail writes it: one `<div>` per line, no table.
    HtmlGmail,
    /// text/html only as Apple Mail writes it: lines ended by `<br>`.
    HtmlApple,
}

impl BodyStyle {
    pub fn label(self) -> &'static str {
        match self {
            BodyStyle::LabelledColon => "labelled_colon",
            BodyStyle::LabelledPlain => "labelled_plain",
            BodyStyle::Numbered => "numbered",
            BodyStyle::Prose => "prose",
            BodyStyle::HtmlOnly => "html_only",
            BodyStyle::Alternative => "alternative",
            BodyStyle::ForwardedRfc822 => "forwarded_rfc822",
            BodyStyle::ForwardedInline => "forwarded_inline",
            BodyStyle::HtmlInlineKtp => "html_inline_ktp",
            BodyStyle::HtmlOutlook => "html_outlook",
            BodyStyle::HtmlGmail => "html_gmail",
            BodyStyle::HtmlApple => "html_apple",
        }
    }

    pub fn is_forwarded(self) -> bool {
        matches!(
            self,
            BodyStyle::ForwardedRfc822 | BodyStyle::ForwardedInline
        )
    }
}

/// A phone number the way people type it; `local` is "08…".
pub fn write_phone(rng: &mut Rng, local: &str) -> String {
    let rest = &local[1..];
    let (a, b, c) = (&local[..4], &local[4..8], &local[8..]);
    match rng.below(5) {
        0 => format!("{a}-{b}-{c}"),
        1 => format!("{a} {b} {c}"),
        2 => format!("+62 {} {} {}", &rest[..3], &rest[3..7], &rest[7..]),
        3 => format!("62{rest}"),
        _ => local.to_string(),
    }
}

/// The international form every written phone normalises to: "+62812…".
pub fn normalize_phone(written: &str) -> String {
    let digits: String = written.chars().filter(|c| c.is_ascii_digit()).collect();
    match digits.strip_prefix('0') {
        Some(rest) => format!("+62{rest}"),
        None => format!("+{digits}"),
    }
}

const GREETINGS: [&str; 5] = [
    "Yth. Admin TTE Diskominfo Kab. Gorontalo,",
    "Kepada Yth.\nKepala Dinas Komunikasi dan Informatika\nKabupaten Gorontalo",
    "Selamat pagi Bapak/Ibu,",
    "Assalamualaikum Wr. Wb.",
    "Dengan hormat,",
];
const INTROS: [&str; 4] = [
    "Bersama ini saya mengajukan permohonan penerbitan sertifikat elektronik (TTE) dengan data sebagai berikut:",
    "Saya bermaksud mengajukan permohonan sertifikat elektronik untuk tanda tangan elektronik. Berikut data saya:",
    "Mohon dibantu pembuatan sertifikat elektronik (sertel) atas nama saya, dengan data:",
    "Dengan ini saya mengajukan permohonan Sertifikat Elektronik BSrE, data pemohon:",
];
const CLOSINGS: [&str; 4] = [
    "Berkas KTP dan SK Jabatan saya lampirkan. Terima kasih.",
    "Demikian permohonan ini, atas perhatiannya diucapkan terima kasih.",
    "Sebagai kelengkapan, terlampir scan KTP dan SK. Atas bantuannya saya ucapkan terima kasih.",
    "Terima kasih atas bantuannya.\n\nWassalamualaikum Wr. Wb.",
];

/// The choices behind one body (wording, labels, layout), made once so a multipart/alternative
/// mail says the same thing in its text and HTML parts.
pub struct Draft {
    greeting: &'static str,
    intro: &'static str,
    closing: &'static str,
    rows: Vec<(&'static str, String)>,
    /// Colons aligned under each other (labelled style).
    aligned: bool,
    /// Tabs rather than spaces between label and value (plain style).
    tabs: bool,
    /// "1)" rather than "1." (numbered style).
    paren: bool,
    /// Which of the two prose templates.
    first_person: bool,
}

pub fn draft(rng: &mut Rng, f: &Fields) -> Draft {
    let mut rows = vec![
        (*rng.pick(&["Nama", "Nama Lengkap", "Nama"]), f.name.clone()),
        (
            *rng.pick(&["NIK", "NIK", "No. KTP/NIK", "NIK (KTP)"]),
            f.nik.clone(),
        ),
        ("NIP", f.nip.clone()),
    ];
    if let Some(rank) = &f.rank {
        rows.push((
            *rng.pick(&["Pangkat/Gol.", "Pangkat/Golongan", "Pangkat/Gol. Ruang"]),
            rank.clone(),
        ));
    }
    rows.push(("Jabatan", f.position.clone()));
    rows.push((
        *rng.pick(&["Unit Kerja", "Unit Kerja", "OPD", "Instansi"]),
        f.unit.clone(),
    ));
    if let Some(phone) = &f.phone {
        rows.push((
            *rng.pick(&["No. HP", "Nomor HP/WA", "No. Telp/WA", "HP"]),
            phone.clone(),
        ));
    }
    if let Some(email) = &f.email {
        rows.push((
            *rng.pick(&["Email", "E-mail", "Email Dinas"]),
            email.clone(),
        ));
    }
    let greeting = *rng.pick(&GREETINGS);
    let intro = *rng.pick(&INTROS);
    let closing = *rng.pick(&CLOSINGS);
    Draft {
        greeting,
        intro,
        closing,
        rows,
        aligned: rng.chance(0.6),
        tabs: rng.chance(0.5),
        paren: rng.chance(0.4),
        first_person: rng.chance(0.5),
    }
}

fn signature(f: &Fields) -> String {
    format!("Hormat saya,\n\n{}\n{}\n{}", f.name, f.position, f.unit)
}

/// A plain-text body in one of the text styles (labelled, numbered, prose).
pub fn plain(d: &Draft, style: BodyStyle, f: &Fields) -> String {
    let fields = match style {
        BodyStyle::Prose => prose(d, f),
        BodyStyle::Numbered => numbered(d),
        BodyStyle::LabelledPlain => labelled_plain(d),
        _ => labelled_colon(d),
    };
    let intro = if style == BodyStyle::Prose {
        String::new()
    } else {
        format!("{}\n\n", d.intro)
    };
    format!(
        "{}\n\n{intro}{fields}\n\n{}\n\n{}\n",
        d.greeting,
        d.closing,
        signature(f)
    )
}

fn labelled_colon(d: &Draft) -> String {
    let width = d.rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    d.rows
        .iter()
        .map(|(label, value)| {
            if d.aligned {
                format!("{label:<width$} : {value}")
            } else {
                format!("{label}: {value}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn labelled_plain(d: &Draft) -> String {
    d.rows
        .iter()
        .map(|(label, value)| {
            if d.tabs {
                let pad = if label.len() < 8 { "\t\t" } else { "\t" };
                format!("{label}{pad}{value}")
            } else {
                format!("{label:<16}{value}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn numbered(d: &Draft) -> String {
    d.rows
        .iter()
        .enumerate()
        .map(|(i, (label, value))| {
            if d.paren {
                format!("{}) {label} : {value}", i + 1)
            } else {
                format!("{}. {label}: {value}", i + 1)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn prose(d: &Draft, f: &Fields) -> String {
    let rank = f
        .rank
        .as_ref()
        .map(|r| format!(", pangkat {r}"))
        .unwrap_or_default();
    let mut text = if d.first_person {
        format!(
            "Saya yang bertanda tangan di bawah ini, {}, NIK {}, NIP {}{rank}, jabatan {} pada {}, dengan ini \
             mengajukan permohonan penerbitan sertifikat elektronik untuk keperluan tanda tangan elektronik \
             dokumen kedinasan.",
            f.name, f.nik, f.nip, f.position, f.unit
        )
    } else {
        format!(
            "Perkenalkan, nama saya {} (NIK {}, NIP {}){rank}, {} di {}. Saya ingin mengajukan permohonan \
             sertifikat elektronik BSrE agar dapat menandatangani dokumen secara elektronik.",
            f.name, f.nik, f.nip, f.position, f.unit
        )
    };
    if let Some(phone) = &f.phone {
        text.push_str(&format!(" Nomor HP/WA yang dapat dihubungi {phone}."));
    }
    if let Some(email) = &f.email {
        text.push_str(&format!(" Email dinas saya {email}."));
    }
    text
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// An HTML body: greeting, a table of the fields, closing; `extra` goes before the closing
/// (the inline KTP image).
pub fn html(d: &Draft, f: &Fields, extra: &str) -> String {
    let rows: String = d
        .rows
        .iter()
        .map(|(label, value)| {
            format!(
                "<tr><td>{}</td><td>:</td><td>{}</td></tr>\n",
                escape(label),
                escape(value)
            )
        })
        .collect();
    format!(
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\"></head>\n\
         <body>\n<div dir=\"ltr\"><p>{}</p>\n<p>{}</p>\n\
         <table border=\"1\" cellpadding=\"4\" cellspacing=\"0\" style=\"border-collapse:collapse\">\n{rows}</table>\n\
         {extra}<p>{}</p>\n<p>{}</p></div>\n</body></html>\n",
        escape(d.greeting).replace('\n', "<br>"),
        escape(d.intro),
        escape(d.closing).replace('\n', "<br>"),
        escape(&signature(f)).replace('\n', "<br>"),
    )
}

/// An HTML-only body in the markup of one mail client (`style` is one of the client styles).
pub fn client_html(d: &Draft, f: &Fields, style: BodyStyle) -> String {
    let lines = |text: &str, wrap: &dyn Fn(&str) -> String| -> String {
        text.lines().map(wrap).collect::<Vec<_>>().join("")
    };
    let signature = signature(f);
    let body = match style {
        BodyStyle::HtmlOutlook => {
            let p = |t: &str| format!("<p class=\"MsoNormal\">{}<o:p></o:p></p>", escape(t));
            let rows: String = d
                .rows
                .iter()
                .map(|(label, value)| {
                    format!(
                        "<tr><td width=\"180\" valign=\"top\" style=\"padding:0cm 5.4pt\">{}</td>\
                         <td width=\"20\" style=\"padding:0cm 5.4pt\">{}</td>\
                         <td style=\"padding:0cm 5.4pt\">{}</td></tr>",
                        p(label),
                        p(":"),
                        p(value)
                    )
                })
                .collect();
            format!(
                "<div class=\"WordSection1\">{}{}<table class=\"MsoNormalTable\" border=\"0\" \
                 cellspacing=\"0\" cellpadding=\"0\"><tbody>{rows}</tbody></table>{}{}</div>",
                lines(d.greeting, &p),
                p(d.intro),
                lines(d.closing, &p),
                lines(&signature, &p)
            )
        }
        BodyStyle::HtmlGmail => {
            let div = |t: &str| {
                if t.is_empty() {
                    "<div><br></div>".to_string()
                } else {
                    format!("<div>{}</div>", escape(t))
                }
            };
            let rows: String = d
                .rows
                .iter()
                .map(|(label, value)| format!("<div>{}: {}</div>", escape(label), escape(value)))
                .collect();
            format!(
                "<div dir=\"ltr\">{}<div><br></div>{}{rows}<div><br></div>{}<div><br></div>{}</div>",
                lines(d.greeting, &div),
                div(d.intro),
                lines(d.closing, &div),
                lines(&signature, &div)
            )
        }
        _ => {
            let br = |t: &str| format!("{}<br>", escape(t));
            let rows: String = d
                .rows
                .iter()
                .map(|(label, value)| format!("{} : {}<br>", escape(label), escape(value)))
                .collect();
            format!(
                "<div>{}<br>{}<br>{rows}<br>{}<br>{}</div>",
                lines(d.greeting, &br),
                br(d.intro),
                lines(d.closing, &br),
                lines(&signature, &br)
            )
        }
    };
    format!(
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\
         </head><body>{body}</body></html>\n"
    )
}

/// The forwarder's covering note; names the applicant but none of the fields.
pub fn forward_note(rng: &mut Rng, applicant: &str, forwarder: &str, unit: &str) -> String {
    let note = rng.pick(&[
        "Bersama ini kami teruskan permohonan penerbitan sertifikat elektronik a.n.",
        "Mohon bantuan diproses, kami teruskan permohonan sertifikat elektronik pegawai kami a.n.",
        "Bersama ini kami teruskan permohonan a.n.",
    ]);
    // A name ending in a degree already ends the sentence.
    let stop = if applicant.ends_with('.') { "" } else { "." };
    format!(
        "Yth. Admin TTE Diskominfo,\n\n{note} {applicant}{stop} Berkas kelengkapan terlampir pada email di bawah.\n\n\
         Terima kasih.\n\nSalam,\n{forwarder}\nSubbag Umum dan Kepegawaian\n{unit}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_normalise_to_one_form() {
        let mut rng = Rng::new(3);
        for _ in 0..50 {
            let written = write_phone(&mut rng, "081234567890");
            assert_eq!(normalize_phone(&written), "+6281234567890", "{written}");
        }
    }

    #[test]
    fn every_text_style_shows_every_field() {
        let f = Fields {
            name: "Rahmat Hasan Lamato, S.Kom.".into(),
            nik: "7502011203850003".into(),
            nip: "19850312 201001 1 003".into(),
            rank: Some("Penata Muda Tk. I (III/b)".into()),
            position: "Pranata Komputer Ahli Pertama".into(),
            unit: "Dinas Pendidikan".into(),
            phone: Some("0812-3456-7890".into()),
            email: Some("rahmat.lamato@gorontalokab.go.id".into()),
        };
        let mut rng = Rng::new(1);
        for style in [
            BodyStyle::LabelledColon,
            BodyStyle::LabelledPlain,
            BodyStyle::Numbered,
            BodyStyle::Prose,
        ] {
            let text = plain(&draft(&mut rng, &f), style, &f);
            for value in [&f.name, &f.nik, &f.nip, &f.position, &f.unit] {
                assert!(text.contains(value.as_str()), "{style:?} lacks {value}");
            }
        }
        assert!(
            html(&draft(&mut rng, &f), &f, "").contains("<td>Rahmat Hasan Lamato, S.Kom.</td>")
        );
    }
}
