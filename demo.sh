#!/usr/bin/env bash
# The whole job on one machine: build konvoy-image, build a local mirror of
# everything provisioning downloads (tests/artifacts/build-mirror.sh: signed
# RPM repositories in pkgs.k8s.io's layout, release downloads, a registry,
# on 127.0.0.1), start four local test hosts (CentOS 7, CentOS 8, Rocky
# Linux 9, Flatcar: an sshd and a real systemd each, in their own overlay of
# this machine's /), provision them all with one `konvoy-image provision`
# run without an image (each host gets the image of its OS: current
# Kubernetes and containerd 2.x on Rocky and Flatcar, the 2021 pins on
# CentOS), check the result over SSH, run it again (changed=0), then tear
# everything down.
#
# Needs root (the test hosts use namespaces and overlay mounts) and a Debian
# machine; missing tools are installed with apt-get. Takes a few minutes,
# most of it the release build on a cold machine.
set -euo pipefail
cd "$(dirname "$0")"
repo=$PWD

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root: the test hosts are namespaces with overlay mounts"

# --- tools ------------------------------------------------------------------
PKGS=(openssh-server openssh-client rpm dnf dnf-plugins-core createrepo-c gpg apt-utils kmod python3
      systemd util-linux openssl tar gzip curl)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "Installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v cargo >/dev/null || die "needs a Rust toolchain (cargo) to build konvoy-image"

# --- teardown on any exit -----------------------------------------------------
work=$(mktemp -d /tmp/konvoy-demo.XXXXXX)
hosts_pid="" mirror_pid=""
cleanup() {
  set +e
  if [ -n "$hosts_pid" ]; then
    say "Stopping the test hosts"
    exec 3>&- # closing their stdin ends them
    wait "$hosts_pid"
  fi
  [ -n "$mirror_pid" ] && kill "$mirror_pid" 2>/dev/null && wait "$mirror_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- build --------------------------------------------------------------------
say "Building konvoy-image (release) and the test-host launcher"
cargo build --release --quiet --bin konvoy-image --example testhosts
bin=$repo/target/release/konvoy-image
testhosts=$repo/target/release/examples/testhosts

# --- artifacts and mirror -------------------------------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
say "Building the local mirror (stand-ins with the real names, versions, paths and checksums)"
bash tests/artifacts/build-mirror.sh "$work/mirror" "http://127.0.0.1:$port" >"$work/build.log" 2>&1 ||
  { cat "$work/build.log"; die "build-mirror.sh failed"; }
echo "    RPM repositories: $(find "$work/mirror/www" -name '*.rpm' | wc -l) packages, signed"

say "Starting the artifact mirror on http://127.0.0.1:$port"
python3 -m http.server --bind 127.0.0.1 "$port" --directory "$work/mirror/www" >"$work/mirror.log" 2>&1 &
mirror_pid=$!
for _ in $(seq 100); do
  (exec 5<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done

# --- test hosts -----------------------------------------------------------------
say "Starting test hosts: CentOS 7, CentOS 8, Rocky Linux 9, Flatcar (each with its own systemd)"
mkfifo "$work/hold"
"$testhosts" --systemd --mirror-out "$work/mirror" --os-repos "$work/hosts" \
  centos-7 centos-8 rocky-9 flatcar <"$work/hold" >"$work/hosts.out" 2>"$work/hosts.log" &
hosts_pid=$!
exec 3>"$work/hold" # their stdin: the hosts live until it closes
for _ in $(seq 900); do
  grep -q ready "$work/hosts.out" 2>/dev/null && break
  kill -0 "$hosts_pid" 2>/dev/null || { cat "$work/hosts.log"; hosts_pid=""; die "the test hosts did not start"; }
  sleep 0.1
done
grep -q ready "$work/hosts.out" || { cat "$work/hosts.log"; die "the test hosts did not start within 90 s"; }
sed 's/^testhosts: /    /' "$work/hosts.log"
# Trust the hosts' keys the way an operator would: ~/.ssh/known_hosts.
mkdir -p "$work/home/.ssh"
cp "$work/hosts/known_hosts" "$work/home/.ssh/known_hosts"
inventory=$work/hosts/inventory.yaml
echo "    inventory:   $inventory"

# Hosts share this machine's network namespace and swap: apply sysctls and
# swapoff at the next boot only (playbooks/README.md, "Switches").
provision() {
  (cd "$work" && HOME=$work/home "$bin" provision \
    --inventory-file "$inventory" --overrides "$work/mirror/mirror-overrides.yaml" \
    --extra-vars sysctl_reload=false --extra-vars disable_swap_now=false --stats)
}

# --- the job --------------------------------------------------------------------
say "konvoy-image provision --inventory-file inventory.yaml --overrides mirror-overrides.yaml"
start=$(date +%s%N)
provision | tee "$work/run1.log"
first_ms=$((($(date +%s%N) - start) / 1000000))

say "Checking the hosts over SSH"
key=$(sed -n 's/^ *ansible_ssh_private_key_file: //p' "$inventory")
while read -r name addr; do
  out=$(ssh -n -q -i "$key" -o UserKnownHostsFile="$work/hosts/known_hosts" -o StrictHostKeyChecking=yes \
    "root@$addr" '. /etc/os-release; PATH=/opt/bin:/usr/local/bin:$PATH
      printf "%s: kubeadm %s, containerd %s (%s), kubelet %s" "$PRETTY_NAME" "$(kubeadm version -o short)" \
        "$(containerd --version | cut -d" " -f3)" "$(systemctl is-active containerd)" "$(systemctl is-enabled kubelet)"')
  echo "    $name ($addr): $out"
done < <(awk '/^    node[0-9]+:/{n=$1; sub(":","",n)} /ansible_host:/{print n, $2}' "$inventory")

say "Running it again: nothing left to do"
provision | tee "$work/run2.log" | sed -n '/PLAY RECAP/,$p'
if grep -E ' : ok=' "$work/run2.log" | grep -vq 'changed=0 .*failed=0'; then
  die "the second run changed something"
fi
say "Done: first run $((first_ms / 1000)).$((first_ms % 1000 / 100)) s, second run changed=0 on every host. Tearing down."
