# shellcheck shell=sh
# Stand-in programs for the provisioning tests: tiny shell scripts with the
# names, versions and command-line answers the playbook and the tests look
# at. Sourced by build-rpms.sh and build-mirror.sh; each function writes one
# executable file.
#
# containerd and kubelet stay in the foreground (sleep) so systemd sees an
# active service. ctr and crictl share a list of "present images" under
# /var/lib/containerd, so import, pull and list behave consistently.

STANDIN_IMAGES_LIST=/var/lib/containerd/konvoy-standin-images

standin_write() { # file, then the script on stdin
	mkdir -p "$(dirname "$1")"
	cat >"$1"
	chmod 0755 "$1"
}

standin_containerd() { # file version
	standin_write "$1" <<SH
#!/bin/sh
# Stand-in for containerd $2 (konvoy-image tests).
case "\$1" in
-v|--version) echo "containerd containerd.io $2 konvoy-standin"; exit 0 ;;
esac
exec sleep infinity
SH
}

standin_ctr() { # file version
	standin_write "$1" <<SH
#!/bin/sh
# Stand-in for ctr $2 (konvoy-image tests). Understands the global options
# --address/--namespace and: images ls [-q], images import FILE, images pull REF.
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
list=$STANDIN_IMAGES_LIST
case "\$1" in
-v|--version) echo "crictl version v$2" ;;
pull) mkdir -p "\$(dirname "\$list")"; echo "\$2" >>"\$list"; echo "Image is up to date for \$2" ;;
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
