//! `konvoy-image provision IMAGE --inventory-file INV`: the original
//! tool's arguments, run natively. The image, overrides, `common.yaml` and
//! playbook come from disk when there, else from the binary
//! ([`crate::content`]).

use super::playbook::{register_secrets, run_options};
use crate::args::ProvisionArgs;
use crate::content::Content;
use crate::session::Session;
use engine::image::ImageRequest;
use engine::job::PlaybookJob;
use engine::value::{Map, Value};
use std::path::{Path, PathBuf};
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
    let mut options = run_options(&args.run)?;
    let session = Session::start(&args.run, options.cancel.clone(), &extra_vars)?;
    register_secrets(&session, &options);
    let mut content = Content::default();
    let prepared = (|| -> anyhow::Result<_> {
        let (image, builtin) = content.image(args.image.as_deref(), args.os.as_deref())?;
        let common = content.common_for(&image, builtin)?;
        let overrides = args
            .overrides
            .iter()
            .map(|o| content.override_file(o))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let playbook = content.playbook(args.playbook.as_deref(), &image)?;
        session.remove_on_forced_exit(content.extracted());
        let req = ImageRequest {
            image,
            common,
            overrides,
            kubernetes_version: args.kubernetes_version.clone(),
            containerd_version: args.containerd_version.clone(),
            extra_vars,
        };
        let vars = engine::image::load(&req)?;
        session.redactor().add_from(&vars);
        if let Some(log) = session.runlog() {
            log.json("variables.json", variables_record(&req, &vars))?;
        }
        options.extra_vars.extend(vars);
        let job = PlaybookJob {
            inventory: args.inventory.clone(),
            playbook,
            extra_vars: Vec::new(),
            options: options.clone(),
        };
        let prepared = job.prepare_checked()?;
        session.record_inventory(&prepared.inventory, &prepared.plan.playbook_dir)?;
        Ok((job, prepared))
    })();
    let (job, prepared) = match prepared {
        Ok(p) => p,
        Err(e) => return Ok(session.fail(&e)),
    };
    session.warn(&prepared.warnings);
    let outcome = job.run_prepared(&prepared, &*session.reporter());
    let code = match outcome {
        Ok(summary) => session.finish(&summary, &args.run),
        Err(e) => session.fail(&e.into()),
    };
    drop(content);
    Ok(code)
}

/// The layers of the image configuration in load order, as KIB merges
/// them: `common.yaml`, the image, each override.
fn layers(req: &ImageRequest) -> Vec<PathBuf> {
    let common = req.common.clone().or_else(|| {
        let c = req.image.parent()?.parent()?.join("common.yaml");
        c.exists().then_some(c)
    });
    common
        .into_iter()
        .chain(std::iter::once(req.image.clone()))
        .chain(req.overrides.iter().cloned())
        .collect()
}

fn top_keys(path: &Path) -> Vec<String> {
    match engine::yaml::load_file(path)
        .ok()
        .and_then(|l| l.single().0)
        .map(|n| n.to_value())
    {
        Some(Value::Map(m)) => m.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// `variables.json`: every merged variable with the layer that set it
/// last (a file, a version flag, `--extra-vars`, or derived).
fn variables_record(req: &ImageRequest, vars: &Map) -> serde_json::Value {
    let mut source: std::collections::HashMap<String, String> = Default::default();
    let layers = layers(req);
    for layer in &layers {
        for k in top_keys(layer) {
            source.insert(k, layer.display().to_string());
        }
    }
    source.insert(
        "kubernetes_full_version".into(),
        "derived from kubernetes_version (+ kubernetes_build_metadata)".into(),
    );
    if req.kubernetes_version.is_some() {
        source.insert("kubernetes_version".into(), "--kubernetes-version".into());
    }
    if req.containerd_version.is_some() {
        source.insert("containerd_version".into(), "--containerd-version".into());
    }
    for e in &req.extra_vars {
        if let Ok(m) = engine::image::parse_extra_vars(e) {
            for k in m.keys() {
                source.insert(k.clone(), "--extra-vars".into());
            }
        }
    }
    let variables: serde_json::Map<String, serde_json::Value> = vars
        .iter()
        .map(|(k, v)| {
            let mut entry = serde_json::Map::new();
            entry.insert("value".into(), v.to_serde_json());
            entry.insert(
                "source".into(),
                source.get(k).cloned().unwrap_or_default().into(),
            );
            (k.clone(), serde_json::Value::Object(entry))
        })
        .collect();
    serde_json::json!({
        "layers": layers.iter().map(|l| l.display().to_string()).collect::<Vec<_>>(),
        "variables": variables,
    })
}
