//! Text of an HTML-only mail body with its block structure kept: every paragraph, div, list
//! item, line break and table row ends a line, and the cells of a row are split by a tab, so
//! a form sent as `<table>` rows reads "Nama<TAB>Rusni Akuba" and a value never runs into the
//! next label.

/// Elements whose content is never shown.
const HIDDEN: &[&str] = &["script", "style", "head", "title", "template", "noscript"];

/// Elements that start and end a line.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "tr",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "section",
    "article",
    "header",
    "footer",
    "hr",
    "pre",
    "dl",
    "dt",
    "dd",
    "form",
    "fieldset",
    "address",
    "center",
    "caption",
];

/// The text of `html` as a mail client shows it, one block per line.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    let mut hidden: Option<String> = None;
    let mut cells_in_row = 0usize;
    // Open table cells: Outlook wraps each cell's text in its own <p>, which must not cut
    // the row into lines.
    let mut in_cell = 0usize;
    let mut rest = html;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        if rest.starts_with('<')
            && let Some(end) = rest.find('>')
        {
            let tag = &rest[1..end];
            rest = &rest[end + 1..];
            let closing = tag.starts_with('/');
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            if let Some(open) = &hidden {
                if closing && *open == name {
                    hidden = None;
                }
                continue;
            }
            if !closing && HIDDEN.contains(&name.as_str()) && !tag.ends_with('/') {
                hidden = Some(name);
                continue;
            }
            match name.as_str() {
                "td" | "th" if !closing => {
                    if cells_in_row > 0 {
                        push_space(&mut line, '\t');
                    }
                    cells_in_row += 1;
                    in_cell += 1;
                }
                "td" | "th" => in_cell = in_cell.saturating_sub(1),
                "tr" | "table" => {
                    cells_in_row = 0;
                    in_cell = 0;
                    end_line(&mut out, &mut line);
                }
                "p" | "div" | "br" if in_cell > 0 => push_space(&mut line, ' '),
                n if BLOCKS.contains(&n) => end_line(&mut out, &mut line),
                _ => {}
            }
            continue;
        }
        let first = rest.chars().next().map_or(1, char::len_utf8);
        let next = rest[first..].find('<').map_or(rest.len(), |i| i + first);
        if hidden.is_none() {
            for c in decode_entities(&rest[..next]).chars() {
                if c.is_whitespace() || c == '\u{a0}' {
                    push_space(&mut line, ' ');
                } else {
                    line.push(c);
                }
            }
        }
        rest = &rest[next..];
    }
    end_line(&mut out, &mut line);
    out.trim_end().to_string()
}

/// One separator at most between words; a tab (a cell boundary) wins over a space.
fn push_space(line: &mut String, c: char) {
    match line.chars().last() {
        None => {}
        Some(' ') if c == '\t' => {
            line.pop();
            line.push('\t');
        }
        Some(' ' | '\t') => {}
        Some(_) => line.push(c),
    }
}

fn end_line(out: &mut String, line: &mut String) {
    let text = line.trim();
    if !text.is_empty() {
        out.push_str(text);
        out.push('\n');
    }
    line.clear();
}

fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| entity(&rest[1..e]));
        match (end, decoded) {
            (Some(e), Some(c)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "nbsp" => ' ',
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "ndash" => '–',
        "mdash" => '—',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_rows_divs_and_breaks_each_end_a_line() {
        let table = "<table><tr><td>Nama</td><td>:</td><td>Rusni&nbsp;Akuba</td></tr>\
            <tr><td>Nomor Induk Kependudukan (NIK)</td><td>:</td><td>7502014506800001</td></tr>\
            <tr><th>NIP</th><td>198006052005012001</td></tr></table>";
        assert_eq!(
            html_to_text(table),
            "Nama\t:\tRusni Akuba\nNomor Induk Kependudukan (NIK)\t:\t7502014506800001\n\
             NIP\t198006052005012001"
        );
        // Outlook: each cell's text in a paragraph of its own, with Office's empty <o:p>.
        let outlook = "<table class=MsoNormalTable><tr><td><p class=MsoNormal>Jabatan<o:p></o:p></p></td>\
            <td><p class=MsoNormal>:<o:p></o:p></p></td><td><p class=MsoNormal>Dokter Ahli Pertama<o:p></o:p></p></td></tr>\
            <tr><td><p class=MsoNormal>Instansi<o:p></o:p></p></td><td><p>:</p></td><td><p>RSUD Dunda</p></td></tr></table>";
        assert_eq!(
            html_to_text(outlook),
            "Jabatan\t:\tDokter Ahli Pertama\nInstansi\t:\tRSUD Dunda"
        );
        let divs = "<div>Nama: Rusni Akuba</div><div>NIK: 7502014506800001</div>";
        assert_eq!(
            html_to_text(divs),
            "Nama: Rusni Akuba\nNIK: 7502014506800001"
        );
        let breaks =
            "<p>Yth. Kadis,<br>Nama: Rusni<br/>NIK:&#55;502</p><ul><li>KTP</li><li>SK</li></ul>";
        assert_eq!(
            html_to_text(breaks),
            "Yth. Kadis,\nNama: Rusni\nNIK:7502\nKTP\nSK"
        );
    }

    #[test]
    fn hidden_parts_comments_and_broken_markup_do_not_leak_or_panic() {
        let html = "<html><head><title>x</title><style>p{color:red}</style></head>\
            <body><!-- catatan --><script>alert(1)</script><p>Isi &amp; &bogus; &#xZZ; 3 &lt; 4</p>";
        assert_eq!(html_to_text(html), "Isi & &bogus; &#xZZ; 3 < 4");
        for broken in [
            "<",
            "<p",
            "&",
            "<!--",
            "a<b",
            "<td>x",
            "<script>never closed",
            "ä<é>ö",
        ] {
            let _ = html_to_text(broken);
        }
        assert_eq!(html_to_text("a<b"), "a<b");
    }
}
