//! Cases: one per application, kept with every mail, attachment, checklist and event in sled
//! ([`store`]), moving through the SOP's states ([`sop`]).

pub mod backup;
pub mod escalate;
mod migrate;
pub mod model;
pub mod recheck;
pub mod retention;
pub mod sop;
pub mod store;

pub use model::*;
