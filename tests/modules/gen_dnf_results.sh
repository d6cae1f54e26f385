#!/bin/sh
# Prints what ansible-core 2.19.14's dnf module registers for the package
# steps packages.rs checks (install, pin, latest, absent, nothing to do,
# check mode, a missing package), run on localhost against a scratch
# installroot with the same stand-in RPMs (built here as rpms.rs builds
# them). The expected `msg`/`results`/`rc` values in packages.rs come
# from this output. Needs rpmbuild, createrepo_c and Debian's python3-dnf.
set -eu
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
mkdir -p "$d/repo" "$d/extra" "$d/root/etc/dnf/vars" "$d/root/etc/yum.repos.d" "$d/w"
echo 8 > "$d/root/etc/dnf/vars/releasever"
build() { # NAME VERSION OUTDIR
	cat > "$d/w/$1-$2.spec" <<SPEC
Name: $1
Version: $2
Release: 1
Summary: konvoy-image test package
License: Apache-2.0
BuildArch: noarch
AutoReqProv: no
%description
konvoy-image test package.
%install
mkdir -p %{buildroot}/usr/share/konvoy-test
echo $1-$2 > %{buildroot}/usr/share/konvoy-test/$1
%files
/usr/share/konvoy-test/$1
SPEC
	rpmbuild -bb --quiet --define "_topdir $d/w/rpmbuild" --define "_rpmdir $3" \
		--define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" \
		"$d/w/$1-$2.spec" >/dev/null
}
build konvoy-a 1.0 "$d/repo"; build konvoy-b 1.0 "$d/repo"; build konvoy-b 2.0 "$d/repo"
build konvoy-file 1.0 "$d/extra"
createrepo_c --quiet --no-database "$d/repo"
printf '[main]\nreposdir=%s/root/etc/yum.repos.d\ngpgcheck=0\n' "$d" > "$d/dnf.conf"
printf '[offline]\nname=offline\nbaseurl=file://%s/repo\ngpgcheck=0\n' "$d" > "$d/root/etc/yum.repos.d/offline.repo"
cat > "$d/p.yml" <<YAML
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: /usr/bin/python3
    r: {installroot: "$d/root", disable_gpg_check: true, use_backend: dnf4, conf_file: "$d/dnf.conf"}
  tasks:
    - {dnf: "{{ r | combine({'name': 'konvoy-a'}) }}", check_mode: true, register: check}
    - {dnf: "{{ r | combine({'name': 'konvoy-a'}) }}", register: install}
    - {dnf: "{{ r | combine({'name': 'konvoy-a'}) }}", register: unchanged}
    - {dnf: "{{ r | combine({'name': ['konvoy-a', 'konvoy-b-1.0']}) }}", register: pin}
    - {dnf: "{{ r | combine({'name': ['konvoy-a', 'konvoy-b'], 'state': 'latest'}) }}", register: latest}
    - {dnf: "{{ r | combine({'name': 'konvoy-b-1.0'}) }}", register: pin_older}
    - {dnf: "{{ r | combine({'update_cache': true}) }}", register: cache}
    - {dnf: "{{ r | combine({'name': ['konvoy-a', 'konvoy-b'], 'state': 'absent'}) }}", register: absent}
    - {dnf: "{{ r | combine({'name': ['konvoy-a', 'konvoy-b'], 'state': 'absent'}) }}", register: absent_again}
    - {dnf: "{{ r | combine({'name': '$d/extra/konvoy-file-1.0-1.noarch.rpm'}) }}", register: file}
    - {dnf: "{{ r | combine({'name': 'no-such-package'}) }}", register: missing, ignore_errors: true}
    - copy:
        dest: "$d/res.json"
        content: "{{ {'check': check, 'install': install, 'unchanged': unchanged, 'pin': pin, 'latest': latest, 'pin_older': pin_older, 'cache': cache, 'absent': absent, 'absent_again': absent_again, 'file': file, 'missing': missing} | to_json }}"
YAML
ANSIBLE_NOCOLOR=1 ANSIBLE_LOCALHOST_WARNING=false ansible-playbook "$d/p.yml" >"$d/log" 2>&1 || { cat "$d/log"; exit 1; }
python3 - "$d/res.json" <<'PY'
import json, sys
for name, r in json.load(open(sys.argv[1])).items():
    r.pop("invocation", None)
    print(name, json.dumps(r, sort_keys=True))
PY
