//! The inventory-side levels of Ansible's variable precedence (levels 3-10,
//! lowest first), as `VariableManager.get_vars` applies them:
//!
//! 3. `all_inventory`: vars of `all` written in inventory files;
//! 4. `groups_inventory`: other groups' inventory-file vars;
//! 5. `all_plugins_inventory`: `group_vars/all` beside each source;
//! 6. `all_plugins_play`: `group_vars/all` beside the playbook;
//! 7. `groups_plugins_inventory`: `group_vars/<g>` beside each source
//!    (sources outer, groups inner);
//! 8. `groups_plugins_play`: `group_vars/<g>` beside the playbook;
//! 9. host vars from inventory files, then `host_vars/` beside each source;
//! 10. `host_vars/` beside the playbook.
//!
//! Groups are applied in (depth, `ansible_group_priority`, name) order, so
//! within one level the deeper group wins; across levels the level wins
//! (`group_vars/all.yml` beats `[web:vars]`). Merging is Ansible's default
//! `hash_behaviour=replace`: a later key replaces the whole value.

use super::error::InventoryError;
use super::model::{Data, GroupId, HostId, ALL};
use super::vars_files::VarsDir;
use crate::source::Warning;
use crate::value::Map;
use std::path::Path;

/// The `group_vars`/`host_vars` of one base directory, per group and host.
#[derive(Debug, Clone, Default)]
pub(crate) struct Layer {
    groups: Vec<Map>,
    hosts: Vec<Map>,
}

impl Layer {
    /// Loads the vars files under `base` for every group and host of `data`.
    pub(crate) fn load(
        base: &Path,
        data: &Data,
        warnings: &mut Vec<Warning>,
    ) -> Result<Option<Layer>, InventoryError> {
        let dir = VarsDir::open(base, warnings)?;
        if dir.is_empty() {
            return Ok(None);
        }
        let mut layer = Layer::default();
        for name in data.groups.keys() {
            layer.groups.push(dir.group(name, warnings)?);
        }
        for name in data.hosts.keys() {
            layer.hosts.push(dir.host(name, warnings)?);
        }
        Ok(Some(layer))
    }

    pub(crate) fn group(&self, g: GroupId) -> &Map {
        &self.groups[g]
    }

    /// Every group's and host's vars in this layer.
    pub(crate) fn maps(&self) -> impl Iterator<Item = &Map> {
        self.groups.iter().chain(&self.hosts)
    }

    pub(crate) fn host(&self, h: HostId) -> &Map {
        &self.hosts[h]
    }
}

fn extend(out: &mut Map, from: &Map) {
    for (k, v) in from {
        out.insert(k.clone(), v.clone());
    }
}

/// Levels 3-8 for a host whose groups (without `all`, sorted) are `groups`.
pub(crate) fn group_levels(
    data: &Data,
    groups: &[GroupId],
    inventory: &[Layer],
    play: Option<&Layer>,
) -> Map {
    let mut out = data.groups[ALL].vars.clone();
    for &g in groups {
        extend(&mut out, &data.groups[g].vars);
    }
    for layer in inventory {
        extend(&mut out, layer.group(ALL));
    }
    if let Some(play) = play {
        extend(&mut out, play.group(ALL));
    }
    for layer in inventory {
        for &g in groups {
            extend(&mut out, layer.group(g));
        }
    }
    if let Some(play) = play {
        for &g in groups {
            extend(&mut out, play.group(g));
        }
    }
    out
}

/// Adds levels 9-10 of host `h` on top of `out`.
pub(crate) fn host_levels(
    out: &mut Map,
    data: &Data,
    h: HostId,
    inventory: &[Layer],
    play: Option<&Layer>,
) {
    extend(out, &data.hosts[h].vars);
    for layer in inventory {
        extend(out, layer.host(h));
    }
    if let Some(play) = play {
        extend(out, play.host(h));
    }
}

/// Variables Ansible computes itself; `ansible-inventory` drops them from
/// what it prints (`INTERNAL_STATIC_VARS`).
pub(crate) fn is_internal(key: &str) -> bool {
    matches!(
        key,
        "ansible_async_path"
            | "ansible_collection_name"
            | "ansible_config_file"
            | "ansible_dependent_role_names"
            | "ansible_diff_mode"
            | "ansible_facts"
            | "ansible_forks"
            | "ansible_inventory_sources"
            | "ansible_limit"
            | "ansible_play_batch"
            | "ansible_play_hosts"
            | "ansible_play_hosts_all"
            | "ansible_play_role_names"
            | "ansible_playbook_python"
            | "ansible_role_name"
            | "ansible_role_names"
            | "ansible_run_tags"
            | "ansible_skip_tags"
            | "ansible_verbosity"
            | "ansible_version"
            | "inventory_dir"
            | "inventory_file"
            | "inventory_hostname"
            | "inventory_hostname_short"
            | "groups"
            | "group_names"
            | "hostvars"
            | "playbook_dir"
            | "play_hosts"
            | "role_name"
            | "role_names"
            | "role_path"
            | "role_uuid"
    )
}

/// Removes the [`is_internal`] variables from `vars`.
pub(crate) fn remove_internal(vars: &mut Map) {
    vars.retain(|k, _| !is_internal(k));
}

/// Names Ansible reserves for play, role, block and task keywords and
/// template globals; a variable with one of these names gets a warning
/// ("Found variable using reserved name").
pub(crate) fn is_reserved(name: &str) -> bool {
    matches!(
        name,
        "action"
            | "always"
            | "any_errors_fatal"
            | "args"
            | "async"
            | "async_val"
            | "become"
            | "become_exe"
            | "become_flags"
            | "become_method"
            | "become_user"
            | "block"
            | "changed_when"
            | "check_mode"
            | "collections"
            | "connection"
            | "cycler"
            | "debugger"
            | "delay"
            | "delegate_facts"
            | "delegate_to"
            | "dict"
            | "diff"
            | "environment"
            | "fact_path"
            | "failed_when"
            | "force_handlers"
            | "gather_facts"
            | "gather_timeout"
            | "handlers"
            | "hosts"
            | "ignore_errors"
            | "ignore_unreachable"
            | "joiner"
            | "lipsum"
            | "local_action"
            | "lookup"
            | "loop"
            | "loop_control"
            | "loop_with"
            | "max_fail_percentage"
            | "module_defaults"
            | "name"
            | "namespace"
            | "no_log"
            | "notify"
            | "now"
            | "omit"
            | "order"
            | "poll"
            | "port"
            | "post_tasks"
            | "pre_tasks"
            | "q"
            | "query"
            | "range"
            | "register"
            | "remote_user"
            | "rescue"
            | "retries"
            | "roles"
            | "run_once"
            | "serial"
            | "strategy"
            | "tags"
            | "tasks"
            | "throttle"
            | "timeout"
            | "undef"
            | "until"
            | "vars_files"
            | "vars_prompt"
            | "when"
            | "with_"
    )
}
