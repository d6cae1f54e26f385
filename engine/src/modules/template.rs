//! `template`: render a Jinja template from the controller and install
//! the result as `copy` installs `content`: one probe for the
//! destination's sha1, one command to write it when it differs.
//!
//! Supported: `src` (searched in the role's `templates/` and the other
//! search paths), `dest`, `mode`, `owner`, `group`, `backup`, `force`,
//! `follow`; `unsafe_writes` is accepted and ignored. The variables
//! Ansible adds for a template are set too (see
//! [`crate::template::template_vars`]).

use super::args::{ArgError, ArgMap};
use super::attrs::Attrs;
use super::context::ModuleContext;
use super::copy::{basename, batch_probe, install, CopyArgs, Payload, Source};
use super::outcome::{ModuleError, Outcome};
use super::Module;

/// The `template` module (arguments are `copy`'s, with `src` a template).
pub struct TemplateModule;

impl Module for TemplateModule {
    type Args = CopyArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<CopyArgs, ArgError> {
        let parsed = CopyArgs {
            source: Source::Local(args.required_str(&["src"])?),
            dest: args.required_str(&["dest"])?,
            attrs: Attrs {
                mode: args.mode(&["mode"])?,
                owner: args.str(&["owner"])?,
                group: args.str(&["group"])?,
            },
            backup: args.bool(&["backup"])?.unwrap_or(false),
            force: args.bool(&["force"])?.unwrap_or(true),
            follow: args.bool(&["follow"])?.unwrap_or(false),
            validate: args.str(&["validate"])?,
            directory_mode: None,
            local_follow: None,
            preserve: false,
            decrypt: true,
        };
        args.ignore(&["unsafe_writes"]);
        args.finish(&[
            "src", "dest", "mode", "owner", "group", "backup", "force", "follow", "validate",
        ])?;
        Ok(parsed)
    }

    fn probes(a: &CopyArgs) -> Vec<String> {
        vec![batch_probe(a)]
    }

    fn run(a: &CopyArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let Source::Local(src) = &a.source else {
            return Ok(Outcome::failed("template needs a controller-side `src`"));
        };
        let path = ctx.find_local(src)?;
        let text = std::fs::read_to_string(&path).map_err(|e| ModuleError::LocalFile {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let full = path.display().to_string();
        let mut vars = ctx.vars.clone();
        let added = crate::template::template_vars::template_vars(src, &path, Some(&a.dest));
        for (k, v) in added {
            if k != "ansible_managed" || !matches!(ctx.vars.get(k), Ok(Some(_))) {
                vars = vars.with(k, v);
            }
        }
        let rendered = ctx
            .templar
            .render_template(&text, &full, &vars)
            .map_err(|e| ModuleError::Template(e.to_string()))?;
        let p = Payload {
            data: rendered.as_bytes(),
            src: Some(&full),
            basename: basename(src),
        };
        install(ctx, a, p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    #[test]
    fn parse_needs_src_and_dest() {
        let mut m = ArgMap::new(
            [("src".to_owned(), Value::from("a.j2"))]
                .into_iter()
                .collect(),
        );
        assert!(TemplateModule::parse(&mut m)
            .unwrap_err()
            .to_string()
            .contains("dest"));
        let mut m = ArgMap::new(
            [
                ("src".to_owned(), Value::from("a.j2")),
                ("dest".to_owned(), Value::from("/etc/a")),
                ("mode".to_owned(), Value::from("0640")),
            ]
            .into_iter()
            .collect(),
        );
        let a = TemplateModule::parse(&mut m).unwrap();
        assert_eq!(a.source, Source::Local("a.j2".into()));
    }
}
