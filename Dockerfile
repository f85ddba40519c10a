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
CMD ["node", "dist/src/main.js"]
