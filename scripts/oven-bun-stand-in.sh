#!/bin/sh
# A LOCAL STAND-IN for the oven/bun:1 image, for the e2e suite on machines that cannot pull images.
# It is NOT the official image: Debian slim from the local node:22-slim stand-in, with bun's Linux
# binary (the npm package @oven/bun-linux-x64, through the `bun` package) as /usr/local/bin/bun and
# bunx, Node.js and npm removed afterwards, and the user `bun` (uid/gid 1000, home /home/bun) that
# the official image ships, in place of the node image's `node` user. Tagged oven/bun:1 and
# oven/bun:<version>. Used only by scripts/e2e.mjs, for the apps whose FROM is oven/bun.
#
#   sh scripts/oven-bun-stand-in.sh [docker|podman]      (BUN_VERSION=1.2.23 by default)
#
# Remove it with `<engine> rmi oven/bun:1 oven/bun:<version>`.
set -eu
ENGINE=${1:-docker}
VERSION=${BUN_VERSION:-1.2.23}
BUILD_NETWORK=""
[ "$ENGINE" = podman ] && BUILD_NETWORK="--network host"
# shellcheck disable=SC2086
$ENGINE build $BUILD_NETWORK -t oven/bun:1 -t "oven/bun:$VERSION" - <<DOCKERFILE
FROM node:22-slim
LABEL org.opencontainers.image.description="local stand-in for oven/bun:1 (not the official image)"
RUN npm install -g --no-audit --no-fund bun@$VERSION \\
    && cp "\$(readlink -f /usr/local/lib/node_modules/bun/bin/bun.exe)" /usr/local/bin/bun.real \\
    && rm -rf /usr/local/lib/node_modules /usr/local/bin/node /usr/local/bin/npm /usr/local/bin/npx \\
        /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg /usr/local/bin/bun /usr/local/bin/bunx /opt/yarn-* \\
    && mv /usr/local/bin/bun.real /usr/local/bin/bun \\
    && ln -s /usr/local/bin/bun /usr/local/bin/bunx \\
    && groupmod -n bun node && usermod -l bun -d /home/bun -m node \\
    && bun --version
WORKDIR /home/bun/app
CMD ["bun"]
DOCKERFILE
