//! The provisioning content built into the binary (`konvoy-content`):
//! where `provision` finds its image, overrides, `common.yaml` and
//! playbook when they are not on disk.
//!
//! Files on disk win: a path that exists is used as given. A path that
//! does not exist but names a built-in file (`images/generic/centos-8.yaml`),
//! a bare image name (`centos-8`) or a bare override name (`proxy`) comes
//! from the binary. Built-in files are written to a private directory
//! (mode 0700) for the run, so the engine loads them exactly as it loads
//! files on disk and error messages can point into them; the directory is
//! removed when the run ends.

use anyhow::{bail, Context};
use std::path::{Path, PathBuf};

/// The built-in image names (`images/generic/<name>.yaml`).
pub(crate) fn image_names() -> Vec<&'static str> {
    konvoy_content::FILES
        .iter()
        .filter_map(|(p, _)| p.strip_prefix("images/generic/")?.strip_suffix(".yaml"))
        .collect()
}

/// The built-in file at `rel` as text.
pub(crate) fn text(rel: &str) -> Option<&'static str> {
    std::str::from_utf8(konvoy_content::get(rel)?).ok()
}

/// Resolves provisioning inputs (see the module docs); owns the private
/// copy of the built-in tree, made on first use.
#[derive(Default)]
pub(crate) struct Content {
    root: Option<PathBuf>,
}

impl Content {
    /// The private copy of the built-in tree (written on first call).
    fn root(&mut self) -> anyhow::Result<&Path> {
        if self.root.is_none() {
            self.root = Some(extract()?);
        }
        Ok(self.root.as_deref().expect("set above"))
    }

    /// Where the private copy is, if one was made (to remove it when the
    /// process must end without running destructors).
    pub(crate) fn extracted(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    fn builtin(&mut self, rel: &str) -> anyhow::Result<Option<PathBuf>> {
        if konvoy_content::get(rel).is_none() {
            return Ok(None);
        }
        Ok(Some(self.root()?.join(rel)))
    }

    /// Every built-in image name with its file: `images/generic/<name>.yaml`
    /// on disk when there, else the built-in one (for provisioning each
    /// host with the image of its OS).
    pub(crate) fn per_host_images(&mut self) -> anyhow::Result<Vec<(String, PathBuf)>> {
        let mut out = Vec::new();
        for name in image_names() {
            let rel = format!("images/generic/{name}.yaml");
            let path = if Path::new(&rel).exists() {
                PathBuf::from(rel)
            } else {
                self.builtin(&rel)?
                    .context("a built-in image is embedded")?
            };
            out.push((name.to_owned(), path));
        }
        Ok(out)
    }

    /// `images/common.yaml` on disk, else the built-in one (for
    /// [`Content::per_host_images`]).
    pub(crate) fn common(&mut self) -> anyhow::Result<Option<PathBuf>> {
        let rel = Path::new("images/common.yaml");
        if rel.exists() {
            return Ok(Some(rel.to_path_buf()));
        }
        self.builtin("images/common.yaml")
    }

    /// The private directory of this run (made on first use).
    pub(crate) fn private_dir(&mut self, name: &str) -> anyhow::Result<PathBuf> {
        let dir = self.root()?.join(name);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(dir)
    }

    /// The image file: `given` on disk, a built-in path, or a name.
    pub(crate) fn image(
        &mut self,
        given: Option<&Path>,
        os: Option<&str>,
    ) -> anyhow::Result<(PathBuf, bool)> {
        if let Some(p) = given.filter(|p| p.exists()) {
            return Ok((p.to_path_buf(), false));
        }
        let text = match (given, os) {
            (Some(p), _) => p.display().to_string(),
            (None, Some(name)) => name.to_owned(),
            (None, None) => bail!("no image given: pass an image file or `--os NAME`"),
        };
        let rel = normalise(&text);
        if let Some(p) = self.builtin(&rel)? {
            return Ok((p, true));
        }
        if !rel.contains('/') {
            let name = rel.strip_suffix(".yaml").unwrap_or(&rel);
            let generic = format!("images/generic/{name}.yaml");
            if Path::new(&generic).exists() {
                return Ok((PathBuf::from(generic), false));
            }
            if let Some(p) = self.builtin(&generic)? {
                return Ok((p, true));
            }
        }
        bail!(
            "image `{text}` not found: no such file, and no built-in image of that name \
             (built in: {})",
            image_names().join(", ")
        )
    }

    /// An `--overrides` file: on disk, a built-in path, or a name
    /// (`proxy` for `images/overrides/proxy.yaml`).
    pub(crate) fn override_file(&mut self, given: &Path) -> anyhow::Result<PathBuf> {
        if given.exists() {
            return Ok(given.to_path_buf());
        }
        let rel = normalise(&given.display().to_string());
        if let Some(p) = self.builtin(&rel)? {
            return Ok(p);
        }
        if !rel.contains('/') {
            let name = rel.strip_suffix(".yaml").unwrap_or(&rel);
            if let Some(p) = self.builtin(&format!("images/overrides/{name}.yaml"))? {
                return Ok(p);
            }
        }
        // Missing: the image loader reports it with its path.
        Ok(given.to_path_buf())
    }

    /// `common.yaml` for an image on disk that has none beside its
    /// `images/` folder: the built-in one (KIB always loads one).
    pub(crate) fn common_for(
        &mut self,
        image: &Path,
        builtin: bool,
    ) -> anyhow::Result<Option<PathBuf>> {
        if builtin {
            return Ok(None);
        }
        let beside = image
            .parent()
            .and_then(Path::parent)
            .map(|d| d.join("common.yaml"));
        if beside.is_some_and(|c| c.exists()) {
            return Ok(None);
        }
        self.builtin("images/common.yaml")
    }

    /// The playbook: `given`, else `playbooks/provision.yaml` in the
    /// working directory or next to the image's tree, else the built-in.
    pub(crate) fn playbook(
        &mut self,
        given: Option<&Path>,
        image: Option<&Path>,
    ) -> anyhow::Result<PathBuf> {
        if let Some(p) = given {
            return Ok(p.to_path_buf());
        }
        let cwd = PathBuf::from("playbooks/provision.yaml");
        if cwd.exists() {
            return Ok(cwd);
        }
        if let Some(p) = image
            .and_then(Path::parent)
            .and_then(Path::parent)
            .and_then(Path::parent)
            .map(|root| root.join("playbooks/provision.yaml"))
            .filter(|p| p.exists())
        {
            return Ok(p);
        }
        self.builtin("playbooks/provision.yaml")?
            .context("the binary has no built-in playbooks/provision.yaml")
    }
}

impl Drop for Content {
    fn drop(&mut self) {
        if let Some(root) = &self.root {
            let _ = std::fs::remove_dir_all(root);
        }
    }
}

/// `./a/b` → `a/b`.
fn normalise(text: &str) -> String {
    text.trim_start_matches("./").to_owned()
}

/// Writes every built-in file under a new private directory.
fn extract() -> anyhow::Result<PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let root = std::env::temp_dir().join(format!(
        "konvoy-image-content-{}-{nanos:08x}",
        std::process::id()
    ));
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&root)
        .with_context(|| format!("creating {}", root.display()))?;
    for (rel, bytes) in konvoy_content::FILES {
        let path = root.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(root)
}
