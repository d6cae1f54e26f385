# konvoy-image fact probe: POSIX sh, read-only, one round trip.
# Every section starts on a fresh line with the byte 0x1e (RS), its name, a
# newline; its content runs up to the next newline + 0x1e. Content is raw.
s() { printf '\n\036%s\n' "$1"; }
# The environment first, before this script changes anything. NUL-separated
# from /proc when possible, so values with newlines survive.
if [ -r /proc/self/environ ]; then s env0; cat /proc/self/environ; else s env; env; fi
un=$(uname -snrvm); s uname; printf '%s\n' "$un"
s id; id
u=${LOGNAME:-${USER:-${LNAME:-${USERNAME:-}}}}
[ -n "$u" ] || u=$(id -un 2>/dev/null)
s user; printf '%s\n' "$u"
# The passwd entry of that name, else of the uid (Python's getpwnam, getpwuid).
pw() { getent passwd "$2" 2>/dev/null || awk -F: -v k="$1" -v v="$2" '$k == v' /etc/passwd 2>/dev/null; }
p=$(pw 1 "$u"); [ -n "$p" ] || p=$(pw 3 "$(id -u 2>/dev/null)")
s passwd; printf '%s\n' "$p"
# Release files: what Ansible's distribution logic and its `distro` library read.
for p in /etc/*[-_]release /etc/*[-_]version /usr/lib/os-release /etc/coreos/update.conf /etc/release /etc/product; do
  [ -f "$p" ] && { s "file $p"; cat "$p" 2>/dev/null; }
done
[ -L /etc/products.d/baseproduct ] && { s "realpath /etc/products.d/baseproduct"; readlink -f /etc/products.d/baseproduct; }
# `lsb_release -a` (a Python program on many distributions) only decides
# something when os-release lacks ID, VERSION_ID or a codename.
o=/etc/os-release; [ -f $o ] || o=/usr/lib/os-release
if ! { grep -q '^ID=' $o && grep -q '^VERSION_ID=' $o && grep -q -E '^(VERSION_CODENAME|UBUNTU_CODENAME)=' $o; } 2>/dev/null &&
  command -v lsb_release >/dev/null 2>&1; then
  s lsb_release; lsb_release -a 2>/dev/null
fi
# Debian's last resort for a release name: the tzdata package.
if ! grep -q '^VERSION_CODENAME=' $o 2>/dev/null && command -v dpkg >/dev/null 2>&1; then
  s dpkg_tzdata; dpkg --status tzdata 2>/dev/null | grep Provides | cut -f2 -d'-'
fi
# Paths whose existence decides pkg_mgr, service_mgr and friends.
s exists
for p in /usr/bin/rpm-ostree /usr/bin/yum /usr/bin/dnf-3 /usr/bin/dnf5 /usr/bin/apt-get /usr/bin/zypper \
  /usr/sbin/urpmi /usr/bin/pacman /bin/opkg /usr/pkg/bin/pkgin /opt/local/bin/pkgin /opt/tools/bin/pkgin \
  /opt/local/bin/port /usr/local/bin/brew /opt/homebrew/bin/brew /sbin/apk /usr/sbin/pkg /usr/sbin/swlist \
  /usr/bin/emerge /usr/sbin/pkgadd /usr/bin/pkg /usr/bin/xbps-install /usr/local/sbin/pkg /usr/bin/swupd \
  /usr/sbin/sorcery /usr/bin/installp /run/ostree-booted /usr/bin/dnf /usr/bin/microdnf /usr/bin/rpm \
  /run/systemd/system/ /dev/.run/systemd/ /dev/.systemd/ /etc/init/ /sbin/openrc /etc/init.d/ /etc/dinit.d/ \
  /proc/xen; do
  [ -e "$p" ] && printf '%s\n' "$p"
done
s realpath
for p in /usr/bin/dnf /usr/bin/microdnf; do [ -e $p ] && printf '%s %s\n' $p "$(readlink -f $p)"; done
[ -e /usr/bin/rpm ] && [ -e /usr/bin/apt-get ] && {
  s apt_rpm; /usr/bin/rpm -q --whatprovides /usr/bin/apt-get >/dev/null 2>&1; echo $?
}
# Ansible's get_bin_path: PATH, then the sbin directories.
s bin
ipb=
for b in systemctl initctl ip; do
  f=; o_ifs=$IFS; IFS=:
  for d in $PATH /sbin /usr/sbin /usr/local/sbin; do
    [ -n "$d" ] && [ -f "$d/$b" ] && [ -x "$d/$b" ] && { f=$d/$b; break; }
  done
  IFS=$o_ifs
  [ -n "$f" ] && printf '%s %s\n' "$b" "$f"
  [ "$b" = ip ] && ipb=$f
done
s init_link; [ -L /sbin/init ] && readlink /sbin/init
if [ -r /proc/1/comm ]; then c=; read -r c </proc/1/comm; s proc1_comm; printf '%s\n' "$c"
else s proc1_ps; ps -p 1 -o comm 2>/dev/null | tail -n 1; fi
s meminfo; grep -E '^(MemTotal|MemFree|Buffers|Cached|SwapCached|SwapTotal|SwapFree):' /proc/meminfo 2>/dev/null
s cpuinfo
grep -E '^(model name|Processor|vendor_id|cpu|Vendor|processor|physical id|core id|cpu cores|siblings|# processors|max thread id|ncpus active)[[:space:]]*:' /proc/cpuinfo 2>/dev/null
hv=; read -r hv 2>/dev/null </sys/hypervisor/type
if [ -e /proc/xen ] || [ "$hv" = xen ]; then
  s xen_flags_without_vme; grep '^flags' /proc/cpuinfo 2>/dev/null | grep -cvw vme
fi
# Python counts the CPUs this process may use; GNU nproc would also obey OpenMP's variables.
s nproc; (unset OMP_NUM_THREADS OMP_THREAD_LIMIT; nproc 2>/dev/null)
# Python reports its own binary's word size; without getconf, read the ELF
# class of /bin/sh (byte 5: 1 = 32-bit, 2 = 64-bit).
s long_bit; getconf LONG_BIT 2>/dev/null ||
  case $(od -An -tu1 -j4 -N1 /bin/sh 2>/dev/null) in *2) echo 64 ;; *1) echo 32 ;; esac
m=; read -r m 2>/dev/null </var/lib/dbus/machine-id; [ -n "$m" ] || read -r m 2>/dev/null </etc/machine-id
s machine_id; printf '%s\n' "$m"
f=; read -r f 2>/dev/null </proc/sys/crypto/fips_enabled; s fips; printf '%s\n' "$f"
# socket.getfqdn(): forward-resolve the node name, then reverse-resolve its first address.
set -f; set -- $un; set +f; n=$2
if command -v getent >/dev/null 2>&1; then
  a=$(getent ahosts "$n" 2>/dev/null | head -n 1)
  s fqdn_byaddr; [ -n "$a" ] && getent hosts "${a%% *}" 2>/dev/null
else
  s fqdn_hostname; hostname -f 2>/dev/null
fi
# Network: the default routes, every address, and the sysfs details of
# each interface in directory order (the order Python's glob sees).
if [ -n "$ipb" ]; then
  s route4; "$ipb" -4 route get 8.8.8.8 2>/dev/null
  s route6; "$ipb" -6 route get 2404:6800:400a:800::1012 2>/dev/null
  s addr; "$ipb" -o addr show 2>/dev/null
fi
s netdev
for d in $(find /sys/class/net -mindepth 1 -maxdepth 1 2>/dev/null); do
  [ -d "$d" ] || continue
  mac=; mtu=; typ=; kind=
  read -r mac 2>/dev/null <"$d/address"
  read -r mtu 2>/dev/null <"$d/mtu"
  read -r typ 2>/dev/null <"$d/type"
  [ -e "$d/bridge" ] && kind=bridge
  [ -e "$d/bonding" ] && kind=bonding
  printf '%s\t%s\t%s\t%s\t%s\n' "${d##*/}" "$mac" "$mtu" "$typ" "$kind"
done
# The BSDs' kernel version names their release.
case $un in Linux\ *) ;; *) s kern_version; sysctl -n kern.version 2>/dev/null ;; esac
# Local facts (setup's default fact_path): each *.fact file is run when its
# owner may execute it (stdout kept, stderr for the error), read otherwise.
fp=/etc/ansible/facts.d
if [ -e "$fp" ]; then
  for f in "$fp"/*.fact; do
    if [ ! -e "$f" ]; then [ -L "$f" ] && s "local_nostat $f"; continue; fi
    if [ -n "$(find -L "$f" -prune -perm -u=x 2>/dev/null)" ]; then
      s "local_run $f"
      # stderr into $e (its final newlines kept by the x), stdout to the probe.
      exec 3>&1; e=$("$f" </dev/null 2>&1 >&3 3>&-; r=$?; printf x; exit $r); r=$?; exec 3>&-
      e=${e%x}
      s "local_rc $f"; printf '%s\n' "$r"
      s "local_err $f"; printf '%s' "$e"
    else
      s "local_read $f"; cat "$f" 2>/dev/null
    fi
  done
fi
s python
# The interpreter Ansible would discover, and what its `python` facts say
# about it (version, implementation, ssl, sys.executable), in one start.
if py=$(command -v python3 2>/dev/null || command -v python 2>/dev/null); then
  printf '%s\n' "$py"
  "$py" -c 'import sys,importlib.util as u;v=sys.version_info;print(*v[:5],sys.implementation.name,int(u.find_spec("ssl") is not None),sys.executable)' 2>/dev/null
fi
s end
