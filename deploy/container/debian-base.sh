#!/bin/sh
# Builds the local base image of the Containerfiles, a minimal Debian 12, without a registry:
# debootstrap into a folder, then `podman import`. Where a registry is reachable, skip this and
# build with --build-arg BASE=docker.io/library/debian:bookworm-slim instead.
#
#   sh deploy/container/debian-base.sh [IMAGE]    (as root; needs debootstrap and podman)
#
# IMAGE defaults to localhost/debian-bookworm-base; an existing image is kept. The root file
# system is kept as a tar file in $XDG_CACHE_HOME/ketamine-faq-bot (else ~/.cache/...), so a
# rerun after `podman system reset` imports it again without downloading. FAQBOT_DEBIAN_MIRROR
# overrides the mirror (default http://deb.debian.org/debian).
set -eu
image=${1:-localhost/debian-bookworm-base}
mirror=${FAQBOT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/ketamine-faq-bot
tarball=$cache/debian-bookworm-minbase.tar

if podman image exists "$image"; then
    echo "$image exists"
    exit 0
fi
if [ ! -s "$tarball" ]; then
    mkdir -p "$cache"
    rootfs=$(mktemp -d "$cache/rootfs.XXXXXX")
    trap 'rm -rf "$rootfs" "$tarball.part"' EXIT
    debootstrap --variant=minbase bookworm "$rootfs" "$mirror"
    # Package files and lists: apt-get update fetches the lists again in each build.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -cf "$tarball.part" .
    mv "$tarball.part" "$tarball"
fi
podman import --change 'CMD ["/bin/bash"]' "$tarball" "$image"
