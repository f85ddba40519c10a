# syntax=docker/dockerfile:1

# Build stage: full toolchain, dev dependencies, TypeScript compile.
FROM node:24-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 13 ships N-API prebuilds inside its package: no compiler needed.
COPY package.json package-lock.json ./
# npm ci's prepare step builds the operator console from console/ into console/dist.
COPY console ./console
COPY scripts/build-console.mjs ./scripts/
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev

# Runtime stage: no compiler, no dev dependencies, no sources; runs as the unprivileged `node` user.
FROM node:24-bookworm-slim AS runtime
ENV ENV=production \
    NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    SQLITE_PATH=/app/data/orders.db
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/console/dist ./console/dist
# The embedded shape writes its SQLite file here; mount a volume to keep it.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8080
# Liveness only: readiness (/health/ready) is for the load balancer, and a dependency outage must not restart the container.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# main.js drains requests and stops workers on SIGTERM within SHUTDOWN_TIMEOUT_MS (default 25 s).
STOPSIGNAL SIGTERM
# The heap's budget. Without it V8 sizes the heap from the host's memory, not the container's
# need: on a 24 GB host, 64 MB semi-spaces (128 MB of young generation) and an old generation
# let grow to ~3x its live size before a full GC — 380-450 MB of RSS under overload for ~50 MB
# of live objects. 8 MB semi-spaces keep the young generation at 16 MB (16 MB ones peaked at
# 184-202 MB on a fast machine, 8 MB ones at 170-180, for ~7 % more CPU per POST); the
# old-space limit makes V8 collect far sooner (old space ~65 MB, ~7 % more CPU per request) and
# is far above any real need (live heap ~50 MB at saturation), at the default readiness limit
# HEALTH_MEMORY_LIMIT_MB. Measurements: docs/benchmarks.md ("Service RSS"; the 8 MB semi-spaces
# in "A fast machine, and row 6's margin"). npm start uses the same flags, and `npm run bench`
# reads them from this line.
CMD ["node", "--max-semi-space-size=8", "--max-old-space-size=1024", "dist/src/main.js"]
