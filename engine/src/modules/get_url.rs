//! `get_url`: download a file on the host, verified, only when needed.
//!
//! Supported: `url`, `dest` (a file, or a directory: the URL's last path
//! segment is the name), `checksum` (`algo:hex`, or `algo:URL` of a
//! checksum file whose line for the file — or only line — is used),
//! `force`, `mode`/`owner`/`group`, `headers`, `timeout` (default 10 s),
//! `validate_certs`, `tmp_dest`. The download runs on the host with `curl`
//! (or `wget`), so the task's `environment` proxies apply. Skipped when the
//! destination already has the wanted checksum, or exists and no checksum
//! is given (unless `force`). A download whose checksum does not match
//! fails and leaves the old destination untouched (temp file + rename).
//! Unchanged: one command (the probe, which also reads a checksum URL).

use super::args::{ArgError, ArgMap, FileMode};
use super::attrs::{apply_attrs, Attrs};
use super::context::ModuleContext;
use super::fstat::{
    parse_records, probe_files, stat_call, stat_script, Checksum, StatOpts, STAT_FN,
};
use super::outcome::{ModuleError, Outcome};
use super::Module;
use crate::shell::quote;
use crate::transport::atomic::{AtomicWrite, Content};
use crate::value::Value;

/// Where the expected checksum comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expected {
    /// No verification.
    None,
    /// A literal digest.
    Digest(Checksum, String),
    /// A checksum file at this URL.
    Url(Checksum, String),
}

/// Arguments of `get_url`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GetUrlArgs {
    /// Source URL.
    pub url: String,
    /// Destination file or directory.
    pub dest: String,
    /// Expected checksum.
    pub checksum: Expected,
    /// Download even when the destination exists.
    pub force: bool,
    /// Wanted mode/owner/group.
    pub attrs: Attrs,
    /// Extra HTTP headers.
    pub headers: Vec<(String, String)>,
    /// Seconds for the whole transfer.
    pub timeout: u64,
    /// Verify TLS certificates.
    pub validate_certs: bool,
}

/// The `get_url` module.
pub struct GetUrlModule;

impl Module for GetUrlModule {
    type Args = GetUrlArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<GetUrlArgs, ArgError> {
        let url = args.required_str(&["url"])?;
        if !(url.starts_with("http://")
            || url.starts_with("https://")
            || url.starts_with("ftp://")
            || url.starts_with("file://"))
        {
            return Err(ArgError::Invalid(format!("unsupported URL `{url}`")));
        }
        let dest = args.required_str(&["dest"])?;
        let checksum = match args.str(&["checksum"])?.filter(|c| !c.is_empty()) {
            None => Expected::None,
            Some(c) => {
                let (algo, rest) = c.split_once(':').ok_or_else(|| {
                    ArgError::Invalid(format!("checksum `{c}` must be `algorithm:value`"))
                })?;
                let algo = Checksum::parse(algo).ok_or_else(|| {
                    ArgError::Invalid(format!("unsupported checksum algorithm `{algo}`"))
                })?;
                if rest.contains("://") {
                    Expected::Url(algo, rest.to_owned())
                } else if !rest.is_empty() && rest.chars().all(|c| c.is_ascii_hexdigit()) {
                    Expected::Digest(algo, rest.to_ascii_lowercase())
                } else {
                    return Err(ArgError::Invalid(format!(
                        "checksum value `{rest}` is neither hex nor a URL"
                    )));
                }
            }
        };
        let headers = match args.map(&["headers"])? {
            Some(m) => m.into_iter().map(|(k, v)| (k, v.py_str())).collect(),
            None => Vec::new(),
        };
        let parsed = GetUrlArgs {
            url,
            dest,
            checksum,
            force: args.bool(&["force"])?.unwrap_or(false),
            attrs: Attrs {
                mode: args.mode(&["mode"])?,
                owner: args.str(&["owner"])?,
                group: args.str(&["group"])?,
            },
            headers,
            timeout: args.int(&["timeout"])?.unwrap_or(10).clamp(1, 86_400) as u64,
            validate_certs: args.bool(&["validate_certs"])?.unwrap_or(true),
        };
        // Where the download is staged changes nothing in the result.
        args.ignore(&["tmp_dest"]);
        // At their defaults these are what the download does; any other
        // value is not implemented (the task fails when a host reaches it).
        args.bool_at_default("backup", false);
        args.bool_at_default("use_proxy", true);
        args.bool_at_default("decompress", true);
        args.absent_only("http_agent");
        args.absent_only("unredirected_headers");
        args.finish(&[
            "url",
            "dest",
            "checksum",
            "force",
            "mode",
            "owner",
            "group",
            "headers",
            "timeout",
            "validate_certs",
            "tmp_dest",
        ])?;
        Ok(parsed)
    }

    fn probes(a: &GetUrlArgs) -> Vec<String> {
        vec![probe(a)]
    }

    fn run(a: &GetUrlArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let (recs, rest) = probe_files(ctx, &probe(a), 1)?;
        let rest = String::from_utf8_lossy(&rest).into_owned();
        let dest = resolve_dest(a, &rest);
        let algo = match &a.checksum {
            Expected::None => Checksum::Sha1,
            Expected::Digest(c, _) | Expected::Url(c, _) => *c,
        };
        let want = match &a.checksum {
            Expected::None => None,
            Expected::Digest(_, d) => Some(d.clone()),
            Expected::Url(_, u) if rest.contains(CHECKSUM_FAILED) => {
                return Ok(request_failed(&rest, u, &dest));
            }
            Expected::Url(_, u) => match pick_digest(&rest, &a.url) {
                Some(d) => Some(d),
                None => {
                    return Ok(Outcome::failed(format!(
                        "Unable to find a checksum for file '{}' in '{u}'",
                        file_name(&a.url)
                    )))
                }
            },
        };
        let cur = recs[0].as_ref();
        let have = cur.and_then(|c| c.checksum.clone());
        let mut o = Outcome::ok();
        o.result.insert("dest".into(), Value::Str(dest.clone()));
        o.result.insert("url".into(), Value::Str(a.url.clone()));
        let up_to_date = match (&want, cur) {
            (Some(w), Some(_)) => have.as_deref() == Some(w.as_str()),
            (None, Some(_)) => !a.force,
            (_, None) => false,
        };
        if up_to_date {
            o.result
                .insert("msg".into(), Value::Str("file already exists".into()));
            o.result.insert("state".into(), Value::Str("file".into()));
            o.result.insert(
                "checksum_dest".into(),
                have.clone().map(Value::Str).unwrap_or(Value::Null),
            );
            o.result.insert("elapsed".into(), Value::Int(0));
            if let Some(c) = cur {
                c.insert_attrs(&mut o.result);
            }
            if let Some(c) = cur {
                let cmds = a
                    .attrs
                    .changes(&dest, c, false)
                    .map_err(ArgError::Invalid)?;
                if !cmds.is_empty() {
                    o.changed = true;
                    if !ctx.check_mode() {
                        if let Err(m) = apply_attrs(ctx, &dest, cmds, StatOpts::default())? {
                            return Ok(o.failing(m));
                        }
                    }
                }
            }
            return Ok(o);
        }
        o.changed = true;
        if ctx.check_mode() {
            return Ok(o);
        }
        let started = std::time::Instant::now();
        let out = ctx.apply(&download_script(a, &dest, algo, want.as_deref()), None)?;
        let elapsed = started.elapsed().as_secs() as i64;
        // Text lines, then (after `@@stat`) the new file's record.
        let marker = out.stdout.windows(7).position(|w| w == b"@@stat\n");
        let (head, record) = match marker {
            Some(i) => (&out.stdout[..i], &out.stdout[i + 7..]),
            None => (&out.stdout[..], &b""[..]),
        };
        let text = String::from_utf8_lossy(head).into_owned();
        if out.rc != 0 {
            let err = out.stderr_str();
            let msg = if let Some(got) = text.lines().find_map(|l| l.strip_prefix("mismatch=")) {
                format!(
                    "The checksum for {dest} did not match {}; it was {got}.",
                    want.as_deref().unwrap_or("")
                )
            } else if let Some(code) = http_status(&err) {
                return Ok(http_failure(o, code, &a.url));
            } else {
                format!("Request failed: {}", err.trim())
            };
            return Ok(o.failing(msg).with("status_code", Value::Int(-1)));
        }
        let got = text
            .lines()
            .find_map(|l| l.strip_prefix("sum="))
            .unwrap_or("")
            .to_owned();
        let size: i64 = text
            .lines()
            .find_map(|l| l.strip_prefix("size="))
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        o.result.insert(
            "checksum_dest".into(),
            have.map(Value::Str).unwrap_or(Value::Null),
        );
        o.result.insert("checksum_src".into(), Value::Str(got));
        o.result.insert("size".into(), Value::Int(size));
        o.result.insert("status_code".into(), Value::Int(200));
        o.result
            .insert("msg".into(), Value::Str(format!("OK ({size} bytes)")));
        o.result.insert("state".into(), Value::Str("file".into()));
        o.result.insert("elapsed".into(), Value::Int(elapsed));
        let src = text
            .lines()
            .find_map(|l| l.strip_prefix("src="))
            .unwrap_or("")
            .to_owned();
        o.result.insert("src".into(), Value::Str(src));
        if let Ok(recs) = parse_records(record, 1) {
            if let Some(st) = recs.into_iter().next().flatten() {
                st.insert_attrs(&mut o.result);
            }
        }
        if matches!(a.attrs.mode, Some(FileMode::Symbolic(_))) {
            let (recs, _) = probe_files(ctx, &stat_script(&[(&dest, StatOpts::default())]), 1)?;
            if let Some(c) = recs[0].as_ref() {
                let cmds = a
                    .attrs
                    .changes(&dest, c, false)
                    .map_err(ArgError::Invalid)?;
                if !cmds.is_empty() {
                    if let Err(m) = apply_attrs(ctx, &dest, cmds, StatOpts::default())? {
                        return Ok(o.failing(m));
                    }
                }
            }
        }
        Ok(o)
    }
}

/// The probe: the destination's record (with its checksum), whether it is
/// a directory, and the checksum file when the checksum is a URL.
fn probe(a: &GetUrlArgs) -> String {
    let algo = match &a.checksum {
        Expected::None => Checksum::Sha1,
        Expected::Digest(c, _) | Expected::Url(c, _) => *c,
    };
    let dest = if a.dest.ends_with('/') {
        format!("{}{}", a.dest, file_name(&a.url))
    } else {
        a.dest.clone()
    };
    let mut s = stat_script(&[(
        &dest,
        StatOpts {
            follow: true,
            checksum: Some(algo),
            content: false,
        },
    )]);
    s.push_str(&format!(
        "if [ -d {} ]; then echo isdir=1; fi\n",
        quote(&a.dest)
    ));
    if let Expected::Url(_, u) = &a.checksum {
        // A failed fetch is a result (Ansible's `Request failed` with the
        // checksum URL and its HTTP status), not a broken probe.
        s.push_str(&format!(
            "{{ {}; }} 2>&1 || echo {CHECKSUM_FAILED}\n",
            fetch_cmd(a, u, "-")
        ));
    }
    s
}

/// Printed by the probe when the checksum file could not be fetched.
const CHECKSUM_FAILED: &str = "@@checksum-fetch-failed";

/// The HTTP status in curl's (`returned error: 404`) or wget's
/// (`ERROR 404: Not Found`) message.
fn http_status(text: &str) -> Option<i64> {
    let after = text
        .split("returned error: ")
        .nth(1)
        .or_else(|| text.split("ERROR ").nth(1))?;
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    (digits.len() == 3).then(|| digits.parse().ok()).flatten()
}

/// Ansible's result for an HTTP error: `Request failed`, the status code,
/// `HTTP Error N: Reason` as the response, and the URL that failed.
fn http_failure(o: Outcome, code: i64, url: &str) -> Outcome {
    let reason = match code {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        407 => "Proxy Authentication Required",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    };
    o.failing("Request failed")
        .with("status_code", Value::Int(code))
        .with(
            "response",
            Value::Str(format!("HTTP Error {code}: {reason}")),
        )
        .with("url", Value::Str(url.to_owned()))
}

/// The checksum file's fetch failed (see [`CHECKSUM_FAILED`]).
fn request_failed(probe_text: &str, url: &str, dest: &str) -> Outcome {
    let o = Outcome::ok().with("dest", Value::Str(dest.to_owned()));
    match http_status(probe_text) {
        Some(code) => http_failure(o, code, url),
        None => {
            let why = probe_text
                .lines()
                .find(|l| l.starts_with("curl:") || l.starts_with("wget:"))
                .unwrap_or("the download failed");
            o.failing(format!("Request failed: {why}"))
                .with("status_code", Value::Int(-1))
                .with("url", Value::Str(url.to_owned()))
        }
    }
}

/// `dest` itself, or `dest/<name from URL>` when `dest` is a directory.
fn resolve_dest(a: &GetUrlArgs, probe_rest: &str) -> String {
    if a.dest.ends_with('/') || probe_rest.lines().any(|l| l == "isdir=1") {
        format!("{}/{}", a.dest.trim_end_matches('/'), file_name(&a.url))
    } else {
        a.dest.clone()
    }
}

fn file_name(url: &str) -> &str {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    path.rsplit('/').next().unwrap_or(path)
}

/// The digest for `url`'s file in a checksum file: the line naming the
/// file, or the only digest when there is one line.
fn pick_digest(text: &str, url: &str) -> Option<String> {
    let name = file_name(url);
    let lines: Vec<(&str, Option<&str>)> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("isdir="))
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let digest = parts.next()?;
            digest
                .chars()
                .all(|c| c.is_ascii_hexdigit())
                .then_some((digest, parts.next().map(|n| n.trim_start_matches('*'))))
        })
        .collect();
    lines
        .iter()
        .find(|(_, n)| {
            n.map(|n| n.rsplit('/').next() == Some(name))
                .unwrap_or(false)
        })
        .or_else(|| (lines.len() == 1).then(|| &lines[0]))
        .map(|(d, _)| d.to_ascii_lowercase())
}

/// A command that writes `url` to `out` (`-` = stdout) with curl or wget.
fn fetch_cmd(a: &GetUrlArgs, url: &str, out: &str) -> String {
    let mut curl = format!("curl -fsSL --max-time {} -o {}", a.timeout, quote(out));
    let mut wget = format!("wget -q -T {} -O {}", a.timeout, quote(out));
    if !a.validate_certs {
        curl.push_str(" -k");
        wget.push_str(" --no-check-certificate");
    }
    for (k, v) in &a.headers {
        let h = quote(&format!("{k}: {v}")).into_owned();
        curl.push_str(&format!(" -H {h}"));
        wget.push_str(&format!(" --header={h}"));
    }
    format!(
        "if command -v curl >/dev/null 2>&1; then {curl} -- {u}; else {wget} -- {u}; fi",
        u = quote(url)
    )
}

/// Download through the one atomic write path: into a temp file next to
/// `dest`, verified, then renamed.
fn download_script(a: &GetUrlArgs, dest: &str, algo: Checksum, want: Option<&str>) -> String {
    let fetch = fetch_cmd(a, &a.url, "-");
    let write = AtomicWrite {
        dest,
        content: Content::Command {
            command: &fetch,
            fail_rc: 4,
        },
        mkdir: false,
    };
    let mut s = write.begin();
    s.push_str(&format!(
        "sum=$({} \"$t\" | cut -d' ' -f1)\necho \"sum=$sum\"\n",
        algo.tool()
    ));
    if let Some(w) = want {
        s.push_str(&format!(
            "if [ \"$sum\" != {} ]; then echo \"mismatch=$sum\"; exit 5; fi\n",
            quote(w)
        ));
    }
    s.push_str("echo \"size=$(wc -c < \"$t\")\"\n");
    // Octal modes and owners are set before the rename, in this same
    // command; a symbolic mode needs the file's current mode, afterwards.
    let mode = match &a.attrs.mode {
        Some(FileMode::Octal(m)) => format!("{m:04o}"),
        _ => "0644".to_owned(),
    };
    s.push_str(&format!("chmod {mode} \"$t\"\n"));
    if let Some(o) = &a.attrs.owner {
        s.push_str(&format!("chown -- {} \"$t\" || exit 6\n", quote(o)));
    }
    if let Some(g) = &a.attrs.group {
        s.push_str(&format!("chgrp -- {} \"$t\" || exit 6\n", quote(g)));
    }
    s.push_str("echo \"src=$t\"\n");
    s.push_str(&write.commit());
    s.push_str(STAT_FN);
    s.push_str("echo @@stat\n");
    s.push_str(&stat_call(dest, StatOpts::default()));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_files_are_read_like_ansible() {
        let url = "https://x/v1/cni-plugins-linux-amd64-v0.9.1.tgz";
        assert_eq!(
            pick_digest("ABC123  cni-plugins-linux-amd64-v0.9.1.tgz\n", url).as_deref(),
            Some("abc123")
        );
        assert_eq!(
            pick_digest(
                "aa  other.tgz\nbb *cni-plugins-linux-amd64-v0.9.1.tgz\n",
                url
            )
            .as_deref(),
            Some("bb")
        );
        assert_eq!(pick_digest("deadbeef\n", url).as_deref(), Some("deadbeef"));
        assert_eq!(pick_digest("aa  a\nbb  b\n", url), None);
    }

    #[test]
    fn http_errors_carry_their_status_like_ansible() {
        assert_eq!(
            http_status("curl: (22) The requested URL returned error: 404\n"),
            Some(404)
        );
        assert_eq!(
            http_status("http://x/y:\n2026-01-01 ERROR 403: Forbidden.\n"),
            Some(403)
        );
        assert_eq!(http_status("curl: (7) Failed to connect"), None);
        let o = request_failed(
            "curl: (22) The requested URL returned error: 404\n@@checksum-fetch-failed\n",
            "http://m/k.sha256",
            "/opt/bin/k",
        );
        assert!(o.failed);
        assert_eq!(o.result["msg"], Value::from("Request failed"));
        assert_eq!(o.result["status_code"], Value::Int(404));
        assert_eq!(
            o.result["response"],
            Value::from("HTTP Error 404: Not Found")
        );
        assert_eq!(o.result["url"], Value::from("http://m/k.sha256"));
    }

    #[test]
    fn parses_checksum_forms() {
        let parse = |c: &str| {
            GetUrlModule::parse(&mut ArgMap::new(
                [
                    ("url".to_owned(), Value::from("http://127.0.0.1/f")),
                    ("dest".to_owned(), Value::from("/tmp/f")),
                    ("checksum".to_owned(), Value::from(c)),
                ]
                .into_iter()
                .collect(),
            ))
        };
        assert!(
            matches!(parse("sha256:ABCD").unwrap().checksum, Expected::Digest(Checksum::Sha256, ref d) if d == "abcd")
        );
        assert!(matches!(
            parse("sha256:http://127.0.0.1/f.sha256").unwrap().checksum,
            Expected::Url(..)
        ));
        assert!(parse("crc:1").is_err());
        assert!(parse("sha256:$(id)").is_err());
    }

    #[test]
    fn the_download_script_quotes_everything() {
        let a = GetUrlArgs {
            url: "http://127.0.0.1/a b'c".into(),
            dest: "/opt/x".into(),
            checksum: Expected::None,
            force: false,
            attrs: Attrs::default(),
            headers: vec![("X-A".into(), "$(id)".into())],
            timeout: 10,
            validate_certs: true,
        };
        let s = download_script(&a, "/opt/x y", Checksum::Sha1, None);
        assert!(s.contains(r#"-- 'http://127.0.0.1/a b'"'"'c'"#), "{s}");
        assert!(s.contains("'X-A: $(id)'"), "{s}");
        assert!(s.contains("konvoy_d='/opt/x y'"), "{s}");
        assert!(s.contains("-o - -H"), "{s}");
    }
}
