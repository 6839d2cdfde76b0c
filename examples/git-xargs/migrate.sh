#!/bin/sh
# The command git-xargs runs in each repository it clones (docs/batch.md: "Migrating many repositories").
# git-xargs runs it by absolute path, with no shell: `"$PWD/examples/git-xargs/migrate.sh"`.
#
# git-xargs commits every file the command leaves changed or new: the tool writes only the
# Dockerfiles it migrates and their .dockerignore files; no backup, and a temporary file is left
# only by a process killed mid-write, which exits non-zero: nothing is committed then.
# Exit 0 with no change: no commit, no pull request. Non-zero: an error for that repository,
# nothing committed. XARGS_DRY_RUN is not read: git-xargs --dry-run already pushes nothing.
set -eu
exec npx --yes dockerfile-migrate@0.1 --write --quiet
