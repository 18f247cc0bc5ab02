//! Checks on what the model wrote, all done by code: language, copying, citations,
//! grounding of facts and names in the cited sources, and disagreements between sources.

pub mod citations;
pub mod disagree;
pub mod ground;
pub mod injection;
pub mod language;
