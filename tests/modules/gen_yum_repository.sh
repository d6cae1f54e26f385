#!/bin/sh
# Regenerates the expected `.repo` files in packages.rs (yum_repository
# tests): runs ansible-core 2.19.14's yum_repository on localhost against
# a scratch reposdir with the same arguments the tests pass, and prints
# each resulting file. Paste the output into `REPO_*` in packages.rs.
set -eu
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
run() { ANSIBLE_LOCALHOST_WARNING=false ansible localhost -o -m yum_repository -a "$1 reposdir=$d" 2>/dev/null | sed 's/^/# /'; }
show() { echo "=== $1"; cat "$d/$1" 2>/dev/null || echo "(absent)"; }
run 'name=kubernetes file=konvoy-k8s description="Konvoy Kubernetes package repository" baseurl=https://packages.d2iq.com/konvoy/rpm/stable/centos/7/x86_64 gpgkey=https://packages.d2iq.com/konvoy/rpm-gpg-pub-key gpgcheck=yes enabled=yes'
run 'name=konvoy-packages file=konvoy-k8s description="Konvoy packages" baseurl=https://packages.d2iq.com/konvoy/stable/linux/centos/8/x86_64 gpgkey=https://packages.d2iq.com/konvoy/stable/linux/centos/8/x86_64/gpg.asc gpgcheck=yes enabled=yes priority=50'
show konvoy-k8s.repo
cat > "$d/args.json" <<'JSON'
{"name": "every", "file": "every", "description": "a $(touch pwned) 'q' \"d\" `x`",
 "baseurl": ["file:///srv/a b", "http://127.0.0.1:1/x"], "mirrorlist": "http://127.0.0.1:1/m",
 "metalink": "http://127.0.0.1:1/l", "gpgkey": ["file:///k1", "file:///k2"], "gpgcheck": false,
 "repo_gpgcheck": true, "enabled": false, "priority": "10", "proxy": "http://127.0.0.1:3128",
 "sslverify": false, "exclude": ["kube*", "containerd.io"], "includepkgs": ["a", "b"],
 "module_hotfixes": true, "skip_if_unavailable": true, "cost": "500", "timeout": "30",
 "metadata_expire": "0", "username": "u", "password": "p$(id)", "sslcacert": "/etc/ca.pem"}
JSON
python3 - "$d" <<'PY'
import json, subprocess, sys
d = sys.argv[1]
args = json.load(open(d + "/args.json"))
args["reposdir"] = d
subprocess.run(["ansible", "localhost", "-o", "-m", "yum_repository", "-a", json.dumps(args)],
               check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
PY
show every.repo
run 'name=kubernetes file=konvoy-k8s state=absent'
show konvoy-k8s.repo
run 'name=konvoy-packages file=konvoy-k8s state=absent'
show konvoy-k8s.repo
