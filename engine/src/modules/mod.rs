//! `modules`: see the crate docs for this layer's place in the pipeline.
