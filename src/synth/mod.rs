//! Deterministic synthetic applications (KTP images, SK PDFs, emails) for tests and benchmarks.
//!
//! Everything is invented: people come from [`person()`], cards from [`render_ktp`], decrees
//! and letters from `docs`, mails from `mail`, and [`generate`] ties them into numbered
//! samples (`NNN.eml` + `NNN.expected.json`). One seed reproduces every byte: the only
//! randomness is the module's own splitmix64, dates are derived from the seed, and nothing reads
//! the clock or iterates a hash map.

mod body;
mod docs;
mod error;
mod ktp;
mod mail;
mod office;
mod pdf;
mod person;
mod raster;
mod rng;
mod sample;

use std::path::{Path, PathBuf};

pub use error::SynthError;
pub use ktp::{KtpVariant, render_ktp};
pub use office::scanned_decree;
pub use person::{Person, person};
pub use sample::Family;

/// How many samples to make, from which seed, in which family of styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynthOptions {
    pub count: usize,
    pub seed: u64,
    pub family: Family,
}

/// Where one generated sample was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleMeta {
    /// Three digits, "001".
    pub id: String,
    pub eml_path: PathBuf,
    pub expected_path: PathBuf,
}

/// Writes `NNN.eml` and `NNN.expected.json` for NNN = 001..=count into `out_dir` (created if
/// needed). Sample N depends only on the seed and N, so a longer run begins with the files of a
/// shorter one.
pub fn generate(out_dir: &Path, opts: &SynthOptions) -> Result<Vec<SampleMeta>, SynthError> {
    std::fs::create_dir_all(out_dir).map_err(|source| SynthError::Io {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let fonts = raster::Fonts::load()?;
    let mut written = Vec::with_capacity(opts.count);
    for index in 1..=opts.count {
        let built = sample::build(&fonts, index, opts.seed, opts.family)?;
        let id = format!("{index:03}");
        let eml_path = out_dir.join(format!("{id}.eml"));
        let expected_path = out_dir.join(format!("{id}.expected.json"));
        let mut json = serde_json::to_string_pretty(&built.expected)?;
        json.push('\n');
        write(&eml_path, &built.eml)?;
        write(&expected_path, json.as_bytes())?;
        written.push(SampleMeta {
            id,
            eml_path,
            expected_path,
        });
    }
    Ok(written)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), SynthError> {
    std::fs::write(path, bytes).map_err(|source| SynthError::Io {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("sertel-synth-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn same_seed_same_bytes() {
        let (a, b) = (scratch("a"), scratch("b"));
        let opts = SynthOptions {
            count: 3,
            seed: 42,
            family: Family::Desk,
        };
        let first = generate(&a, &opts).unwrap();
        let second = generate(&b, &opts).unwrap();
        assert_eq!(first.len(), 3);
        assert_eq!(first[0].id, "001");
        for (x, y) in first.iter().zip(&second) {
            for (p, q) in [
                (&x.eml_path, &y.eml_path),
                (&x.expected_path, &y.expected_path),
            ] {
                assert_eq!(
                    std::fs::read(p).unwrap(),
                    std::fs::read(q).unwrap(),
                    "{}",
                    p.display()
                );
            }
        }
        let other = generate(
            &b,
            &SynthOptions {
                count: 1,
                seed: 43,
                family: Family::Desk,
            },
        )
        .unwrap();
        assert_ne!(
            std::fs::read(&first[0].eml_path).unwrap(),
            std::fs::read(&other[0].eml_path).unwrap()
        );
        let expected: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&first[0].expected_path).unwrap()).unwrap();
        assert_eq!(expected["message_id"], "synth-001-42@gorontalokab.go.id");
        assert_eq!(expected["problems"], serde_json::json!([]));
        for dir in [a, b] {
            std::fs::remove_dir_all(dir).unwrap();
        }
    }

    #[test]
    fn the_office_family_is_its_own_and_repeats_itself() {
        let (a, b) = (scratch("office-a"), scratch("office-b"));
        let opts = SynthOptions {
            count: 3,
            seed: 7,
            family: Family::Office,
        };
        let first = generate(&a, &opts).unwrap();
        let second = generate(&b, &opts).unwrap();
        for (x, y) in first.iter().zip(&second) {
            assert!(
                std::fs::read(&x.eml_path).unwrap() == std::fs::read(&y.eml_path).unwrap(),
                "{}: LibreOffice's dates, IDs and checksums must not reach the sample",
                x.eml_path.display()
            );
        }
        for s in &first {
            let expected: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&s.expected_path).unwrap()).unwrap();
            for key in ["ktp_variant", "sk_variant"] {
                let variant = expected["sample"][key].as_str().unwrap();
                assert!(
                    variant == "none" || variant.starts_with("office_"),
                    "{key} {variant} is not the office family's"
                );
            }
        }
        for dir in [a, b] {
            std::fs::remove_dir_all(dir).unwrap();
        }
    }

    #[test]
    fn missing_fonts_are_reported() {
        let err = raster::Fonts::load_from(Path::new("/nonexistent-fonts"))
            .err()
            .unwrap();
        assert!(matches!(err, SynthError::FontMissing { .. }));
        assert!(
            err.to_string()
                .starts_with("font missing: /nonexistent-fonts/")
        );
    }
}
