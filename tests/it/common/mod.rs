//! Helpers shared by the integration tests: inspecting with the real OCR engine, and matching
//! a report against a sample's expected JSON.

#![allow(dead_code)]

pub mod http;
pub mod mailservers;
pub mod pdfsign;

#[allow(unused_imports)]
pub use mailservers::skip;

use std::path::Path;

use chrono::NaiveDate;
use serde_json::Value;
use sertel::inspect::{Report, inspect};
use sertel::rules::Rules;
use sertel::text::ocr::TesseractOcr;

/// The day the samples are judged on, so ages and dates do not drift with the calendar.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

pub fn engine() -> TesseractOcr {
    TesseractOcr::new("ind").expect("tesseract with the ind language (scripts/setup installs it)")
}

pub fn inspect_file(path: &Path, ocr: &mut TesseractOcr) -> Report {
    let raw = std::fs::read(path).unwrap();
    inspect(&raw, &Rules::builtin(), ocr, today())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every key in `expected` must be in `actual` with an equal value (objects recursively,
/// arrays element by element and of equal length; `problems` as a set). The generator's
/// `sample` notes are not part of the report. Returns the differences found.
pub fn subset_diff(expected: &Value, actual: &Value, path: &str, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                if path.is_empty() && k == "sample" {
                    continue;
                }
                let p = format!("{path}/{k}");
                match a.get(k) {
                    Some(av) if k == "problems" => {
                        let mut es: Vec<String> = serde_json::from_value(ev.clone()).unwrap();
                        let mut acts: Vec<String> = serde_json::from_value(av.clone()).unwrap();
                        es.sort();
                        acts.sort();
                        if es != acts {
                            out.push(format!("{p}: expected {es:?}, got {acts:?}"));
                        }
                    }
                    Some(av) => subset_diff(ev, av, &p, out),
                    None => out.push(format!("{p}: missing")),
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                out.push(format!(
                    "{path}: expected {} items, got {}: {actual}",
                    e.len(),
                    a.len()
                ));
                return;
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                subset_diff(ev, av, &format!("{path}[{i}]"), out);
            }
        }
        (e, a) if e == a => {}
        (e, a) => out.push(format!("{path}: expected {e}, got {a}")),
    }
}

pub fn expected_for(eml: &Path) -> Value {
    let path = eml.with_extension("expected.json");
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

/// The config of a desk in `root` with no mail server: Maildir inbox, `.eml` outbox, the Kadis
/// and two verifiers; `extra` is appended (more sections).
pub fn office_config(root: &Path, extra: &str) -> sertel::config::Config {
    let text = format!(
        r#"{office}
[storage]
data_dir = "{data}"
[intake]
maildir = "{inbox}"
authserv_id = "{authserv}"
[outbound]
folder = "{outbox}"
{extra}"#,
        office = mailservers::office_section("gorontalokab.go.id"),
        authserv = mailservers::AUTHSERV_ID,
        data = root.join("data").display(),
        inbox = root.join("inbox").display(),
        outbox = root.join("outbox").display(),
    );
    sertel::config::Config::parse(&text, Path::new("test.toml")).unwrap()
}

/// A picture on a desk page whose room the page keeps before it loads.
#[derive(Debug, PartialEq, Eq)]
pub struct SizedPicture {
    pub src: String,
    pub width: u32,
    pub height: u32,
}

/// Every `<img>` of `page` with a `src` under `prefix`, and its `width` and `height`
/// attributes; a picture under `prefix` without them fails the test, as it would make the page
/// jump when it loads.
pub fn sized_pictures(page: &str, prefix: &str) -> Vec<SizedPicture> {
    page.split("<img ")
        .skip(1)
        .map(|rest| format!(" {}", &rest[..rest.find('>').expect("an img tag ends")]))
        .filter_map(|tag| {
            let attribute = |name: &str| {
                let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
                let value = &tag[start..];
                Some(value[..value.find('"')?].to_string())
            };
            let src = attribute("src")?;
            if !src.starts_with(prefix) {
                return None;
            }
            let size = |name: &str| {
                attribute(name)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| panic!("{src} has no {name}: <img{tag}>"))
            };
            Some(SizedPicture {
                width: size("width"),
                height: size("height"),
                src,
            })
        })
        .collect()
}

/// The fetched picture decodes to the size its page gave it.
pub fn assert_is_its_size(picture: &SizedPicture, bytes: &[u8]) {
    let decoded = image::load_from_memory(bytes).unwrap();
    assert_eq!(
        (decoded.width(), decoded.height()),
        (picture.width, picture.height),
        "{}",
        picture.src
    );
}
