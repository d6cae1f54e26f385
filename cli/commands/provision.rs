//! `konvoy-image provision [IMAGE] --inventory-file INV`: the original
//! tool's arguments, run natively. The image, overrides, `common.yaml` and
//! playbook come from disk when there, else from the binary
//! ([`crate::content`]). Without an image every host gets the image of its
//! own OS (`engine::image::ImageChoice::PerHost`).

use super::playbook::{register_secrets, run_options};
use crate::args::ProvisionArgs;
use crate::content::Content;
use crate::session::Session;
use engine::image::{ImageChoice, ImageRequest};
use engine::job::PlaybookJob;
use engine::report::NoLogTasks;
use engine::value::{Map, Value};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub(crate) fn run(args: &ProvisionArgs) -> anyhow::Result<ExitCode> {
    let mut extra_vars = Vec::new();
    if let Some(provider) = &args.provider {
        // KIB's `--provider`: the `packer_builder_type` extra var (only
        // the empty value is supported; see `refused_provider`).
        extra_vars.push(serde_json::json!({ "packer_builder_type": provider }).to_string());
    }
    extra_vars.extend(args.extra_vars.iter().cloned());
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
        if let Some(err) = args.provider.as_deref().and_then(refused_provider) {
            return Err(err.into());
        }
        let (image, common) = if args.image.is_some() || args.os.is_some() {
            let (image, builtin) = content.image(args.image.as_deref(), args.os.as_deref())?;
            let common = content.common_for(&image, builtin)?;
            (ImageChoice::File(image), common)
        } else {
            let images = content.per_host_images()?;
            let common = content.common()?;
            let vars_dir = content.private_dir("host-images")?;
            (ImageChoice::PerHost { images, vars_dir }, common)
        };
        let overrides = args
            .overrides
            .iter()
            .map(|o| content.override_file(o))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let image_file = match &image {
            ImageChoice::File(f) => Some(f.clone()),
            ImageChoice::PerHost { .. } => None,
        };
        let playbook = content.playbook(args.playbook.as_deref(), image_file.as_deref())?;
        session.remove_on_forced_exit(content.extracted());
        let req = ImageRequest {
            image,
            common,
            overrides,
            kubernetes_version: args.kubernetes_version.clone(),
            containerd_version: args.containerd_version.clone(),
            extra_vars,
        };
        let resolved = engine::image::resolve(&req)?;
        for (_, vars) in &resolved.images {
            session.redactor().add_from(vars);
        }
        if let Some(log) = session.runlog() {
            log.json("variables.json", variables_record(&req, &resolved))?;
        }
        options.extra_vars.extend(resolved.extra_vars);
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
    let reporter = NoLogTasks::new(&prepared.plan, session.reporter());
    let outcome = job.run_prepared(&prepared, &reporter);
    drop(reporter);
    let code = match outcome {
        Ok(summary) => session.finish(&summary, &args.run),
        Err(e) => session.fail(&e.into()),
    };
    drop(content);
    Ok(code)
}

/// The error for a non-empty `--provider` (named as the flag, not as the
/// extra var it becomes).
fn refused_provider(provider: &str) -> Option<engine::image::ImageError> {
    let (why, instead) = engine::image::refusal_reason("packer_builder_type")?;
    (!provider.trim().is_empty()).then(|| engine::image::ImageError::Refused {
        key: "packer_builder_type",
        when: "(`--provider`) set",
        why,
        instead,
        place: format!("--provider {provider}"),
        span: None,
    })
}

/// The layers of one image's configuration in load order, as KIB merges
/// them: `common.yaml`, the image, each override.
fn layers(req: &ImageRequest, image: &Path) -> Vec<PathBuf> {
    let common = req.common.clone().or_else(|| {
        let c = image.parent()?.parent()?.join("common.yaml");
        c.exists().then_some(c)
    });
    common
        .into_iter()
        .chain(std::iter::once(image.to_path_buf()))
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
/// last (a file, a version flag, `--extra-vars`, or derived). Without an
/// image file, one such record per image under `images`.
fn variables_record(req: &ImageRequest, resolved: &engine::image::ImageVars) -> serde_json::Value {
    match &req.image {
        ImageChoice::File(image) => image_record(req, image, &resolved.extra_vars),
        ImageChoice::PerHost { images, .. } => {
            let per_image: serde_json::Map<String, serde_json::Value> = images
                .iter()
                .zip(&resolved.images)
                .map(|((name, file), (_, vars))| (name.clone(), image_record(req, file, vars)))
                .collect();
            serde_json::json!({ "images": per_image })
        }
    }
}

/// One image's record (see [`variables_record`]).
fn image_record(req: &ImageRequest, image: &Path, vars: &Map) -> serde_json::Value {
    let mut source: std::collections::HashMap<String, String> = Default::default();
    let layers = layers(req, image);
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
