//! The one integration test binary; modules below are grouped by feature.

mod inventory;
mod yaml;
