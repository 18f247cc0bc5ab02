//! Checks on what the model wrote, all done by code: language, copying, citations,
//! grounding of facts and names in the cited sources, disagreements between sources,
//! titles tied to names, steps of a legal case a translation adds, words a translation lost, and the source sentences each statement of a summary rests on.

pub mod citations;
pub mod disagree;
pub mod ground;
pub mod injection;
pub mod language;
pub mod lexicon;
pub mod names;
pub mod readback;
pub mod roles;
pub mod statements;
pub mod steps;
