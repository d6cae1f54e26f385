//! `konvoy-image inventory`: what `ansible-inventory` 2.19 prints, without
//! `_meta.profile`. Warnings go to stderr as `[WARNING]: ...`.

use crate::args::InventoryArgs;
use anyhow::Context;
use engine::inventory::{Inventory, ListOptions, VarsView};
use std::io::Write;
use std::process::ExitCode;

pub(crate) fn run(args: &InventoryArgs) -> anyhow::Result<ExitCode> {
    let inv = Inventory::load(&args.inventory)?;
    let cwd = std::env::current_dir().ok();
    let opts = ListOptions {
        view: if args.export {
            VarsView::Export
        } else {
            VarsView::Merged
        },
        playbook_dir: args.playbook_dir.as_deref(),
        cwd: cwd.as_deref(),
        limit: args.limit.as_deref(),
        show_vars: args.vars,
    };
    let mut text = if let Some(host) = &args.host {
        inv.to_host_output(
            host,
            &ListOptions {
                limit: None,
                ..opts
            },
            args.yaml,
        )?
    } else if let Some(group) = &args.graph {
        inv.to_graph(group, &opts)?
    } else if args.yaml {
        inv.to_list_yaml(&opts)?
    } else {
        inv.to_list_json(&opts)?
    };
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for w in inv.warnings() {
        write!(err, "{}", warning_text(w))?;
    }
    // Ansible warns while it merges a host's vars: the merged view only.
    if !args.export && (args.graph.is_none() || args.vars) {
        for name in inv.reserved_var_names() {
            writeln!(err, "{}", reserved_name_warning(&name))?;
        }
    }
    if let (Some(limit), None) = (&args.limit, &args.host) {
        for item in inv.unmatched_patterns(limit)? {
            writeln!(
                err,
                "[WARNING]: Could not match supplied host pattern, ignoring: {item}"
            )?;
        }
    }
    match &args.output {
        Some(path) => std::fs::write(path, text.as_bytes())
            .with_context(|| format!("unable to write to destination file `{}`", path.display()))?,
        None => {
            if !text.ends_with('\n') {
                text.push('\n');
            }
            std::io::stdout().lock().write_all(text.as_bytes())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// An inventory warning as Ansible prints it: the first sentence, the
/// origin, then any advice.
pub(crate) fn warning_text(w: &engine::Warning) -> String {
    match (&w.span, w.message.split_once(". ")) {
        (Some(span), Some((first, rest))) => {
            format!("[WARNING]: {first}.\nOrigin: {span}\n\n{rest}\n\n")
        }
        (Some(span), None) => format!("[WARNING]: {}\nOrigin: {span}\n\n", w.message),
        (None, _) => format!("[WARNING]: {}\n", w.message),
    }
}

/// Ansible's warning for an inventory variable named like a keyword.
pub(crate) fn reserved_name_warning(name: &str) -> String {
    format!("[WARNING]: Found variable using reserved name '{name}'.")
}

/// The inventory's warnings for a `playbook` or `provision` run, as
/// ansible-playbook prints them (without the group-name one when
/// `force_valid_group_names = ignore`).
pub(crate) fn run_warnings(
    inv: &engine::inventory::Inventory,
    quiet_group_names: bool,
) -> Vec<String> {
    let mut out: Vec<String> = inv
        .warnings()
        .iter()
        .filter(|w| {
            !(quiet_group_names
                && w.message
                    .starts_with("Invalid characters were found in group names"))
        })
        .map(|w| {
            warning_text(w)
                .trim_end()
                .trim_start_matches("[WARNING]: ")
                .to_owned()
        })
        .collect();
    out.extend(
        inv.reserved_var_names()
            .iter()
            .map(|n| format!("Found variable using reserved name '{n}'.")),
    );
    out
}
