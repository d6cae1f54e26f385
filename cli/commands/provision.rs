//! `konvoy-image provision IMAGE --inventory-file INV`: the original
//! tool's arguments, run natively.

use super::playbook::{finish, reporter, run_options};
use crate::args::ProvisionArgs;
use engine::image::ImageRequest;
use engine::job::ProvisionJob;
use std::process::ExitCode;

pub(crate) fn run(args: &ProvisionArgs) -> anyhow::Result<ExitCode> {
    let mut extra_vars = args.extra_vars.clone();
    if let Some(url) = &args.registry_mirror_url {
        extra_vars.push(serde_json::json!({ "registry_mirror_url": url }).to_string());
    }
    if let Some(ca) = &args.registry_mirror_cacert {
        let abs = std::fs::canonicalize(ca).unwrap_or_else(|_| ca.clone());
        extra_vars.push(
            serde_json::json!({ "registry_mirror_cacert": abs.display().to_string() }).to_string(),
        );
    }
    let job = ProvisionJob {
        image: ImageRequest {
            image: args.image.clone(),
            common: None,
            overrides: args.overrides.clone(),
            kubernetes_version: args.kubernetes_version.clone(),
            containerd_version: args.containerd_version.clone(),
            extra_vars,
        },
        inventory: args.inventory.clone(),
        playbook: args.playbook.clone(),
        options: run_options(&args.run)?,
    };
    let summary = job.run(&reporter(&args.run)?)?;
    Ok(finish(&summary, &args.run))
}
