//! `run`: see the crate docs for this layer's place in the pipeline.

pub mod remote;
