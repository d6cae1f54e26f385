# shellcheck shell=sh
# Stand-in programs for the provisioning tests: tiny shell scripts with the
# names, versions and command-line answers the playbook and the tests look
# at. Sourced by build-rpms.sh and build-mirror.sh; each function writes one
# executable file.
#
# containerd and kubelet stay in the foreground (sleep) so systemd sees an
# active service; containerd also tells systemd it is ready (its release
# unit is Type=notify). ctr and crictl share a list of "present images"
# under /var/lib/containerd, so import, pull and list behave consistently;
# crictl pull really fetches the image manifest from the registry (or its
# mirror) that containerd's configuration names, so a wrong image name or
# mirror setting fails as it would with the real tools.

STANDIN_IMAGES_LIST=/var/lib/containerd/konvoy-standin-images

standin_write() { # file, then the script on stdin
	mkdir -p "$(dirname "$1")"
	cat >"$1"
	chmod 0755 "$1"
}

standin_containerd() { # file version
	standin_write "$1" <<SH
#!/bin/sh
# Stand-in for containerd $2 (konvoy-image tests). Prints its version as the
# real one does (\`containerd <module> v<version> <commit>\`).
case "\$1" in
-v|--version) echo "containerd github.com/containerd/containerd v$2 konvoy-standin"; exit 0 ;;
esac
# Type=notify units wait for READY=1 (systemd-notify sends it for its
# parent, this process).
[ -n "\$NOTIFY_SOCKET" ] && systemd-notify --ready
exec sleep infinity
SH
}

standin_runc() { # file version
	standin_write "$1" <<SH
#!/bin/sh
# Stand-in for runc $2 (konvoy-image tests).
case "\$1" in
-v|--version) echo "runc version $2"; echo "spec: 1.2.1"; exit 0 ;;
esac
echo "runc stand-in: unsupported: \$*" >&2
exit 1
SH
}

standin_daemon() { # file name: a service that stays up (auditd, update-engine, ...)
	standin_write "$1" <<SH
#!/bin/sh
# Stand-in for the $2 daemon (konvoy-image tests).
exec sleep infinity
SH
}

standin_ctr() { # file version
	standin_write "$1" <<SH
#!/bin/sh
# Stand-in for ctr $2 (konvoy-image tests). Understands the global options
# --address/--namespace and: images ls [-q], images import FILE, images pull REF,
# images check [-q] [name==REF] (present images, as a table or names only).
list=$STANDIN_IMAGES_LIST
while [ \$# -gt 0 ]; do
	case "\$1" in
	-a|--address|-n|--namespace) shift 2 ;;
	--address=*|--namespace=*) shift ;;
	-v|--version) echo "ctr containerd.io $2 konvoy-standin"; exit 0 ;;
	*) break ;;
	esac
done
[ "\$1" = images ] || [ "\$1" = image ] || [ "\$1" = i ] || { echo "ctr stand-in: unsupported: \$*" >&2; exit 1; }
shift
case "\$1" in
ls|list) [ -f "\$list" ] && sort -u "\$list"; exit 0 ;;
import) shift
	file=""
	for a in "\$@"; do case "\$a" in -*) ;; *) file="\$a" ;; esac; done
	[ -r "\$file" ] || { echo "ctr stand-in: cannot read \$file" >&2; exit 1; }
	# The name comes from the archive's index.json, as containerd reads it.
	name=\$(tar -xOf "\$file" ./index.json index.json 2>/dev/null |
		sed -n 's/.*"io.containerd.image.name":"\([^"]*\)".*/\1/p')
	[ -n "\$name" ] || { echo "ctr stand-in: no image name in \$file" >&2; exit 1; }
	mkdir -p "\$(dirname "\$list")"
	echo "\$name" >>"\$list"
	echo "unpacking \$name...done" ;;
pull) shift; mkdir -p "\$(dirname "\$list")"; echo "\$1" >>"\$list" ;;
check) shift
	quiet="" want=""
	for a in "\$@"; do case "\$a" in -q|--quiet) quiet=1 ;; name==*) want="\${a#name==}" ;; esac; done
	[ -n "\$quiet" ] || echo "REF TYPE DIGEST STATUS SIZE UNPACKED"
	[ -f "\$list" ] || exit 0
	sort -u "\$list" | while read -r ref; do
		[ -z "\$want" ] || [ "\$ref" = "\$want" ] || continue
		if [ -n "\$quiet" ]; then echo "\$ref"; else
			echo "\$ref application/vnd.oci.image.index.v1+json sha256:0 complete (1/1) 0.0 B/0.0 B true"; fi
	done ;;
*) echo "ctr stand-in: unsupported: images \$*" >&2; exit 1 ;;
esac
SH
}

standin_shim() { # file version
	standin_write "$1" <<SH
#!/bin/sh
# Stand-in for \$(basename "\$0") from containerd $2 (konvoy-image tests).
echo "\$(basename "\$0"): containerd $2 konvoy-standin"
SH
}

standin_kubelet() { # file version
	standin_write "$1" <<SH
#!/bin/sh
# Stand-in for kubelet v$2 (konvoy-image tests).
case "\$1" in
--version) echo "Kubernetes v$2"; exit 0 ;;
esac
exec sleep infinity
SH
}

standin_kubeadm() { # file version
	standin_write "$1" <<SH
#!/bin/sh
# Stand-in for kubeadm v$2 (konvoy-image tests).
case "\$*" in
"version -o short") echo "v$2" ;;
version*) echo "kubeadm version: &version.Info{GitVersion:\"v$2\"}" ;;
*) echo "kubeadm stand-in: unsupported: \$*" >&2; exit 1 ;;
esac
SH
}

standin_kubectl() { # file version
	standin_write "$1" <<SH
#!/bin/sh
# Stand-in for kubectl v$2 (konvoy-image tests).
case "\$*" in
version*) echo "Client Version: v$2" ;;
*) echo "kubectl stand-in: unsupported: \$*" >&2; exit 1 ;;
esac
SH
}

standin_crictl() { # file version
	standin_write "$1" <<SH
#!/bin/sh
# Stand-in for crictl v$2 (konvoy-image tests): --version, pull REF, images.
# A pull resolves REF as containerd's CRI does: Docker Hub short names become
# docker.io/..., the registry's endpoints come from containerd's config
# (with config_path in config.toml, as every version 3 config and version 2
# ones of containerd 1.5+ have: /etc/containerd/certs.d/<registry or
# _default>/hosts.toml; without: the mirrors tables of config.toml), then the
# registry itself.
# The first endpoint that serves /v2/<name>/manifests/<tag> wins; the full
# name is added to the list of present images.
list=$STANDIN_IMAGES_LIST
endpoints() { # registry
	certs=/etc/containerd/certs.d
	if grep -q '^ *config_path = "/etc/containerd/certs.d"' /etc/containerd/config.toml 2>/dev/null; then
		for d in "\$1" _default; do
			[ -f "\$certs/\$d/hosts.toml" ] || continue
			sed -n 's/^\[host\."\(.*\)"\]$/\1/p' "\$certs/\$d/hosts.toml"
			server=\$(sed -n 's/^server = "\(.*\)"$/\1/p' "\$certs/\$d/hosts.toml")
			echo "\${server:-https://\$1}"
			return
		done
	else
		for m in "\$1" '*'; do
			line=\$(grep -A1 -F "registry.mirrors.\"\$m\"]" /etc/containerd/config.toml 2>/dev/null | sed -n 's/^ *endpoint = \[\(.*\)\]$/\1/p')
			[ -n "\$line" ] || continue
			echo "\$line" | tr ',' '\n' | sed 's/^ *"//; s/" *$//'
			break
		done
	fi
	[ "\$1" = docker.io ] && echo https://registry-1.docker.io || echo "https://\$1"
}
pull() { # ref
	ref=\$1
	case "\$ref" in
	*/*) first=\${ref%%/*}
		case "\$first" in *.*|*:*|localhost) full=\$ref ;; *) full=docker.io/\$ref ;; esac ;;
	*) full=docker.io/library/\$ref ;;
	esac
	registry=\${full%%/*}
	rest=\${full#*/}
	name=\${rest%:*}
	tag=\${rest##*:}
	for ep in \$(endpoints "\$registry"); do
		if curl -fsS --max-time 5 -o /dev/null "\${ep%/}/v2/\$name/manifests/\$tag" 2>/dev/null; then
			mkdir -p "\$(dirname "\$list")"
			echo "\$full" >>"\$list"
			echo "Image is up to date for \$full (from \$ep)"
			return 0
		fi
	done
	echo "E0000 pulling image \"\$ref\": not found at any endpoint of \$registry" >&2
	return 1
}
case "\$1" in
-v|--version) echo "crictl version v$2" ;;
pull) pull "\$2" ;;
images|img) [ -f "\$list" ] && sort -u "\$list"; exit 0 ;;
*) echo "crictl stand-in: unsupported: \$*" >&2; exit 1 ;;
esac
SH
}

standin_cni_plugin() { # file version
	standin_write "$1" <<SH
#!/bin/sh
# Stand-in for the CNI plugin \$(basename "\$0") v$2 (konvoy-image tests).
echo "CNI plugin \$(basename "\$0") v$2 konvoy-standin"
SH
}

# The CNI plugins the stand-in tarball and RPM carry (used by the scripts
# that source this file).
# shellcheck disable=SC2034
STANDIN_CNI_PLUGINS="bridge host-local loopback portmap"
