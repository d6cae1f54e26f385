//! Whole jobs, as the CLI and embedding programs start them: run a
//! playbook against an inventory, or provision hosts from an image file.

use crate::image::{self, ImageRequest};
use crate::inventory::Inventory;
use crate::plan::{self, Plan, PlanError, PlanErrors};
use crate::playbook;
use crate::report::Reporter;
use crate::run::{self, RunOptions, RunSummary};
use crate::value::Map;
use crate::Error;
use std::path::{Path, PathBuf};

/// `ansible-playbook -i INV PLAYBOOK`, as a value.
#[derive(Clone, Debug, Default)]
pub struct PlaybookJob {
    /// `-i` sources, in order.
    pub inventory: Vec<String>,
    /// The playbook file.
    pub playbook: PathBuf,
    /// `-e` values, in order (`k=v`, JSON, `@file`; later wins).
    pub extra_vars: Vec<String>,
    /// Everything else about the run.
    pub options: RunOptions,
}

impl PlaybookJob {
    /// Loads the inventory and compiles the playbook, touching no host.
    ///
    /// # Errors
    /// Any load, parse or static-check error, with file:line:column.
    pub fn prepare(&self) -> Result<(Inventory, Plan), Error> {
        let p = self.prepare_checked()?;
        Ok((p.inventory, p.plan))
    }

    /// Loads the inventory, compiles the playbook and runs every static
    /// check ([`plan::check`]), touching no host: all errors at once,
    /// sorted by place, and the warnings for the caller to show.
    ///
    /// # Errors
    /// Any load or parse error; every compile and static-check error.
    pub fn prepare_checked(&self) -> Result<Prepared, Error> {
        self.prepare_with(Inventory::load(&self.inventory)?)
    }

    /// [`PlaybookJob::prepare_checked`] with the job's inventory already
    /// loaded (a caller that prints the inventory's warnings first, as
    /// ansible-playbook does even when the run then stops).
    ///
    /// # Errors
    /// As [`PlaybookJob::prepare_checked`].
    pub fn prepare_with(&self, inventory: Inventory) -> Result<Prepared, Error> {
        // Both `-e` values and extra vars set by the embedding job
        // (provisioning's image variables) are sources of names.
        let mut extra = self.options.extra_vars.clone();
        extra.extend(self.extra_vars()?);
        let pb = playbook::load_playbook_with(&self.playbook, &self.load_options(&extra))?;
        let compiled = plan::compile(&pb);
        let checked = plan::check(&pb, &inventory, &extra);
        let (errors, warnings) = refusals(
            &compiled,
            checked.errors,
            checked.warnings,
            self.options.strict,
        );
        match compiled {
            Ok(mut plan) if errors.is_empty() => {
                apply_play_defaults(&pb, &mut plan, &self.options.play_defaults);
                let patterns = patterns_known_before_the_run(&plan);
                let host_warnings = check_hosts(&inventory, &patterns, &extra, &self.options)?;
                Ok(Prepared {
                    plan,
                    inventory,
                    warnings,
                    host_warnings,
                    reads: checked.reads,
                })
            }
            _ => Err(PlanErrors(errors).into()),
        }
    }

    /// How the playbook is loaded: `roles_path`, and `extra` (the job's
    /// extra vars with its `-e` values) for templated `import_playbook`
    /// names.
    pub fn load_options(&self, extra: &Map) -> playbook::LoadOptions {
        playbook::LoadOptions {
            roles_path: self.options.roles_path.clone(),
            extra_vars: extra.clone(),
        }
    }

    /// Runs a job [`PlaybookJob::prepare_checked`] prepared.
    ///
    /// # Errors
    /// A malformed extra var; host failures are in the summary.
    pub fn run_prepared(
        &self,
        prepared: &Prepared,
        reporter: &dyn Reporter,
    ) -> Result<RunSummary, Error> {
        let mut options = self.options.clone();
        options.extra_vars.extend(self.extra_vars()?);
        Ok(run::run(
            &prepared.plan,
            &prepared.inventory,
            &options,
            reporter,
        )?)
    }

    /// The merged `-e` values.
    ///
    /// # Errors
    /// A malformed value or unreadable `@file`.
    pub fn extra_vars(&self) -> Result<Map, Error> {
        let mut out = Map::new();
        for e in &self.extra_vars {
            out.extend(image::parse_extra_vars(e)?);
        }
        Ok(out)
    }

    /// Runs the playbook, reporting to `reporter`.
    ///
    /// # Errors
    /// Problems found before the run; host failures are in the summary.
    pub fn run(&self, reporter: &dyn Reporter) -> Result<RunSummary, Error> {
        let prepared = self.prepare_checked()?;
        self.run_prepared(&prepared, reporter)
    }
}

/// Gives each play the configured default of the play keywords it does
/// not set (`gathering`, `strategy`, `any_errors_fatal`, `force_handlers`),
/// as Ansible's `Play` takes its attribute defaults from the settings.
fn apply_play_defaults(pb: &playbook::Playbook, plan: &mut Plan, d: &run::PlayDefaults) {
    for (play, compiled) in pb.plays.iter().zip(plan.plays.iter_mut()) {
        if play.gather_facts.is_none() {
            compiled.gather_facts = d.gather_facts;
        }
        if play.strategy.is_none() {
            compiled.strategy = d.strategy;
        }
        if play.keywords.any_errors_fatal.is_none() {
            compiled.any_errors_fatal = d.any_errors_fatal;
        }
        if play.force_handlers.is_none() {
            compiled.force_handlers = d.force_handlers;
        }
    }
}

/// A playbook job checked and compiled, not yet run.
#[derive(Debug)]
pub struct Prepared {
    /// The loaded inventory.
    pub inventory: Inventory,
    /// The compiled plan.
    pub plan: Plan,
    /// Static findings that do not stop the run (variables no source
    /// defines, modules and options not implemented), for the caller to
    /// show.
    pub warnings: Vec<PlanError>,
    /// ansible-playbook's warnings about the hosts (an empty inventory,
    /// patterns that match nothing), in its words, for the caller to show.
    pub host_warnings: Vec<String>,
    /// Every variable the playbook, its roles and templates read.
    pub reads: std::collections::BTreeSet<String>,
}

/// What ansible-playbook 2.19 checks about the hosts before it runs
/// anything (`CLI.get_host_list`, then each play's pattern): the warnings
/// to show, in order and without repeats, or the error that stops the run.
///
/// - an inventory without hosts: "provided hosts list is empty, ..."
///   (`localhost_warning`), and the run goes on (implicit localhost);
/// - every `--limit` or play pattern item that matches no host or group:
///   "Could not match supplied host pattern, ignoring: ITEM"
///   (`host_pattern_mismatch`: a warning, an error, or nothing);
/// - hosts in the inventory but none left by `--limit`: the
///   "no hosts to target" error (exit code 1).
///
/// Ansible warns about a play's pattern when that play starts; these are
/// all reported before the first play, and with
/// `host_pattern_mismatch = error` a later play's pattern stops the run
/// before the first play instead of after the plays before it.
///
/// # Errors
/// [`run::RunError::NoHostsToTarget`] (with the warnings before it),
/// [`run::RunError::UnmatchedPattern`],
/// or an invalid pattern.
pub fn check_hosts(
    inventory: &Inventory,
    play_patterns: &[String],
    extra_vars: &Map,
    opts: &RunOptions,
) -> Result<Vec<String>, run::RunError> {
    use crate::config::PatternMismatch;
    let mut warnings: Vec<String> = Vec::new();
    let invalid = |pattern: &str, e: crate::inventory::InventoryError| run::RunError::Pattern {
        pattern: pattern.to_owned(),
        message: e.to_string(),
    };
    let empty = inventory.hosts().next().is_none();
    if empty && opts.localhost_warning {
        warnings.push(
            "provided hosts list is empty, only localhost is available. Note that the implicit \
             localhost does not match 'all'"
                .to_owned(),
        );
    }
    let unmatched = |items: Vec<String>, warnings: &mut Vec<String>| -> Result<(), run::RunError> {
        for item in items {
            match opts.host_pattern_mismatch {
                PatternMismatch::Error => return Err(run::RunError::UnmatchedPattern(item)),
                PatternMismatch::Ignore => {}
                PatternMismatch::Warning => {
                    let w = format!("Could not match supplied host pattern, ignoring: {item}");
                    if !warnings.contains(&w) {
                        warnings.push(w);
                    }
                }
            }
        }
        Ok(())
    };
    if let Some(limit) = &opts.limit {
        let items = inventory
            .unmatched_patterns(limit)
            .map_err(|e| invalid(limit, e))?;
        unmatched(items, &mut warnings)?;
        let left = inventory
            .select_with_limit("all", Some(limit))
            .map_err(|e| invalid(limit, e))?;
        if left.is_empty() && !empty {
            return Err(run::RunError::NoHostsToTarget { warnings });
        }
    }
    let templar = crate::template::Templar::new();
    let vars = crate::template::Vars::new(std::sync::Arc::new(extra_vars.clone()));
    for raw in play_patterns {
        // A pattern that does not render is reported by the run itself.
        let Ok(pattern) = templar.render_string(raw, &vars) else {
            continue;
        };
        let items = inventory
            .unmatched_patterns(&pattern)
            .map_err(|e| invalid(&pattern, e))?;
        unmatched(items, &mut warnings)?;
    }
    Ok(warnings)
}

/// The host patterns [`check_hosts`] checks before the run: those of the
/// plays whose hosts are known then ([`Plan::plays_with_static_hosts`]);
/// the run checks the others when they start, as Ansible checks each.
pub fn patterns_known_before_the_run(plan: &Plan) -> Vec<String> {
    plan.plays[..plan.plays_with_static_hosts()]
        .iter()
        .map(|p| p.hosts.clone())
        .collect()
}

/// `konvoy-image provision IMAGE --inventory-file INV`, as a value.
#[derive(Clone, Debug, Default)]
pub struct ProvisionJob {
    /// Image, common file, overrides, version flags, extra vars.
    pub image: ImageRequest,
    /// Without an image file: each host the image of its OS (then
    /// `image.image` is not used).
    pub per_host: Option<image::PerHost>,
    /// `--inventory-file` sources.
    pub inventory: Vec<String>,
    /// The provisioning playbook; default: `playbooks/provision.yaml`
    /// under the current directory, else next to the image's `images/`.
    pub playbook: Option<PathBuf>,
    /// Everything else about the run.
    pub options: RunOptions,
}

impl ProvisionJob {
    /// The playbook this job runs.
    pub fn playbook_path(&self) -> PathBuf {
        if let Some(p) = &self.playbook {
            return p.clone();
        }
        let cwd = PathBuf::from("playbooks/provision.yaml");
        if cwd.exists() {
            return cwd;
        }
        let image = match &self.per_host {
            Some(p) => p.images.first().map(|(_, f)| f.as_path()),
            None => Some(self.image.image.as_path()),
        };
        image
            .and_then(Path::parent)
            .and_then(Path::parent)
            .and_then(Path::parent)
            .map(|root| root.join("playbooks/provision.yaml"))
            .unwrap_or(cwd)
    }

    /// Runs the provisioning playbook with the image configuration as
    /// extra vars (above everything but `--extra-vars` themselves, which
    /// are part of the image configuration's last layer). Keys of the
    /// image files that nothing reads are reported as warnings, and KIB
    /// features they ask for are refused ([`image::unread_keys`]).
    ///
    /// # Errors
    /// Problems found before the run; host failures are in the summary.
    pub fn run(&self, reporter: &dyn Reporter) -> Result<RunSummary, Error> {
        let loaded = match &self.per_host {
            Some(p) => Loaded::PerHost(image::load_per_host(&self.image, p)?),
            None => Loaded::One(image::load_config(&self.image)?),
        };
        let mut options = self.options.clone();
        options.extra_vars.extend(match &loaded {
            Loaded::One(config) => config.vars.clone(),
            Loaded::PerHost(configs) => configs.extra_vars.clone(),
        });
        let job = PlaybookJob {
            inventory: self.inventory.clone(),
            playbook: self.playbook_path(),
            extra_vars: Vec::new(),
            options,
        };
        let prepared = job.prepare_checked()?;
        let warnings = match &loaded {
            Loaded::One(config) => image::unread_keys(config, &prepared.reads),
            Loaded::PerHost(configs) => configs.unread_keys(&prepared.reads),
        }
        .map_err(image::ImageErrors)?;
        for w in &warnings {
            use crate::report::diagnostic::{render, Severity};
            reporter.event(&crate::report::Event::Diagnostic(Box::new(
                crate::report::DiagnosticEvent {
                    level: crate::report::DiagnosticLevel::Warning,
                    text: render(Severity::Warning, w, None),
                    span: crate::report::diagnostic::Diagnostic::span(w).cloned(),
                },
            )));
        }
        job.run_prepared(&prepared, reporter)
    }
}

/// The image configuration a provisioning run loaded.
enum Loaded {
    /// One image file for every host.
    One(image::ImageConfig),
    /// Each host the image of its OS.
    PerHost(image::PerHostConfigs),
}

/// Every static check a run makes on `pb` before touching a host: the
/// compiler's and [`plan::check`]'s errors (with `strict`, the gaps too),
/// each once, in file order. `--syntax-check` reports exactly these, so a
/// playbook it passes is never refused by the run.
pub fn static_errors(
    pb: &playbook::Playbook,
    inventory: &Inventory,
    extra: &Map,
    strict: bool,
) -> Vec<PlanError> {
    let compiled = plan::compile(pb);
    let checked = plan::check(pb, inventory, extra);
    refusals(&compiled, checked.errors, checked.warnings, strict).0
}

/// Merges the compiler's result with the static checks: `(errors,
/// warnings)`, errors deduplicated (both see an unknown module) and sorted
/// by place.
fn refusals<T>(
    compiled: &Result<T, PlanErrors>,
    checked: Vec<PlanError>,
    mut warnings: Vec<PlanError>,
    strict: bool,
) -> (Vec<PlanError>, Vec<PlanError>) {
    let mut errors = match compiled {
        Ok(_) => Vec::new(),
        Err(e) => e.0.clone(),
    };
    errors.extend(checked);
    if strict {
        // `--strict`: a gap (a module or option Ansible has and this
        // engine lacks, or a template that does not parse) refuses the
        // playbook instead of failing only the tasks hosts reach.
        let (gaps, rest) = warnings.into_iter().partition(|w| {
            matches!(
                w,
                PlanError::NotImplemented { .. } | PlanError::TemplateSyntax { .. }
            )
        });
        errors.extend::<Vec<PlanError>>(gaps);
        warnings = rest;
    }
    let mut kept: Vec<PlanError> = Vec::with_capacity(errors.len());
    for e in errors {
        if !kept.contains(&e) {
            kept.push(e);
        }
    }
    kept.sort_by(|a, b| a.span().cmp(&b.span()));
    (kept, warnings)
}
