//! The KIB-like fixture tree (`tests/fixtures/playbooks/kib/`) parses into
//! the structure its files describe.
