//! Reading zypper's `--xmlout` output: the `solvable` elements (with the
//! element they sit in: `to-install`, `to-upgrade`, `to-remove`, ...)
//! and the `message` texts, as community.general's zypper module reads
//! them with `xml.dom.minidom`.

/// One `<solvable>`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Solvable {
    pub name: String,
    pub edition: String,
    pub edition_old: String,
    pub status: String,
    /// The enclosing element's name.
    pub group: String,
}

/// What the output holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ZypperXml {
    pub solvables: Vec<Solvable>,
    pub messages: Vec<String>,
    /// Whether the text looked like zypper's XML stream at all.
    pub valid: bool,
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn attr(tag: &str, name: &str) -> String {
    let key = format!(" {name}=\"");
    tag.find(&key)
        .map(|i| {
            let rest = &tag[i + key.len()..];
            unescape(&rest[..rest.find('"').unwrap_or(rest.len())])
        })
        .unwrap_or_default()
}

/// Parses the output.
pub(crate) fn parse(text: &str) -> ZypperXml {
    let mut x = ZypperXml {
        valid: text.trim_start().starts_with("<?xml") || text.contains("<stream>"),
        ..ZypperXml::default()
    };
    let mut stack: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('<') {
        let after = &rest[i + 1..];
        let Some(j) = after.find('>') else { break };
        let tag = &after[..j];
        rest = &after[j + 1..];
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            if let Some(pos) = stack.iter().rposition(|t| t == name.trim()) {
                stack.truncate(pos);
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let name = tag
            .trim_end_matches('/')
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_owned();
        if name == "solvable" {
            x.solvables.push(Solvable {
                name: attr(tag, "name"),
                edition: attr(tag, "edition"),
                edition_old: attr(tag, "edition-old"),
                status: attr(tag, "status"),
                group: stack.last().cloned().unwrap_or_default(),
            });
        } else if name == "message" && !self_closing {
            let end = rest.find("</message>").unwrap_or(rest.len());
            x.messages.push(unescape(&rest[..end]));
        }
        if !self_closing {
            stack.push(name);
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_install_summaries() {
        // Recorded from zypper 1.14.42 on an openSUSE Leap 15 test host.
        let out = "<?xml version='1.0'?>\n<stream>\n<install-summary download-size=\"6111\">\n<to-install>\n\
                   <solvable type=\"package\" name=\"konvoy-a\" edition=\"1.0-1\" arch=\"noarch\" summary=\"x\">\n\
                   <description>x.</description></solvable>\n</to-install>\n<to-upgrade>\n\
                   <solvable type=\"package\" name=\"konvoy-b\" edition=\"2.0-1\" edition-old=\"1.0-1\"/>\n\
                   </to-upgrade>\n</install-summary>\n<message type=\"error\">No provider of &apos;x&apos; found.</message>\n</stream>\n";
        let x = parse(out);
        assert!(x.valid);
        assert_eq!(x.solvables.len(), 2);
        assert_eq!(x.solvables[0].group, "to-install");
        assert_eq!(x.solvables[1].edition_old, "1.0-1");
        assert_eq!(x.solvables[1].group, "to-upgrade");
        assert_eq!(x.messages, ["No provider of 'x' found."]);
    }
}
