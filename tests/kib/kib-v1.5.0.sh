#!/bin/sh
# KIB v1.5.0's own playbook (ansible/provision.yaml of
# mesosphere/konvoy-image-builder at tag v1.5.0) against konvoy-image, with
# ansible 6.7.0 (from PyPI; it bundles the collections KIB uses) as the
# reference. KIB's files are fetched at test time into target/kib/ and never
# committed.
#
# Usage: tests/kib/kib-v1.5.0.sh [list-tasks | run]
#   list-tasks  (default) `--list-tasks` of both tools, compared line by line,
#               and the errors konvoy-image still reports without running
#   run         the provision play in offline mode on CentOS 7 and CentOS 8
#               test hosts (systemd, own network namespace), with ansible
#               6.7.0 on twin hosts; compares the hosts' files, packages and
#               units (tests/kib/compare.py) and writes
#               target/kib/run-summary.txt (logs: target/kib/run-*.log)
# Environment:
#   KIB_SRC  a konvoy-image-builder git directory (or a checkout of v1.5.0),
#            used when github.com cannot be reached
# Needs root for `run` (test hosts). Exit 0 when the compared output is
# identical, 1 otherwise.
set -eu
mode=${1:-list-tasks}
root=$(cd "$(dirname "$0")/../.." && pwd)
dest=$root/target/kib
src=$dest/konvoy-image-builder-1.5.0
mkdir -p "$dest"

# 1. KIB v1.5.0.
if [ ! -f "$src/ansible/provision.yaml" ]; then
  rm -rf "$src"
  url=https://github.com/mesosphere/konvoy-image-builder/archive/refs/tags/v1.5.0.tar.gz
  if curl -fsSL --max-time 120 "$url" -o "$dest/kib-v1.5.0.tar.gz" 2>/dev/null; then
    tar -xzf "$dest/kib-v1.5.0.tar.gz" -C "$dest"
  elif [ -n "${KIB_SRC:-}" ] && git --git-dir="$KIB_SRC" rev-parse -q --verify v1.5.0 >/dev/null 2>&1; then
    git --git-dir="$KIB_SRC" archive --prefix=konvoy-image-builder-1.5.0/ v1.5.0 | tar -x -C "$dest"
  elif [ -n "${KIB_SRC:-}" ] && [ -f "$KIB_SRC/ansible/provision.yaml" ]; then
    cp -a "$KIB_SRC" "$src"
  else
    echo "cannot fetch $url; set KIB_SRC to a konvoy-image-builder git directory or checkout" >&2
    exit 2
  fi
fi

# 2. ansible 6.7.0 in its own venv (not the machine's ansible-core 2.19.14).
venv=$dest/venv
if ! "$venv/bin/ansible-playbook" --version 2>/dev/null | grep -q 'core 2.13'; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'ansible==6.7.0'
fi

# 3. konvoy-image.
(cd "$root" && flock /tmp/konvoy-build.lock cargo build --quiet --bin konvoy-image)
konvoy=$root/target/debug/konvoy-image

cd "$src"
case $mode in
list-tasks)
  ANSIBLE_NOCOLOR=1 "$venv/bin/ansible-playbook" -i localhost, --list-tasks ansible/provision.yaml \
    >"$dest/list-tasks.ansible.txt" 2>"$dest/list-tasks.ansible.err" || true
  "$konvoy" playbook -i localhost, --list-tasks ansible/provision.yaml \
    >"$dest/list-tasks.ours.txt" 2>"$dest/list-tasks.ours.err" || true
  # Errors konvoy-image reports before running (the static checks).
  "$konvoy" playbook -i localhost, --syntax-check ansible/provision.yaml \
    >"$dest/syntax.ours.txt" 2>&1 || true
  grep -E '^(error|warning)' "$dest/list-tasks.ours.err" "$dest/syntax.ours.txt" \
    | sed "s/^[^:]*://" | sort -u >"$dest/errors.ours.txt" || true
  echo "ansible: $(grep -c . "$dest/list-tasks.ansible.txt") lines; konvoy-image: $(grep -c . "$dest/list-tasks.ours.txt") lines"
  echo "konvoy-image errors and warnings (count, text): $dest/errors.ours.txt"
  head -20 "$dest/errors.ours.txt"
  if diff -u "$dest/list-tasks.ansible.txt" "$dest/list-tasks.ours.txt" >"$dest/list-tasks.diff"; then
    echo "--list-tasks: identical"
  else
    echo "--list-tasks: differs ($dest/list-tasks.diff)"
    head -40 "$dest/list-tasks.diff"
    exit 1
  fi
  ;;
run)
  # Offline artifacts (tests/artifacts): the OS package bundle with the
  # extra names KIB v1.5.0 installs (python3-pip, python{,3}-netifaces,
  # python{,3}-requests), and the images bundle as gzipped archives
  # (roles/images imports `*.tar.gz` through `gzip -dc`).
  art=$dest/artifacts
  rm -rf "$art" && mkdir -p "$art/images"
  STANDIN_EXTRA_RPMS="python3-pip python-netifaces python-requests python3-netifaces python3-requests" \
    sh "$root/tests/artifacts/build-rpms.sh" "$art/rpms" >/dev/null
  bundle=$(ls "$art"/rpms/os-packages_*_x86_64_rpms.tar.gz)
  # The images roles/images pre-pulls (group_vars control_plane_images).
  sh "$root/tests/artifacts/build-images-bundle.sh" "$art/build" \
    k8s.gcr.io/kube-apiserver:v1.21.6 k8s.gcr.io/kube-controller-manager:v1.21.6 \
    k8s.gcr.io/kube-scheduler:v1.21.6 k8s.gcr.io/kube-proxy:v1.21.6 k8s.gcr.io/etcd:3.4.13-0 \
    k8s.gcr.io/pause:3.4.1 k8s.gcr.io/pause:3.2 k8s.gcr.io/coredns/coredns:v1.8.0 \
    docker.io/mesosphere/kfips:v0.1.0 >/dev/null
  for t in "$art"/build/images/*.tar; do gzip -n -c "$t" >"$art/images/$(basename "$t").gz"; done
  printf 'os_packages_local_bundle_file: %s\nimages_local_bundle_dir: %s\n' "$bundle" "$art/images" \
    >"$art/offline.yaml"
  # ansible_vars.yaml as KIB's wrapper renders it (konvoy-image-builder.md
  # §1.3): images/common.yaml (v1.5.0 uses it as the image file too), the
  # override merged over it (later wins; its keys are top-level scalars),
  # and kubernetes_full_version (= kubernetes_version, plus
  # `+kubernetes_build_metadata` when that is set).
  python3 - "$src/images/common.yaml" "$art/offline.yaml" "$art/ansible_vars.yaml" <<'PY'
import sys, yaml
merged = {}
for f in sys.argv[1:3]:
    merged.update(yaml.safe_load(open(f)) or {})
full = str(merged["kubernetes_version"])
if merged.get("kubernetes_build_metadata"):
    full += "+" + str(merged["kubernetes_build_metadata"])
merged["kubernetes_full_version"] = full
yaml.safe_dump(merged, open(sys.argv[3], "w"), sort_keys=False)
PY

  # Twin CentOS 7 and CentOS 8 hosts with a real systemd and their own
  # network namespace (KIB's sysctl tasks reload net.* settings):
  # node1/node2 for konvoy-image, node3/node4 for ansible-playbook (the
  # testhosts example keeps them up until its stdin closes).
  (cd "$root" && flock /tmp/konvoy-build.lock cargo build --quiet --example testhosts)
  hosts=$dest/hosts
  rm -rf "$hosts"
  fifo=$dest/hosts.hold
  rm -f "$fifo" && mkfifo "$fifo"
  "$root/target/debug/examples/testhosts" --systemd --own-network "$hosts" \
    centos-7 centos-8 centos-7 centos-8 <"$fifo" >"$dest/hosts.out" 2>"$dest/hosts.err" &
  hosts_pid=$!
  exec 9>"$fifo"
  trap 'exec 9>&-; wait $hosts_pid 2>/dev/null || true' EXIT
  i=0
  while ! grep -q ready "$dest/hosts.out" 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 180 ] || { cat "$dest/hosts.err" >&2; echo "test hosts did not start" >&2; exit 2; }
    sleep 1
  done
  split() {
    python3 - "$hosts/inventory.yaml" "$1" "$2" "$3" <<'PY'
import sys, yaml
inv = yaml.safe_load(open(sys.argv[1]))
keep = sys.argv[2:4]
inv["all"]["hosts"] = {k: v for k, v in inv["all"]["hosts"].items() if k in keep}
yaml.safe_dump(inv, open(sys.argv[4], "w"))
PY
  }
  # Both sides start from finished boots (systemd's boot-time units, such
  # as systemd-sysusers, otherwise still change the hosts during a run).
  key=$(sed -n 's/.*ansible_ssh_private_key_file: *//p' "$hosts/inventory.yaml" | head -1)
  for addr in $(sed -n 's/.*ansible_host: *//p' "$hosts/inventory.yaml"); do
    ssh -o UserKnownHostsFile="$hosts/known_hosts" -o StrictHostKeyChecking=yes -i "$key" "root@$addr" \
      'timeout 120 systemctl is-system-running --wait' >/dev/null || true
  done
  split node1 node2 "$dest/inventory.ours.yaml"
  split node3 node4 "$dest/inventory.ansible.yaml"

  # KIB's own invocation (konvoy-image-builder.md §1.4): the JSON extra
  # vars, then ansible_vars.yaml.
  set -- -e '{"packer_builder_type": "", "sysprep": false}' -e "@$art/ansible_vars.yaml"
  # CentOS 7: ansible's yum action picks the yum3 backend there, which
  # needs Python 2's `yum` bindings; test hosts are made from Debian, whose
  # Python has `dnf` only. Its yum tasks run ansible-core 2.13's own dnf
  # module instead (what `yum` means since ansible-core 2.17), a verbatim
  # copy put first on the module path as `yum`.
  lib=$dest/ansible-library
  mkdir -p "$lib"
  cp "$("$venv/bin/python" -c 'import ansible.modules.dnf as m; print(m.__file__)')" "$lib/yum.py"
  # modprobe: this machine's kernel has no module support, so no
  # /proc/modules (a real CentOS kernel always has it); community.general's
  # modprobe (ansible 6.7.0) fails opening it, konvoy-image reads it as
  # empty. The twins run that module with the same reading (one line
  # changed), so the rest of the play can be compared; the difference is
  # listed in docs/kib-v1.5.0.md.
  sed "s|open('/proc/modules')|open('/proc/modules' if os.path.exists('/proc/modules') else '/dev/null')|" \
    "$("$venv/bin/python" -c 'import ansible_collections.community.general.plugins.modules.system.modprobe as m; print(m.__file__)')" \
    >"$lib/modprobe.py"
  grep -q "else '/dev/null'" "$lib/modprobe.py" || { echo "modprobe.py: the patched line was not found" >&2; exit 2; }
  # State of each host: installed packages, enabled and masked unit files,
  # active units; taken before and after the run, and compared as what the
  # run changed (which boot-time units of a container end up active varies
  # from boot to boot).
  state() { # NODE OUT
    addr=$(python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["all"]["hosts"][sys.argv[2]]["ansible_host"])' "$hosts/inventory.yaml" "$1")
    ssh -o UserKnownHostsFile="$hosts/known_hosts" -o StrictHostKeyChecking=yes -i "$key" "root@$addr" '
      rpm -qa --qf "package %{NAME}-%{VERSION}-%{RELEASE}\n" | sort
      systemctl list-unit-files --no-legend --state=enabled,masked | awk "{print \"unit-file \" \$1 \" \" \$2}" | sort
      systemctl list-units --no-legend --plain --state=active --type=service | awk "{print \"active \" \$1}"' | LC_ALL=C sort >"$2"
    upper=$(ls -d /tmp/konvoy-test-hosts/h"$hosts_pid"-*-"$addr"/upper)
    echo "$upper"
  }
  for n in node1 node2 node3 node4; do state "$n" "$dest/state-$n.before" >/dev/null; done
  start=$(date +%s)
  ANSIBLE_NOCOLOR=1 ANSIBLE_LIBRARY="$lib" ANSIBLE_SSH_CONTROL_PATH_DIR="$dest/cp" \
    "$venv/bin/ansible-playbook" -i "$dest/inventory.ansible.yaml" "$@" ansible/provision.yaml \
    >"$dest/run-ansible.log" 2>&1 || true
  mid=$(date +%s)
  # KIB v1.5.0 was written for ansible 2.10, which took a conditional's
  # truth value (`when: packer_builder_type and packer_builder_type != ""`
  # gives a string); ansible-core 2.19, which konvoy-image follows, needs
  # this setting for that.
  ANSIBLE_ALLOW_BROKEN_CONDITIONALS=true \
    "$konvoy" playbook -i "$dest/inventory.ours.yaml" "$@" ansible/provision.yaml \
    >"$dest/run-ours.log" 2>&1 || true
  end=$(date +%s)

  {
    echo "KIB v1.5.0 ansible/provision.yaml, offline, twin test hosts (systemd, own network namespace)"
    echo "ansible-playbook: $("$venv/bin/ansible-playbook" --version 2>/dev/null | sed -n 1p) (ansible 6.7.0), $((mid - start)) s"
    echo "konvoy-image: $((end - mid)) s"
    for side in ansible ours; do
      echo "== $side"
      grep -A3 '^PLAY RECAP' "$dest/run-$side.log" || grep -m5 -E '^(error|ERROR|\[ERROR\])' "$dest/run-$side.log" || true
      echo "failures:"
      grep -E '^(fatal|failed):' "$dest/run-$side.log" | cut -c1-300 || echo "(none)"
    done
    rc=0
    for pair in "centos-7 node1 node3" "centos-8 node2 node4"; do
      set -- $pair
      ou=$(state "$2" "$dest/state-$2.after")
      au=$(state "$3" "$dest/state-$3.after")
      for n in "$2" "$3"; do
        { LC_ALL=C comm -13 "$dest/state-$n.before" "$dest/state-$n.after" | sed 's/^/+ /'
          LC_ALL=C comm -23 "$dest/state-$n.before" "$dest/state-$n.after" | sed 's/^/- /'; } >"$dest/state-$n.txt"
      done
      python3 "$root/tests/kib/compare.py" "$1" "$ou" "$au" "$dest/state-$2.txt" "$dest/state-$3.txt" || rc=1
    done
    echo "compared: $rc (0 = identical)"
  } >"$dest/run-summary.txt" 2>&1
  cat "$dest/run-summary.txt"
  grep -q '^compared: 0' "$dest/run-summary.txt"
  ;;
*)
  echo "usage: $0 [list-tasks | run]" >&2
  exit 2
  ;;
esac
