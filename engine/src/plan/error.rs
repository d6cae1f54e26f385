//! Problems found while compiling, before any host is touched.

use crate::source::Span;

/// A static problem in a playbook, with the place it is written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// A module name that no module answers to.
    #[error("{span}: couldn't resolve module/action `{name}` in {task}")]
    UnknownModule {
        /// The name as written.
        name: String,
        /// `task `name``, for the message.
        task: String,
        /// Where.
        span: Span,
        /// The closest known module.
        suggestion: Option<&'static str>,
    },
    /// A module or option Ansible has and this engine does not implement:
    /// a warning (the task fails when a host reaches it), an error under
    /// `--strict`.
    #[error("{span}: {what} is not implemented by konvoy-image ({task})")]
    NotImplemented {
        /// `module `apt`` or `option `validate` of module `copy``.
        what: String,
        /// `task `name``, for the message.
        task: String,
        /// The module name or the option, as written.
        span: Span,
    },
    /// A filter, test or lookup that neither this engine nor Ansible has.
    #[error("{span}: no {kind} named `{name}` in {task}")]
    UnknownPlugin {
        /// Filter, test or lookup.
        kind: crate::template::PluginKind,
        /// The name as written.
        name: String,
        /// `task `name``, for the message.
        task: String,
        /// The template holding it.
        span: Span,
        /// The closest name Ansible has.
        suggestion: Option<String>,
    },
    /// `vars:` (or a vars file) that is not a mapping.
    #[error("{span}: `{what}` must be a mapping, got {found}")]
    NotAMapping {
        /// Which keyword or file.
        what: String,
        /// What it was.
        found: &'static str,
        /// Where.
        span: Span,
    },
    /// A `vars_files` entry that could not be loaded.
    #[error("{span}: vars file `{file}`: {message}")]
    VarsFile {
        /// The file.
        file: String,
        /// Why.
        message: String,
        /// Where it is named.
        span: Span,
    },
    /// A module argument the module rejects (unknown key, bad literal value).
    #[error("{span}: {error} for module `{module}` in {task}")]
    BadArgument {
        /// The action as written.
        module: String,
        /// `task `name``, for the message.
        task: String,
        /// What the module's parser said.
        error: crate::modules::ArgError,
        /// The closest supported argument, for an unknown one.
        suggestion: Option<String>,
        /// The argument's value (or the module name).
        span: Span,
    },
    /// A `template`/`copy`/`script` source found nowhere Ansible looks.
    #[error("{span}: could not find `{src}` for module `{module}`")]
    MissingSource {
        /// The module.
        module: String,
        /// The `src` as written.
        src: String,
        /// Every place looked at, in order.
        searched: Vec<String>,
        /// The `src` value.
        span: Span,
    },
    /// A template or condition that does not parse.
    #[error("{span}: template syntax error: {message} in {task}")]
    TemplateSyntax {
        /// The parser's explanation.
        message: String,
        /// `task `name``, `play`, `role `r``, for the message.
        task: String,
        /// The YAML scalar holding the template.
        span: Span,
    },
    /// A variable no source defines (a warning: Ansible fails only when
    /// the template is rendered).
    #[error("{span}: no source defines variable `{name}` used in {task}")]
    UndefinedVariable {
        /// The variable.
        name: String,
        /// `task `name``, for the message.
        task: String,
        /// The YAML scalar holding the template.
        span: Span,
    },
    /// A keyword the plan needs as `true`/`false` written as a template
    /// (refused rather than dropped).
    #[error("{span}: a templated `{keyword}` is not supported; write true or false")]
    TemplatedFlag {
        /// The keyword.
        keyword: &'static str,
        /// The value.
        span: Span,
    },
    /// A keyword value this engine does not have (`strategy: debug`).
    #[error("{span}: `{keyword}: {value}` is not supported (supported: {supported})")]
    UnsupportedValue {
        /// The keyword.
        keyword: &'static str,
        /// The value written.
        value: String,
        /// What is supported.
        supported: &'static str,
        /// The value.
        span: Span,
    },
    /// The playbook itself did not parse.
    #[error("{0}")]
    Playbook(String),
    /// A keyword whose value Ansible rejects (`order: random`), or one
    /// this engine cannot honour in that form (a templated `order`).
    #[error("{span}: {message}")]
    InvalidKeyword {
        /// What is wrong, in Ansible's words where it has some.
        message: String,
        /// The value.
        span: Span,
    },
}

impl PlanError {
    /// Where the problem is written, when known.
    pub fn span(&self) -> Option<&Span> {
        match self {
            PlanError::UnknownModule { span, .. }
            | PlanError::NotImplemented { span, .. }
            | PlanError::UnknownPlugin { span, .. }
            | PlanError::NotAMapping { span, .. }
            | PlanError::VarsFile { span, .. }
            | PlanError::BadArgument { span, .. }
            | PlanError::MissingSource { span, .. }
            | PlanError::TemplateSyntax { span, .. }
            | PlanError::UndefinedVariable { span, .. }
            | PlanError::InvalidKeyword { span, .. }
            | PlanError::TemplatedFlag { span, .. }
            | PlanError::UnsupportedValue { span, .. } => Some(span),
            PlanError::Playbook(_) => None,
        }
    }

    /// What the user can do about it, when there is something to say.
    pub fn help(&self) -> Option<String> {
        match self {
            PlanError::UnknownModule {
                suggestion: Some(s),
                ..
            } => Some(format!("did you mean `{s}`?")),
            PlanError::BadArgument {
                suggestion: Some(s),
                ..
            }
            | PlanError::UnknownPlugin {
                suggestion: Some(s),
                ..
            } => Some(format!("did you mean `{s}`?")),
            PlanError::MissingSource { searched, .. } => {
                Some(format!("searched: {}", searched.join(", ")))
            }
            PlanError::NotImplemented { .. } => Some(
                "only a host that reaches the task fails; `--strict` refuses the playbook instead"
                    .into(),
            ),
            PlanError::UndefinedVariable { name, .. } => Some(format!(
                "define `{name}` (inventory, vars, -e) or guard it with `| default(...)`"
            )),
            _ => None,
        }
    }
}

/// Every static problem found in one pass.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct PlanErrors(pub Vec<PlanError>);
