#!/usr/bin/env python3
"""Compare what two provisioning runs left on twin test hosts.

Usage: compare.py LABEL OURS_UPPER ANSIBLE_UPPER OURS_STATE ANSIBLE_STATE

- *_UPPER: the overlay upper directories of the two hosts (every file each
  run created or changed); every entry is compared by type, mode, owner and
  content (sha256; a link by its target), except the paths in NOISE, which
  change on every boot or every run whatever the tool (logs, caches,
  transaction databases, Ansible's and our own temporary files).
- *_STATE: what the run changed in the host's installed packages and systemd state
  (`rpm -qa`, enabled/masked unit files, active units), written by
  kib-v1.5.0.sh after the run; compared line by line.

Prints one line per difference and a count; exit 0 when identical.
"""
import hashlib
import os
import stat
import sys

# Paths (relative to /) whose content differs between any two runs or
# boots, whatever provisions the host: they say nothing about the result.
NOISE = (
    "tmp",
    "var/tmp",
    "run",
    "var/log",
    "var/cache",
    "var/lib/systemd",  # random-seed, timers, catalog
    "var/lib/dnf",  # dnf's transaction history (times, ids)
    "var/lib/rpm",  # the rpm database: compared as `rpm -qa` instead
    "root/.rpmdb",  # the same, where Debian's rpm keeps it
    "root/.ansible",  # Ansible's remote temporary directory
    "root/.cache",
    "root/.konvoy",  # konvoy-image's remote state, if any
    "etc/ld.so.cache",
    "dev",
    # The test host's identity, written by the harness before the run:
    # different on every host.
    "etc/hostname",
    "etc/hosts",
    "etc/ssh/konvoy_host_ed25519_key",
    "etc/ssh/konvoy_host_ed25519_key.pub",
    "etc/ssh/konvoy_sshd_config",
)


def noise(rel):
    return any(rel == n or rel.startswith(n + "/") for n in NOISE)


def digest(path, rel):
    with open(path, "rb") as f:
        data = f.read()
    if rel.endswith("versionlock.list"):
        # dnf stamps each lock with the time it was added.
        data = b"\n".join(l for l in data.splitlines() if not l.startswith(b"#"))
    return hashlib.sha256(data).hexdigest()[:16]


def tree(upper):
    out = {}
    for dirpath, dirnames, filenames in os.walk(upper):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, upper)
            if noise(rel):
                continue
            st = os.lstat(path)
            mode = stat.S_IMODE(st.st_mode)
            owner = f"{st.st_uid}:{st.st_gid}"
            if stat.S_ISLNK(st.st_mode):
                what = "link " + os.readlink(path)
            elif stat.S_ISDIR(st.st_mode):
                what = "dir"
            elif stat.S_ISCHR(st.st_mode) and st.st_rdev == 0:
                what = "whiteout"  # deleted from the lower layer
            elif stat.S_ISREG(st.st_mode):
                what = "file " + digest(path, rel)
            else:
                what = "special"
            out[rel] = f"{what} {mode:o} {owner}"
    return out


def lines(path):
    with open(path) as f:
        return [l.rstrip("\n") for l in f]


def main():
    label, ours_upper, theirs_upper, ours_state, theirs_state = sys.argv[1:6]
    ours, theirs = tree(ours_upper), tree(theirs_upper)
    diffs = []
    for rel in sorted(set(ours) | set(theirs)):
        a, b = ours.get(rel), theirs.get(rel)
        if a == b:
            continue
        if b is None:
            diffs.append(f"only konvoy-image: /{rel} ({a})")
        elif a is None:
            diffs.append(f"only ansible-playbook: /{rel} ({b})")
        else:
            diffs.append(f"differs: /{rel}: konvoy-image {a}; ansible-playbook {b}")
    a, b = lines(ours_state), lines(theirs_state)
    for l in sorted(set(a) - set(b)):
        diffs.append(f"state only konvoy-image: {l}")
    for l in sorted(set(b) - set(a)):
        diffs.append(f"state only ansible-playbook: {l}")
    print(f"{label}: {len(ours)} paths compared (konvoy-image), {len(theirs)} (ansible-playbook), "
          f"{len(a)} state lines; {len(diffs)} differences")
    for d in diffs:
        print(f"  {d}")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
