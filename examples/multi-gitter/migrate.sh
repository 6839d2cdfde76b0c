#!/bin/sh
# The script multi-gitter runs in each repository it clones (docs/batch.md: "Migrating many repositories").
#
# Exit 0 with a changed tree: multi-gitter commits and opens a pull request. Exit 0 with the tree
# unchanged (no Dockerfile, only non-Node or already migrated Dockerfiles): nothing. Non-zero (a
# Dockerfile the tool cannot read or write): an error for that repository, no pull request.
# Under `multi-gitter run --dry-run` (DRY_RUN=true, REPOSITORY set) the tool writes nothing and
# prints the diff, which multi-gitter shows in its log.
set -eu
exec npx --yes dockerfile-migrate@0.1 --write --quiet
