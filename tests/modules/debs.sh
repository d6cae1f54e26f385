#!/bin/sh
# Builds the Debian test fixtures into OUTDIR (used by debs.rs and by
# gen_deb_results.sh, so both sides of a comparison see the same bytes):
#
#   OUTDIR/main/   flat apt repository, Suite `konvoy-main`, signed:
#                  konvoy-a 1.0-1, konvoy-b 1.0-1 and 2.0-1,
#                  konvoy-dep 1.0-1 (Depends: konvoy-lib), konvoy-lib 1.0-1,
#                  konvoy-rec 1.0-1 (Recommends: konvoy-recd), konvoy-recd 1.0-1,
#                  konvoy-conf 1.0-1 (a conffile /etc/konvoy-conf.conf)
#   OUTDIR/extra/  flat apt repository, Suite `konvoy-extra`, signed:
#                  konvoy-b 3.0-1
#   OUTDIR/files/  konvoy-file_1.0-1_all.deb, konvoy-file_2.0-1_all.deb
#                  (not in any repository, for `deb:`)
#   OUTDIR/key.asc, OUTDIR/key.gpg   the signing key (armored, binary)
#   OUTDIR/fingerprint               its fingerprint (40 hex digits)
#   OUTDIR/key2.asc, OUTDIR/fingerprint2   a second key (apt_key tests)
#
# Every package is `Architecture: all` and owns /usr/share/konvoy-test/NAME.
# Needs dpkg-deb, apt-ftparchive (apt-utils) and gpg.
set -eu
out=$1
rm -rf "$out"
mkdir -p "$out/main" "$out/extra" "$out/files" "$out/w"
export GNUPGHOME="$out/w/gnupg"
mkdir -m 700 "$GNUPGHOME"

deb() { # DIR NAME VERSION [CONTROL-LINES]
	d="$out/w/$2-$3"
	mkdir -p "$d/DEBIAN" "$d/usr/share/konvoy-test"
	echo "$2 $3" > "$d/usr/share/konvoy-test/$2"
	{
		printf 'Package: %s\nVersion: %s\nArchitecture: all\n' "$2" "$3"
		printf 'Maintainer: konvoy-image tests <test@konvoy.invalid>\n'
		printf 'Section: misc\nPriority: optional\n'
		[ -n "${4:-}" ] && printf '%s\n' "$4"
		printf 'Description: konvoy-image test package\n Built by tests/modules/debs.sh.\n'
	} > "$d/DEBIAN/control"
	if [ "$2" = konvoy-conf ]; then
		mkdir -p "$d/etc"
		echo "setting=$3" > "$d/etc/konvoy-conf.conf"
		echo /etc/konvoy-conf.conf > "$d/DEBIAN/conffiles"
	fi
	SOURCE_DATE_EPOCH=1700000000 dpkg-deb --root-owner-group -Zgzip --build "$d" "$1/$2_$3_all.deb" >/dev/null
}

deb "$out/main" konvoy-a 1.0-1
deb "$out/main" konvoy-b 1.0-1
deb "$out/main" konvoy-b 2.0-1
deb "$out/main" konvoy-lib 1.0-1
deb "$out/main" konvoy-dep 1.0-1 'Depends: konvoy-lib'
deb "$out/main" konvoy-recd 1.0-1
deb "$out/main" konvoy-rec 1.0-1 'Recommends: konvoy-recd'
deb "$out/main" konvoy-conf 1.0-1
deb "$out/extra" konvoy-b 3.0-1
deb "$out/files" konvoy-file 1.0-1
deb "$out/files" konvoy-file 2.0-1

gpg --batch --no-tty --passphrase '' --quick-gen-key 'konvoy-image test <test@konvoy.invalid>' rsa2048 sign never 2>/dev/null
gpg --batch --no-tty --passphrase '' --quick-gen-key 'konvoy-image second <second@konvoy.invalid>' rsa2048 sign never 2>/dev/null
fprs=$(gpg --batch --with-colons --fingerprint --list-keys 2>/dev/null | awk -F: '$1 == "fpr" {print $10}')
fpr=$(echo "$fprs" | sed -n 1p)
fpr2=$(echo "$fprs" | sed -n 2p)
echo "$fpr" > "$out/fingerprint"
echo "$fpr2" > "$out/fingerprint2"
gpg --batch --armor --export "$fpr" > "$out/key.asc"
gpg --batch --export "$fpr" > "$out/key.gpg"
gpg --batch --armor --export "$fpr2" > "$out/key2.asc"

for repo in main extra; do
	(
		cd "$out/$repo"
		apt-ftparchive packages . > Packages
		gzip -9nk Packages
		apt-ftparchive -o APT::FTPArchive::Release::Suite="konvoy-$repo" \
			-o APT::FTPArchive::Release::Codename="konvoy-$repo" \
			-o APT::FTPArchive::Release::Origin=konvoy \
			-o APT::FTPArchive::Release::Label="konvoy-$repo" \
			-o APT::FTPArchive::Release::Date='Tue, 14 Nov 2023 22:13:20 UTC' \
			release . > ../Release.tmp
		mv ../Release.tmp Release
		gpg --batch --yes --local-user "$fpr" --clearsign -o InRelease Release 2>/dev/null
		gpg --batch --yes --local-user "$fpr" -abs -o Release.gpg Release 2>/dev/null
	)
done
rm -rf "$out/w"
