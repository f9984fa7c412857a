//! Golden samples: every `samples/NNN.eml` inspected with real tesseract must match its
//! `NNN.expected.json` (the generator's ground truth, not a recording of sertel's output).

mod common;

use std::path::PathBuf;

use common::{engine, expected_for, inspect_file, subset_diff};

fn samples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("samples")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_sample_matches_its_expected_report() {
    let samples = samples();
    assert!(samples.len() >= 12, "the bundled samples are missing");
    let mut ocr = engine();
    let mut failures = Vec::new();
    for eml in &samples {
        let report = inspect_file(eml, &mut ocr);
        let actual = serde_json::to_value(&report).unwrap();
        let mut diffs = Vec::new();
        subset_diff(&expected_for(eml), &actual, "", &mut diffs);
        if !diffs.is_empty() {
            failures.push(format!("{}:\n  {}", eml.display(), diffs.join("\n  ")));
        }
        // A report is internally consistent whatever the sample.
        let problems: Vec<&str> = report
            .checklist
            .iter()
            .filter(|i| i.status != sertel::checklist::Status::Ok)
            .map(|i| i.id.as_str())
            .collect();
        assert_eq!(
            problems,
            report
                .problems
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
        );
        assert_eq!(report.complete, report.problems.is_empty());
    }
    assert!(
        failures.is_empty(),
        "{} of {} samples differ:\n{}",
        failures.len(),
        samples.len(),
        failures.join("\n")
    );
}
