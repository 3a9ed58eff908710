#!/usr/bin/env bash
# Print the name of the tests' local base image for the execution environment, building it first when no
# image of the current recipe exists.
#
# No container registry is reachable from the test machines, so no public base image can be pulled: the base
# is Debian trixie (python3 3.13) made with debootstrap and `podman import`. What ansible-builder needs of it:
# python3 with pip and ensurepip (python3-venv), bash, and a package manager at options.package_manager_path
# (dnf-via-apt, beside this script). The CA certificates the host trusts (/usr/local/share/ca-certificates)
# are added, because here the way out to PyPI goes through a proxy with a CA of its own.
#
# The image is named localhost/invoca-messaging-ee-base:<hash of the recipe> (this script, the shim and those
# certificates), so a second run reuses it and a changed recipe makes a new one; images of older recipes are
# removed. Every image built from it carries the label invoca-messaging-tests=ee.
#
# Usage: tests/ee/base_image.sh   (as root; progress goes to stderr, the image name to stdout)

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export CONTAINERS_CONF=${CONTAINERS_CONF:-$here/containers.conf}

release=trixie
mirror=${INVOCA_EE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
packages=python3,python3-pip,python3-venv,ca-certificates
repository=localhost/invoca-messaging-ee-base
label=invoca-messaging-tests=ee

shopt -s nullglob
host_certificates=(/usr/local/share/ca-certificates/*.crt)
recipe_hash=$(cat "${BASH_SOURCE[0]}" "$here/dnf-via-apt" ${host_certificates[@]+"${host_certificates[@]}"} | sha256sum)
image=$repository:${recipe_hash:0:12}

if podman image exists "$image"; then
    echo "base image $image: reused" >&2
    echo "$image"
    exit 0
fi

workdir=$(mktemp -d "${TMPDIR:-/tmp}/invoca-ee-base.XXXXXX")
trap 'rm -rf "$workdir"' EXIT
rootfs=$workdir/rootfs

echo "base image $image: debootstrap of Debian $release (about a minute)" >&2
if ! debootstrap --variant=minbase --include="$packages" "$release" "$rootfs" "$mirror" > "$workdir/debootstrap.log" 2>&1; then
    tail -n 20 "$workdir/debootstrap.log" >&2
    echo "debootstrap of Debian $release from $mirror failed (its last lines are above)." >&2
    exit 1
fi
install -m 0755 "$here/dnf-via-apt" "$rootfs/usr/local/sbin/dnf-via-apt"
if [ ${#host_certificates[@]} -gt 0 ]; then
    cp "${host_certificates[@]}" "$rootfs/usr/local/share/ca-certificates/"
    chroot "$rootfs" update-ca-certificates > /dev/null 2>&1
fi
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*

if ! tar -C "$rootfs" --numeric-owner -c . |
    podman import --quiet --change 'CMD ["/bin/bash"]' --change 'ENV LANG=C.UTF-8' --change "LABEL $label" - "$image" \
        > /dev/null 2> "$workdir/import.log"; then
    tail -n 5 "$workdir/import.log" >&2
    echo "podman could not import the Debian $release tree as $image (its last lines are above)." >&2
    exit 1
fi

for old in $(podman images --filter "reference=$repository" --format '{{.Repository}}:{{.Tag}}'); do
    if [ "$old" != "$image" ]; then
        podman rmi "$old" > /dev/null 2>&1 || echo "base image $old (an older recipe) is still in use: kept" >&2
    fi
done
echo "base image $image: built" >&2
echo "$image"
