//! The one integration test binary; modules below are grouped by feature.

mod facts;
mod harness;
mod transport;
