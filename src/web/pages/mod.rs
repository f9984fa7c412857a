//! The desk's HTML, rendered on the server with maud, which escapes every value it is given:
//! subjects, bodies, filenames and fields that came from a mail show as text, never as markup.
//! All words are Indonesian. Also the Prometheus text of `/metrics`.

mod case;
mod common;
mod next;
mod queue;
mod report;

pub use case::*;
pub use common::*;
pub use next::{Party, Viewer, waits_for};
pub use queue::*;
pub use report::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reading_the_checklist_reviews_is_shown_as_doubtful() {
        let doubtful = "periksa dengan gambar";
        let shown = |conf| confidence_words(conf, 0.85).into_string();
        assert!(shown(0.82).contains(doubtful), "{}", shown(0.82));
        assert!(shown(0.82).contains("keyakinan 82%"));
        assert!(!shown(0.85).contains(doubtful));
        assert!(!shown(0.97).contains(doubtful));
        assert!(
            confidence_words(0.82, 0.8)
                .into_string()
                .contains("keyakinan 82%")
        );
        assert!(!confidence_words(0.82, 0.8).into_string().contains(doubtful));
    }
}
