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
        let inventory = Inventory::load(&self.inventory)?;
        let pb = playbook::load_playbook(&self.playbook)?;
        // Both `-e` values and extra vars set by the embedding job
        // (provisioning's image variables) are sources of names.
        let mut extra = self.options.extra_vars.clone();
        extra.extend(self.extra_vars()?);
        let compiled = plan::compile(&pb);
        let checked = plan::check(&pb, &inventory, &extra);
        let mut errors = match &compiled {
            Ok(_) => Vec::new(),
            Err(e) => e.0.clone(),
        };
        errors.extend(checked.errors);
        match compiled {
            Ok(plan) if errors.is_empty() => Ok(Prepared {
                inventory,
                plan,
                warnings: checked.warnings,
            }),
            _ => {
                errors.sort_by(|a, b| a.span().cmp(&b.span()));
                Err(PlanErrors(errors).into())
            }
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

/// A playbook job checked and compiled, not yet run.
#[derive(Debug)]
pub struct Prepared {
    /// The loaded inventory.
    pub inventory: Inventory,
    /// The compiled plan.
    pub plan: Plan,
    /// Static findings that do not stop the run (variables no source
    /// defines), for the caller to show.
    pub warnings: Vec<PlanError>,
}

/// `konvoy-image provision IMAGE --inventory-file INV`, as a value.
#[derive(Clone, Debug, Default)]
pub struct ProvisionJob {
    /// Image, common file, overrides, version flags, extra vars.
    pub image: ImageRequest,
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
        let image = match &self.image.image {
            image::ImageChoice::File(f) => Some(f.as_path()),
            image::ImageChoice::PerHost { images, .. } => images.first().map(|(_, f)| f.as_path()),
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
    /// are part of the image configuration's last layer).
    ///
    /// # Errors
    /// Problems found before the run; host failures are in the summary.
    pub fn run(&self, reporter: &dyn Reporter) -> Result<RunSummary, Error> {
        let vars = image::load(&self.image)?;
        let mut options = self.options.clone();
        options.extra_vars.extend(vars);
        let job = PlaybookJob {
            inventory: self.inventory.clone(),
            playbook: self.playbook_path(),
            extra_vars: Vec::new(),
            options,
        };
        job.run(reporter)
    }
}
