//! `konvoy-image provision [IMAGE] --inventory-file INV`: the original
//! tool's arguments, run natively. The image, overrides, `common.yaml` and
//! playbook come from disk when there, else from the binary
//! ([`crate::content`]). Without an image every host gets the image of its
//! own OS ([`engine::image::PerHost`]).

use super::playbook::{early_failure, register_secrets};
use crate::args::ProvisionArgs;
use crate::content::Content;
use crate::options::{self, Tags, View};
use crate::session::Session;
use engine::image::{ImageConfig, ImageErrors, ImageRequest, PerHost, PerHostConfigs};
use engine::inventory::Inventory;
use engine::job::PlaybookJob;
use engine::report::redact::is_secret_name;
use std::path::PathBuf;
use std::process::ExitCode;

pub(crate) fn run(args: &ProvisionArgs) -> anyhow::Result<ExitCode> {
    let mut extra_vars = Vec::new();
    if let Some(provider) = &args.provider {
        // KIB's `--provider`: the `packer_builder_type` extra var (only the
        // empty one is supported; see `refused_provider`).
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
    let resolved = match options::resolve(&args.run, &args.inventory, &Tags::default()) {
        Ok(r) => r,
        Err(e) => {
            return Ok(early_failure(
                &args.run,
                &View::default(),
                &extra_vars,
                e.into(),
            ))
        }
    };
    let mut content = Content::default();
    if args.run.print_config {
        let (req, per_host, _) = request(args, &mut content, &extra_vars)?;
        print!("{}", resolved.settings.render());
        match per_host {
            None => print!(
                "{}",
                render_variables(&engine::image::load_config(&req)?, None)
            ),
            Some(p) => {
                for (name, config) in &engine::image::load_per_host(&req, &p)?.images {
                    print!("{}", render_variables(config, Some(name)));
                }
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut options = match resolved.run_options(&args.run) {
        Ok(o) => o,
        Err(e) => return Ok(early_failure(&args.run, &resolved.view, &extra_vars, e)),
    };
    let session = Session::start(
        &args.run,
        &resolved.view,
        options.cancel.clone(),
        &extra_vars,
    )?;
    session.warn_text(&resolved.settings.warnings);
    register_secrets(&session, &options);
    let prepared = (|| -> anyhow::Result<_> {
        if let Some(err) = args.provider.as_deref().and_then(refused_provider) {
            anyhow::bail!(err);
        }
        let (req, per_host, playbook) = request(args, &mut content, &extra_vars)?;
        session.remove_on_forced_exit(content.extracted());
        let loaded = match &per_host {
            None => Loaded::One(engine::image::load_config(&req)?),
            Some(p) => Loaded::PerHost(engine::image::load_per_host(&req, p)?),
        };
        let record = match &loaded {
            Loaded::One(config) => {
                session.redactor().add_from(&config.vars);
                options.extra_vars.extend(config.vars.clone());
                variables_record(config)
            }
            Loaded::PerHost(configs) => {
                for (_, config) in &configs.images {
                    session.redactor().add_from(&config.vars);
                }
                options.extra_vars.extend(configs.extra_vars.clone());
                let images: serde_json::Map<String, serde_json::Value> = configs
                    .images
                    .iter()
                    .map(|(name, config)| (name.clone(), variables_record(config)))
                    .collect();
                serde_json::json!({ "images": images })
            }
        };
        if let Some(log) = session.runlog() {
            log.json("variables.json", record)?;
        }
        let job = PlaybookJob {
            inventory: resolved.inventory(),
            playbook,
            extra_vars: Vec::new(),
            options: options.clone(),
        };
        // The inventory's warnings come first, also when the run then
        // stops (a --limit that matches nothing), as in ansible-playbook.
        let inventory = Inventory::load(&job.inventory).map_err(engine::Error::from)?;
        session.warn_text(&super::inventory::run_warnings(
            &inventory,
            resolved.settings.values.quiet_group_names,
        ));
        let prepared = job.prepare_with(inventory)?;
        let key_warnings = match &loaded {
            Loaded::One(config) => engine::image::unread_keys(config, &prepared.reads),
            Loaded::PerHost(configs) => configs.unread_keys(&prepared.reads),
        }
        .map_err(ImageErrors)?;
        session.record_inventory(&prepared.inventory, &prepared.plan.playbook_dir)?;
        Ok((job, prepared, key_warnings))
    })();
    let (job, prepared, key_warnings) = match prepared {
        Ok(p) => p,
        Err(e) => return Ok(session.fail(&e)),
    };
    session.warn_diagnostics(&key_warnings);
    session.warn_text(&prepared.host_warnings);
    session.warn(&prepared.warnings);
    let outcome = job.run_prepared(&prepared, &*session.reporter());
    let code = match outcome {
        Ok(summary) => session.finish(&summary, &args.run),
        Err(e) => session.fail(&e.into()),
    };
    drop(content);
    Ok(code)
}

/// The image configuration a run loaded.
enum Loaded {
    /// One image file for every host.
    One(ImageConfig),
    /// Each host the image of its OS.
    PerHost(PerHostConfigs),
}

/// The image request (with every image, without an image file) and the
/// playbook, from disk or the binary.
fn request(
    args: &ProvisionArgs,
    content: &mut Content,
    extra_vars: &[String],
) -> anyhow::Result<(ImageRequest, Option<PerHost>, PathBuf)> {
    let (image, common, per_host) = if args.image.is_some() || args.os.is_some() {
        let (image, builtin) = content.image(args.image.as_deref(), args.os.as_deref())?;
        let common = content.common_for(&image, builtin)?;
        (image, common, None)
    } else {
        let per_host = PerHost {
            images: content.per_host_images()?,
            vars_dir: content.private_dir("host-images")?,
        };
        (PathBuf::new(), content.common()?, Some(per_host))
    };
    let overrides = args
        .overrides
        .iter()
        .map(|o| content.override_file(o))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let image_file = per_host.is_none().then_some(image.as_path());
    let playbook = content.playbook(args.playbook.as_deref(), image_file)?;
    Ok((
        ImageRequest {
            image,
            common,
            overrides,
            kubernetes_version: args.kubernetes_version.clone(),
            containerd_version: args.containerd_version.clone(),
            extra_vars: extra_vars.to_vec(),
        },
        per_host,
        playbook,
    ))
}

/// The error for a non-empty `--provider` (the flag named, rather than
/// the extra var it becomes).
fn refused_provider(provider: &str) -> Option<String> {
    let (_, reason) = engine::image::KIB_KEYS
        .iter()
        .find(|(k, _)| *k == "packer_builder_type")?;
    (!provider.trim().is_empty()).then(|| {
        format!(
            "--provider {provider}: `packer_builder_type` is a konvoy-image-builder setting that \
             konvoy-image does not implement: {reason}; leave --provider empty for machines that \
             already run"
        )
    })
}

/// `--print-config`'s variables: each merged variable, its value (JSON;
/// secrets masked) and where it was set last (of image `name`, without an
/// image file).
fn render_variables(config: &ImageConfig, name: Option<&str>) -> String {
    let mut out = match name {
        None => String::from("\nvariables (image, overrides, flags; later wins):\n"),
        Some(n) => format!("\nvariables of image {n} (image, overrides, flags; later wins):\n"),
    };
    for (k, v) in &config.vars {
        let value = if is_secret_name(k) {
            "\"********\"".to_owned()
        } else {
            v.to_serde_json().to_string()
        };
        let origin = config.origins.get(k).map_or("", String::as_str);
        out.push_str(&format!("  {k} = {value}  ({origin})\n"));
    }
    out
}

/// `variables.json`: every merged variable with the place that set it
/// last (a file's `path:line:column`, a version flag, `--extra-vars`, or
/// derived).
fn variables_record(config: &ImageConfig) -> serde_json::Value {
    let layers: Vec<String> = config
        .files
        .iter()
        .map(|f| f.display().to_string())
        .collect();
    let variables: serde_json::Map<String, serde_json::Value> = config
        .vars
        .iter()
        .map(|(k, v)| {
            let mut entry = serde_json::Map::new();
            entry.insert("value".into(), v.to_serde_json());
            entry.insert(
                "source".into(),
                config.origins.get(k).cloned().unwrap_or_default().into(),
            );
            (k.clone(), serde_json::Value::Object(entry))
        })
        .collect();
    serde_json::json!({ "layers": layers, "variables": variables })
}
