//! The letter as a DOCX for SRIKANDI: the same text and table as the PDF in a minimal
//! WordprocessingML package, each SRIKANDI placeholder one run of its own so the e-office's
//! search-and-replace finds it whole.

use std::io::{Cursor, Write};

use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

use super::template::{
    Emblem, ImageFormat, LetterData, LetterError, LetterTemplate, Placeholder, Run, Text,
};

/// A4 and the PDF's margins, in twentieths of a point.
const PAGE_W: u32 = 11906;
const PAGE_H: u32 = 16838;
const MARGIN_LEFT: u32 = 1418;
const MARGIN_RIGHT: u32 = 1134;
const MARGIN_TOP: u32 = 851;
const MARGIN_BOTTOM: u32 = 1134;
const CONTENT_W: u32 = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT;
/// Where the place/date line and the signature block start, as in the PDF.
const RIGHT_COLUMN: u32 = CONTENT_W * 45 / 100;
const LABEL_COL: u32 = 2600;
/// Body text, in half-points.
const BODY_HALF_POINTS: u32 = 22;

/// English Metric Units per twentieth of a point, DrawingML's unit.
const EMU_PER_TWIP: u32 = 635;
/// Space between the emblem and the letterhead text, as in the PDF.
const EMBLEM_GAP: u32 = 160;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/><Default Extension="jpeg" ContentType="image/jpeg"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/></Types>"#;

const PACKAGE_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;

const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const DRAWING_NS: &str = r#"xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;

/// The emblem's part name inside the package.
fn media_name(emblem: &Emblem) -> &'static str {
    match emblem.format {
        ImageFormat::Png => "media/lambang.png",
        ImageFormat::Jpeg => "media/lambang.jpeg",
    }
}

fn document_rels(emblem: Option<&Emblem>) -> String {
    let image = emblem.map_or(String::new(), |e| {
        format!(
            r#"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="{}"/>"#,
            media_name(e)
        )
    });
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>{image}</Relationships>"#
    )
}

pub fn render_docx(template: &LetterTemplate, data: &LetterData) -> Result<Vec<u8>, LetterError> {
    let emblem = template.emblem.as_ref();
    let mut parts: Vec<(String, Vec<u8>)> = vec![
        ("[Content_Types].xml".into(), CONTENT_TYPES.into()),
        ("_rels/.rels".into(), PACKAGE_RELS.into()),
        (
            "word/_rels/document.xml.rels".into(),
            document_rels(emblem).into_bytes(),
        ),
        ("word/styles.xml".into(), styles().into_bytes()),
        (
            "word/document.xml".into(),
            document(template, data).into_bytes(),
        ),
    ];
    if let Some(e) = emblem {
        parts.push((format!("word/{}", media_name(e)), e.bytes.clone()));
    }
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, bytes) in parts {
        zip.start_file(name, options)
            .map_err(|e| LetterError::Docx(e.to_string()))?;
        zip.write_all(&bytes)
            .map_err(|e| LetterError::Docx(e.to_string()))?;
    }
    let out = zip.finish().map_err(|e| LetterError::Docx(e.to_string()))?;
    Ok(out.into_inner())
}

fn styles() -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="{W_NS}"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="DejaVu Serif" w:hAnsi="DejaVu Serif" w:cs="DejaVu Serif" w:eastAsia="DejaVu Serif"/><w:sz w:val="{BODY_HALF_POINTS}"/><w:szCs w:val="{BODY_HALF_POINTS}"/><w:lang w:val="id-ID"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:before="0" w:after="0" w:line="300" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style></w:styles>"#
    )
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(ch),
        }
    }
    out
}

fn run(text: &str, bold: bool, half_points: u32) -> String {
    let mut props = String::new();
    if bold {
        props.push_str("<w:b/>");
    }
    if half_points != BODY_HALF_POINTS {
        props.push_str(&format!(
            r#"<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>"#
        ));
    }
    let props = if props.is_empty() {
        String::new()
    } else {
        format!("<w:rPr>{props}</w:rPr>")
    };
    let mut out = String::new();
    for (i, part) in text.split('\t').enumerate() {
        if i > 0 {
            out.push_str(&format!("<w:r>{props}<w:tab/></w:r>"));
        }
        if !part.is_empty() {
            out.push_str(&format!(
                r#"<w:r>{props}<w:t xml:space="preserve">{}</w:t></w:r>"#,
                escape(part)
            ));
        }
    }
    out
}

fn runs(runs: &[Run], bold: bool) -> String {
    runs.iter()
        .map(|r| run(&r.text, bold, BODY_HALF_POINTS))
        .collect()
}

fn paragraph(props: &str, content: &str) -> String {
    format!("<w:p><w:pPr>{props}</w:pPr>{content}</w:p>")
}

fn document(template: &LetterTemplate, data: &LetterData) -> String {
    let fill = |t: &Text| t.runs(data);
    let mut body = letterhead(template);
    body.push_str(&paragraph(
        &format!(r#"<w:spacing w:after="120"/><w:ind w:left="{RIGHT_COLUMN}"/>"#),
        &runs(&fill(&template.place_date), false),
    ));
    let tab = 1300;
    let value_at = tab + 200;
    for (label, value) in &template.heading {
        let mut content = run(&format!("{label}\t: "), false, BODY_HALF_POINTS);
        content.push_str(&runs(&fill(value), false));
        body.push_str(&paragraph(
            &format!(
                r#"<w:tabs><w:tab w:val="left" w:pos="{tab}"/></w:tabs><w:ind w:left="{value_at}" w:hanging="{value_at}"/>"#
            ),
            &content,
        ));
    }
    body.push_str(&paragraph("", ""));
    for line in &template.addressee {
        body.push_str(&paragraph("", &runs(&fill(line), false)));
    }
    body.push_str(&paragraph("", ""));
    let justified = r#"<w:spacing w:after="120"/><w:ind w:firstLine="709"/><w:jc w:val="both"/>"#;
    for p in &template.before_table {
        body.push_str(&paragraph(justified, &runs(&fill(p), false)));
    }
    body.push_str(&table(template, data));
    body.push_str(&paragraph(r#"<w:spacing w:after="120"/>"#, ""));
    for p in &template.after_table {
        body.push_str(&paragraph(justified, &runs(&fill(p), false)));
    }
    body.push_str(&paragraph("", ""));
    let signature = format!(r#"<w:ind w:left="{RIGHT_COLUMN}"/>"#);
    for t in &template.signature_title {
        body.push_str(&paragraph(&signature, &runs(&fill(t), false)));
    }
    for t in &template.signer {
        let bold = t.has(Placeholder::NamaPengirim);
        body.push_str(&paragraph(&signature, &runs(&fill(t), bold)));
        if t.has(Placeholder::TtdPengirim) {
            body.push_str(&paragraph(&signature, ""));
        }
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="{W_NS}" {DRAWING_NS}><w:body>{body}<w:sectPr><w:pgSz w:w="{PAGE_W}" w:h="{PAGE_H}"/><w:pgMar w:top="{MARGIN_TOP}" w:right="{MARGIN_RIGHT}" w:bottom="{MARGIN_BOTTOM}" w:left="{MARGIN_LEFT}" w:header="0" w:footer="0" w:gutter="0"/></w:sectPr></w:body></w:document>"#
    )
}

const LETTERHEAD_RULE: &str = r#"<w:pBdr><w:bottom w:val="thickThinSmallGap" w:sz="18" w:space="4" w:color="000000"/></w:pBdr><w:spacing w:after="240"/>"#;

/// The letterhead lines, centred, over the double rule. With an emblem they sit in a borderless
/// two-cell table, the emblem in the left cell, so Word, LibreOffice and SRIKANDI all keep the
/// text clear of it.
fn letterhead(template: &LetterTemplate) -> String {
    let lines = |rule_on_last: bool| {
        let last = template.letterhead.len().saturating_sub(1);
        let mut out = String::new();
        for (i, head) in template.letterhead.iter().enumerate() {
            let border = if rule_on_last && i == last {
                LETTERHEAD_RULE
            } else {
                ""
            };
            let half_points = (head.size * 2.0).round() as u32;
            out.push_str(&paragraph(
                &format!(r#"{border}<w:jc w:val="center"/>"#),
                &run(&head.text, head.bold, half_points),
            ));
        }
        out
    };
    let Some(emblem) = &template.emblem else {
        return lines(true);
    };
    let w = (emblem.width * 20.0).round() as u32;
    let h = (emblem.height() * 20.0).round() as u32;
    let (cx, cy) = (w * EMU_PER_TWIP, h * EMU_PER_TWIP);
    let picture = format!(
        r#"<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{cx}" cy="{cy}"/><wp:docPr id="1" name="Lambang daerah" descr="Lambang daerah"/><wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic><pic:nvPicPr><pic:cNvPr id="1" name="lambang"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:embed="rId2"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"#
    );
    let left = w + EMBLEM_GAP;
    let right = CONTENT_W - left;
    let none: String = ["top", "left", "bottom", "right", "insideH", "insideV"]
        .iter()
        .map(|side| format!(r#"<w:{side} w:val="nil"/>"#))
        .collect();
    format!(
        r#"<w:tbl><w:tblPr><w:tblW w:w="{CONTENT_W}" w:type="dxa"/><w:tblBorders>{none}</w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar><w:left w:w="0" w:type="dxa"/><w:right w:w="0" w:type="dxa"/></w:tblCellMar></w:tblPr><w:tblGrid><w:gridCol w:w="{left}"/><w:gridCol w:w="{right}"/></w:tblGrid><w:tr><w:tc><w:tcPr><w:tcW w:w="{left}" w:type="dxa"/></w:tcPr>{}</w:tc><w:tc><w:tcPr><w:tcW w:w="{right}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>{}</w:tc></w:tr></w:tbl>{}"#,
        paragraph("", &picture),
        lines(false),
        paragraph(
            &format!(r#"{LETTERHEAD_RULE}<w:rPr><w:sz w:val="4"/></w:rPr>"#),
            ""
        ),
    )
}

fn table(template: &LetterTemplate, data: &LetterData) -> String {
    let value_col = CONTENT_W - LABEL_COL;
    let border =
        |side: &str| format!(r#"<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>"#);
    let borders: String = ["top", "left", "bottom", "right", "insideH", "insideV"]
        .iter()
        .map(|s| border(s))
        .collect();
    let mut out = format!(
        r#"<w:tbl><w:tblPr><w:tblW w:w="{CONTENT_W}" w:type="dxa"/><w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar><w:left w:w="100" w:type="dxa"/><w:right w:w="100" w:type="dxa"/></w:tblCellMar></w:tblPr><w:tblGrid><w:gridCol w:w="{LABEL_COL}"/><w:gridCol w:w="{value_col}"/></w:tblGrid>"#
    );
    for (label, value) in &template.rows {
        out.push_str(&format!(
            r#"<w:tr><w:trPr><w:cantSplit/></w:trPr><w:tc><w:tcPr><w:tcW w:w="{LABEL_COL}" w:type="dxa"/></w:tcPr>{}</w:tc><w:tc><w:tcPr><w:tcW w:w="{value_col}" w:type="dxa"/></w:tcPr>{}</w:tc></w:tr>"#,
            paragraph("", &run(label, false, BODY_HALF_POINTS)),
            paragraph("", &runs(&value.runs(data), false)),
        ));
    }
    out.push_str("</w:tbl>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup() {
        assert_eq!(
            escape(r#"<a & 'b' "c">"#),
            "&lt;a &amp; &apos;b&apos; &quot;c&quot;&gt;"
        );
    }
}
