//! `template`: Jinja on minijinja with Ansible's filters and tests.
//! (Interim placeholder types; the real layer lands from the template work.)

/// Renders templates (placeholder).
pub struct Templar;
/// Variables for rendering (placeholder).
pub struct Vars;
