//! The probe script on this machine, compared with `ansible -m setup`.
