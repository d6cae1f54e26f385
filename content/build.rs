//! Generates `content.rs`: one `include_bytes!` per file of `playbooks/`
//! and `images/` (sorted, `/`-separated paths relative to the repository
//! root), and `KONVOY_GIT_COMMIT`. Cargo reruns it when a file in those
//! trees changes or the checkout moves to another commit.

use std::path::{Path, PathBuf};
use std::process::Command;

const TREES: &[&str] = &["playbooks", "images"];

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest
        .parent()
        .expect("content/ sits in the repository")
        .to_path_buf();
    let mut files = Vec::new();
    for tree in TREES {
        let dir = root.join(tree);
        println!("cargo:rerun-if-changed={}", dir.display());
        walk(&dir, &mut files);
    }
    files.sort();
    let mut src = String::from(
        "/// Every embedded file: (path relative to the repository root, bytes), sorted by path.\n\
         pub static FILES: &[(&str, &[u8])] = &[\n",
    );
    for f in &files {
        let rel = f
            .strip_prefix(&root)
            .expect("under the root")
            .to_string_lossy()
            .replace('\\', "/");
        src.push_str(&format!(
            "    ({rel:?}, include_bytes!({:?})),\n",
            f.display().to_string()
        ));
    }
    src.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("content.rs");
    std::fs::write(out, src).expect("write content.rs");
    println!("cargo:rustc-env=KONVOY_GIT_COMMIT={}", commit(&root));
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp") {
            continue;
        }
        if p.is_dir() {
            walk(&p, out);
        } else if p.is_file() {
            out.push(p);
        }
    }
}

fn git(root: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(root)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The commit, and the files that move when it does (for rerun).
fn commit(root: &Path) -> String {
    let Some(hash) = git(root, &["rev-parse", "--short=12", "HEAD"]) else {
        return "unknown".into();
    };
    if let Some(git_dir) = git(root, &["rev-parse", "--absolute-git-dir"]) {
        println!("cargo:rerun-if-changed={git_dir}/HEAD");
        let common = git(root, &["rev-parse", "--git-common-dir"])
            .map(|c| root.join(c))
            .unwrap_or_else(|| PathBuf::from(&git_dir));
        if let Some(r) = git(root, &["symbolic-ref", "-q", "HEAD"]) {
            let reference = common.join(&r);
            if reference.exists() {
                println!("cargo:rerun-if-changed={}", reference.display());
            }
        }
        let packed = common.join("packed-refs");
        if packed.exists() {
            println!("cargo:rerun-if-changed={}", packed.display());
        }
    }
    hash
}
